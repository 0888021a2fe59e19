import Custody
import CustodyIndex
import EPCIS
import Foundation
import LedgerCore
import LedgerFormat
import LedgerStore
import LedgerVerify
import Testing

/// A manufacturer's document of `pallets` pallets as `ledger-bench epcis-import` generates it: per pallet ten
/// commissionings of ten bottles, ten packings of them into cases, one packing of the cases onto the pallet and
/// (when `shipping`) one sale of the pallet to the wholesaler; without `shipping`, only the first 21 events.
func palletsJSON(_ pallets: Range<Int>, shipping: Bool) -> String {
    func sscc(_ n: Int) -> String {
        let reference = String(n)
        return "\"urn:epc:id:sscc:030001.\(String(repeating: "0", count: 11 - reference.count))\(reference)\""
    }
    let time = #""eventTime": "2026-03-02T14:30:00.000Z", "eventTimeZoneOffset": "-05:00""#
    var events: [String] = []
    for pallet in pallets {
        let palletID = sscc(2 * (pallet + 1) + 10_000_000)
        guard !shipping else {
            events.append(#"{"type": "ObjectEvent", \#(time), "epcList": [\#(palletID)], "action": "OBSERVE", "bizStep": "shipping", "disposition": "in_transit", "bizTransactionList": [{"type": "po", "bizTransaction": "urn:epcglobal:cbv:bt:0399999999991:PO\#(pallet)"}], "sourceList": [{"type": "owning_party", "source": "urn:epc:id:sgln:030001.111111.0"}], "destinationList": [{"type": "owning_party", "destination": "urn:epc:id:sgln:039999.999999.0"}]}"#)
            continue
        }
        var cases: [String] = []
        for box in 0..<10 {
            let base = (pallet * 10 + box) * 10
            let bottles = (0..<10).map { "\"urn:epc:id:sgtin:030001.0012345.S\(base + $0)\"" }.joined(separator: ", ")
            events.append(#"{"type": "ObjectEvent", \#(time), "epcList": [\#(bottles)], "action": "ADD", "bizStep": "commissioning", "disposition": "active", "readPoint": {"id": "urn:epc:id:sgln:030001.111111.0"}, "ilmd": {"cbvmda:lotNumber": "LOT\#(pallet / 2)", "cbvmda:itemExpirationDate": "2029-12-31"}}"#)
            let caseID = sscc(1 + 2 * (pallet * 10 + box))
            cases.append(caseID)
            events.append(#"{"type": "AggregationEvent", \#(time), "parentID": \#(caseID), "childEPCs": [\#(bottles)], "action": "ADD", "bizStep": "packing", "disposition": "in_progress"}"#)
        }
        events.append(#"{"type": "AggregationEvent", \#(time), "parentID": \#(palletID), "childEPCs": [\#(cases.joined(separator: ", "))], "action": "ADD", "bizStep": "packing", "disposition": "in_progress"}"#)
    }
    let header = """
        {"epcisMasterData": {"vocabularyList": [{"type": "urn:epcglobal:epcis:vtype:EPCClass", "vocabularyElementList": [{"id": "urn:epc:idpat:sgtin:030001.0012345.*", "attributes": [
          {"id": "urn:epcglobal:cbv:mda#regulatedProductName", "attribute": "Epcistra"}, {"id": "urn:epcglobal:cbv:mda#strengthDescription", "attribute": "100mg"},
          {"id": "urn:epcglobal:cbv:mda#dosageFormType", "attribute": "PILL"}, {"id": "urn:epcglobal:cbv:mda#netContentDescription", "attribute": "500 pills"}]}]}]},
         "gs1ushc:dscsaTransactionStatement": {"gs1ushc:affirmTransactionStatement": "true"}}
        """
    return """
        {"@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld", {"gs1ushc": "http://epcis.gs1us.org/hc/ns", "cbvmda": "urn:epcglobal:cbv:mda"}],
         "type": "EPCISDocument", "schemaVersion": "2.0", "creationDate": "2026-03-02T15:00:00Z", "epcisHeader": \(header),
         "epcisBody": {"eventList": [\(events.joined(separator: ",\n"))]}}
        """
}

@Suite("EPCIS import of large documents")
struct LargeImportTests {
    /// What an import reports and appends, without what differs between two ledgers (keys, signatures, entry hashes).
    static func outcome(_ report: EPCISImportReport) -> [String] {
        report.events.map { event in
            var line = "\(event.index) \(event.eventType) \(event.eventHash ?? "-") \(event.summary)"
            if case .appended(let type, let seq, _) = event.status { line += " → \(type.rawValue) \(seq)" }
            return line
        } + report.appended.map { "\($0.entry.seq) \($0.entry.submission.bodyType) " + String(decoding: $0.entry.submission.body, as: UTF8.self) }
    }

    @Test("documents larger than the index's record cache import exactly as with the default cache; the committed index equals one rebuilt from the log")
    func largerThanRecordCache() throws {
        let commissioning = try document(json: palletsJSON(0..<3, shipping: false), name: "pack.jsonld")
        let sales = try document(json: palletsJSON(0..<3, shipping: true), name: "sell.jsonld")
        #expect(commissioning.events.count == 63 && sales.events.count == 3)
        // 333 units a document: the cache keeps only the last 40 records of each commit, and every sale finds its
        // pallet, cases and bottles through the cache or SQLite.
        let small = try PharmaLedger()
        small.ledger.index.cacheLimit = 40
        let reference = try PharmaLedger()
        var outcomes: [[String]] = []
        for test in [small, reference] {
            let packed = try test.ledger.importEPCIS(commissioning, key: test.manufacturerKey)
            let sold = try test.ledger.importEPCIS(sales, key: test.manufacturerKey)
            #expect(packed.refusal == nil && packed.appended.count == 63 && sold.refusal == nil && sold.appended.count == 3)
            outcomes.append(Self.outcome(packed) + Self.outcome(sold))
        }
        #expect(outcomes[0] == outcomes[1])
        // Each sale's TI lists the 100 bottles of its pallet, found through the cases in the index.
        let sale = try small.body(try #require(small.ledger.head).seq)
        guard case .transfer(let transfer) = sale else { Issue.record("not a transfer: \(sale)"); return }
        #expect(transfer.products.map(\.quantity).reduce(0, +) == 100)
        let bottle = UnitID.sgtin(gtin: "00300010123455", serial: "S205")
        #expect(small.ledger.custody.record(bottle)?.owner == PharmaLedger.wholesaler)
        #expect(try IndexAudit.differences(layout: small.layout).isEmpty)
        #expect(try Verifier(layout: small.layout).run().findings.isEmpty)
        // Every unit's events and containment as committed batch by batch, against a rebuild from the log.
        let copy = small.directory + "/rebuilt"
        try FileManager.default.copyItem(atPath: small.layout.directory, toPath: copy)
        let (rebuilt, _, _, catchUp) = try Ledger.openIndex(layout: StoreLayout(directory: copy), trustAnchor: nil, forceRebuild: true)
        #expect(catchUp.rebuilt)
        var units: [UnitID] = []
        try small.ledger.index.allUnits { units.append($0.id) }
        #expect(units.count == 333)
        for unit in units {
            #expect(try small.ledger.index.events(of: unit) == rebuilt.events(of: unit), "\(unit)")
            #expect(try small.ledger.index.parents(of: unit) == rebuilt.parents(of: unit), "\(unit)")
            #expect(small.ledger.index.unit(unit) == rebuilt.unit(unit), "\(unit)")
        }
    }
}
