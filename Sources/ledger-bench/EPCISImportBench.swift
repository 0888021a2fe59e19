import Custody
import EPCIS
import LedgerCore
import LedgerCrypto
import LedgerFormat
import LedgerStore

/// A generated EPCIS 2.0 JSON-LD document of at least `events` events, as a manufacturer sends it: per pallet,
/// ten commissioning events of ten bottles, ten packings of ten bottles into a case (an SSCC), one packing of
/// the ten cases onto a pallet and one sale of the pallet to the wholesaler (22 events per 100 bottles).
func epcisBenchDocument(events: Int) -> (text: String, events: Int) {
    func sscc(_ n: Int) -> String {
        let reference = String(n)
        return "\"urn:epc:id:sscc:030001.\(String(repeating: "0", count: 11 - reference.count))\(reference)\""
    }
    var out: [String] = []
    var count = 0
    var pallet = 0
    let time = #""eventTime": "2026-03-02T14:30:00.000Z", "eventTimeZoneOffset": "-05:00""#
    while count < events {
        var cases: [String] = []
        for box in 0..<10 {
            let base = (pallet * 10 + box) * 10
            let bottles = (0..<10).map { "\"urn:epc:id:sgtin:030001.0012345.S\(base + $0)\"" }.joined(separator: ", ")
            out.append(#"{"type": "ObjectEvent", \#(time), "epcList": [\#(bottles)], "action": "ADD", "bizStep": "commissioning", "disposition": "active", "readPoint": {"id": "urn:epc:id:sgln:030001.111111.0"}, "ilmd": {"cbvmda:lotNumber": "LOT\#(pallet / 100)", "cbvmda:itemExpirationDate": "2029-12-31"}}"#)
            let box = sscc(1 + 2 * (pallet * 10 + box))
            cases.append(box)
            out.append(#"{"type": "AggregationEvent", \#(time), "parentID": \#(box), "childEPCs": [\#(bottles)], "action": "ADD", "bizStep": "packing", "disposition": "in_progress"}"#)
        }
        let palletID = sscc(2 * (pallet + 1) + 10_000_000)
        out.append(#"{"type": "AggregationEvent", \#(time), "parentID": \#(palletID), "childEPCs": [\#(cases.joined(separator: ", "))], "action": "ADD", "bizStep": "packing", "disposition": "in_progress"}"#)
        out.append(#"{"type": "ObjectEvent", \#(time), "epcList": [\#(palletID)], "action": "OBSERVE", "bizStep": "shipping", "disposition": "in_transit", "bizTransactionList": [{"type": "po", "bizTransaction": "urn:epcglobal:cbv:bt:0399999999991:PO\#(pallet)"}], "sourceList": [{"type": "owning_party", "source": "urn:epc:id:sgln:030001.111111.0"}], "destinationList": [{"type": "owning_party", "destination": "urn:epc:id:sgln:039999.999999.0"}]}"#)
        count += 22
        pallet += 1
    }
    let header = """
        {"epcisMasterData": {"vocabularyList": [{"type": "urn:epcglobal:epcis:vtype:EPCClass", "vocabularyElementList": [{"id": "urn:epc:idpat:sgtin:030001.0012345.*", "attributes": [
          {"id": "urn:epcglobal:cbv:mda#regulatedProductName", "attribute": "Epcistra"}, {"id": "urn:epcglobal:cbv:mda#strengthDescription", "attribute": "100mg"},
          {"id": "urn:epcglobal:cbv:mda#dosageFormType", "attribute": "PILL"}, {"id": "urn:epcglobal:cbv:mda#netContentDescription", "attribute": "500 pills"},
          {"id": "urn:epcglobal:cbv:mda#additionalTradeItemIdentification", "attribute": "0001-0123-45"}, {"id": "urn:epcglobal:cbv:mda#additionalTradeItemIdentificationTypeCode", "attribute": "US_FDA_NDC"}]}]}]},
         "gs1ushc:dscsaTransactionStatement": {"gs1ushc:affirmTransactionStatement": "true"}}
        """
    let text = """
        {"@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld", {"gs1ushc": "http://epcis.gs1us.org/hc/ns", "cbvmda": "urn:epcglobal:cbv:mda"}],
         "type": "EPCISDocument", "schemaVersion": "2.0", "creationDate": "2026-03-02T15:00:00Z", "epcisHeader": \(header),
         "epcisBody": {"eventList": [
        \(out.joined(separator: ",\n"))
        ]}}
        """
    return (text, count)
}

/// `epcis-import DIR EVENTS`: imports a generated document of EVENTS events (one atomic batch) into a fresh
/// ledger with the manufacturer and wholesaler registered; prints the parse and import rates and peak memory.
func epcisImportBench(directory: String, events: Int) throws {
    // The text is dropped once read, as `ledger epcis import` drops the file's bytes: only the document stays.
    var bytes: [UInt8]
    let count: Int
    do {
        let (text, generated) = epcisBenchDocument(events: events)
        bytes = Array(text.utf8)
        count = generated
    }
    let size = bytes.count
    let operatorKey = try PrivateKey.generate(.ed25519)
    let ledger = try Ledger.create(layout: StoreLayout(directory: directory), origin: "bench.example/epcis", operatorKey: operatorKey)
    let manufacturer = try PrivateKey.generate(.ed25519)
    for (gln, name, role, key) in [("0300011111116", "GS1 Pharma", PartnerRole.manufacturer, manufacturer),
                                   ("0399999999991", "GS1 Drug Distributor", .wholesaler, try PrivateKey.generate(.ed25519))] {
        let body = PartnerRegisterBody(gln: gln, name: name, role: role, address: "1 Bench St, Springfield, IL 62701, US",
                                       companyPrefixes: role == .manufacturer ? ["030001"] : [], key: KeyGrant(publicKey: key.publicKey, validFrom: 0))
        try ledger.append([ledger.sign(BodyInput(type: OperatorBody.partnerRegister, body: body.json), with: operatorKey)])
    }
    var start = now()
    let document = try EPCISDocument.read(bytes, source: "bench.jsonld")
    let parse = now() - start
    bytes = []
    start = now()
    let report = try ledger.importEPCIS(document, key: manufacturer)
    let importing = now() - start
    ledger.close()
    if let refusal = report.refusal { fail("refused: \(refusal)") }
    let total = parse + importing
    print("epcis_document \(count) events, \(size / 1_048_576) MiB of JSON-LD, \(report.appended.count) entries appended in one batch")
    print("epcis_parse \(Int(Double(count) / parse)) events/s (\(String(format: parse)) s: strict JSON into the ordered EPCIS model)")
    print("epcis_import \(Int(Double(count) / importing)) events/s (\(String(format: importing)) s: map, event hash, sign, custody rules, one durable write, index)")
    print("epcis_total \(Int(Double(count) / total)) events/s (\(String(format: total)) s)")
    print("epcis_peak_memory \(peakMemoryMiB()) MiB")
}
