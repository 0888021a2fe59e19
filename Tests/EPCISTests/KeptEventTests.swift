import Custody
import EPCIS
import EPCISImport
import Foundation
import LedgerCore
import LedgerCrypto
import LedgerFormat
import LedgerStore
import LedgerVerify
import Testing

/// Hand-made bodies keeping an EPCIS event (`epcis`), appended with `ledger.append` as a partner appending by
/// hand would: the kept event must hash to `eventHash` and map to the body itself.
@Suite("kept EPCIS events agree with their bodies")
struct KeptEventTests {
    static let example = "us-pharma-2.2.1.1.jsonld"

    /// The body the importer makes of event `index` of the DSCSA example against the ledger as it stands.
    static func planned(_ test: PharmaLedger, _ index: Int) throws -> JSONValue {
        let importer = try EPCISImporter(document: try document(example), signer: PharmaLedger.manufacturer)
        guard case .append(_, let body) = try importer.plan(index, custody: test.ledger.custody, registry: test.ledger.registry).action else {
            throw InputError(source: example, reason: "event \(index) is not appended")
        }
        return body
    }

    /// A ledger holding the example's first seven events (commissions and packing), before its shipping event.
    static func beforeShipping() throws -> PharmaLedger {
        let test = try PharmaLedger()
        var doc = try document(example)
        doc.events = Array(doc.events[..<7])
        #expect(try test.ledger.importEPCIS(doc, key: test.manufacturerKey).appended.count == 6)
        return test
    }

    /// `body` with its kept event text edited by `edit`, and (unless `rehash` is false) the event hash of the edited
    /// event, as a careful forger would write it.
    static func tampered(_ body: JSONValue, rehash: Bool = true, _ edit: (String) -> String) throws -> JSONValue {
        guard case .object(var members) = body, case .object(var kept)? = members["epcis"], let text = kept["event"]?.stringValue else {
            throw InputError(source: "test", reason: "no kept event")
        }
        let event = edit(text)
        #expect(event != text)
        kept["event"] = .string(event)
        if rehash {
            let namespaces = kept["namespaces"]?.objectValue?.compactMapValues(\.stringValue) ?? [:]
            kept["eventHash"] = .string(EPCISEventHash.hashID(try EPCISNode.parseJSON(event), namespaces: namespaces))
        }
        members["epcis"] = .object(kept)
        return .object(members)
    }

    /// The example's transfer with its kept event sending the pallet to the 3PL rather than the wholesaler.
    static func otherBuyer(_ test: PharmaLedger) throws -> JSONValue {
        try tampered(try planned(test, 7)) {
            $0.replacingOccurrences(of: #""destination":"urn:epc:id:sgln:039999.999999.0""#, with: #""destination":"urn:epc:id:sgln:0614141.00001.0""#)
        }
    }

    /// Appends `body` of `type` signed by the manufacturer; returns the refusal, after checking nothing was written.
    static func refusal(_ test: PharmaLedger, _ type: CustodyBodyType, _ body: JSONValue) throws -> InputError? {
        let before = try test.logBytes()
        let error = #expect(throws: InputError.self) {
            try test.ledger.append([try test.ledger.sign(BodyInput(type: type.rawValue, body: body), with: test.manufacturerKey, source: "hand.json")],
                                   sources: ["hand.json"])
        }
        #expect(try test.logBytes() == before)
        return error
    }

    @Test("the body the importer makes, appended by hand, is accepted and verifies")
    func agreeing() throws {
        let test = try Self.beforeShipping()
        let appended = try test.ledger.append([try test.ledger.sign(BodyInput(type: "transfer", body: try Self.planned(test, 7)), with: test.manufacturerKey)])
        #expect(appended.map(\.entry.seq) == [10])
        #expect(try Verifier(layout: test.layout).run().findings.isEmpty)
    }

    @Test("a kept event that does not hash to the kept eventHash is refused")
    func wrongHash() throws {
        let test = try Self.beforeShipping()
        let body = try Self.tampered(try Self.planned(test, 7), rehash: false) {
            $0.replacingOccurrences(of: "XYZPO189", with: "XYZPO190")
        }
        let error = try Self.refusal(test, .transfer, body)
        #expect(error?.code == "kept-event-hash")
        #expect(error?.reason == "transfer body, field epcis.eventHash: is ni:///sha-256;646b50e766fbef0c1de567b7eb5bd666cbb44d64188a63dc891bba0b5f263758?ver=CBV2.0, but the kept event (epcis.event) hashes to ni:///sha-256;b72859191e9e7c04c9c3377435ba58a582401a7ff2476055bf64599dd4f2d162?ver=CBV2.0 (CBV 2.0 event hash)")
    }

    @Test("a kept event naming another serial than the body is refused, its hash right or not")
    func otherSerial() throws {
        let test = try PharmaLedger()
        let body = try Self.tampered(try Self.planned(test, 0)) {
            $0.replacingOccurrences(of: "urn:epc:id:sgtin:030001.0012345.22", with: "urn:epc:id:sgtin:030001.0012345.23")
        }
        let error = try Self.refusal(test, .commission, body)
        #expect(error?.code == "kept-event-mismatch")
        #expect(error?.reason == #"commission body, field serials[11]: is "22", but the kept event (epcis.event) maps to "23""#)
    }

    @Test("a kept event naming another seller is refused: the importer would not map it for this signer")
    func otherSeller() throws {
        let test = try Self.beforeShipping()
        let body = try Self.tampered(try Self.planned(test, 7)) {
            $0.replacingOccurrences(of: #""source":"urn:epc:id:sgln:030001.111111.0""#, with: #""source":"urn:epc:id:sgln:0614141.00001.0""#)
        }
        let error = try Self.refusal(test, .transfer, body)
        #expect(error?.code == "kept-event-unmapped")
        #expect(error?.reason == "transfer body, field epcis.event: does not map to a custody body: field sourceList: the seller (source owning_party) is 0614141000012, but the importing key belongs to 0300011111116; only the seller signs a transfer [wrong-party]")
    }

    @Test("a kept event naming another buyer is refused, naming the body member that disagrees")
    func otherBuyer() throws {
        let test = try Self.beforeShipping()
        let body = try Self.otherBuyer(test)
        let error = try Self.refusal(test, .transfer, body)
        #expect(error?.code == "kept-event-mismatch")
        #expect(error?.reason == #"transfer body, field buyer.gln: is "0399999999991", but the kept event (epcis.event) maps to "0614141000012""#)
    }

    @Test("a kept eventID that is not the event's, and a kept event of another body type, are refused")
    func otherIDAndType() throws {
        let test = try Self.beforeShipping()
        guard case .object(var members) = try Self.planned(test, 7), case .object(var kept)? = members["epcis"] else { Issue.record("no kept event"); return }
        kept["eventID"] = .string("urn:uuid:6a3e3b4e-5d4b-4b4e-9e2a-000000000001")
        members["epcis"] = .object(kept)
        let error = try Self.refusal(test, .transfer, .object(members))
        #expect(error?.code == "kept-event-id")
        #expect(error?.reason == #"transfer body, field epcis.eventID: is "urn:uuid:6a3e3b4e-5d4b-4b4e-9e2a-000000000001", but the kept event's eventID is absent"#)
        // The shipping event kept by a ship body (possession only) of the same pallet.
        guard case .object(let transfer) = try Self.planned(test, 7) else { Issue.record("no transfer"); return }
        let ship: JSONValue = .object(["items": .array([.string("(00)403000112345678901")]), "to": .string(PharmaLedger.wholesaler),
                                       "references": .object([:]), "epcis": transfer["epcis"]!])
        let typeError = try Self.refusal(test, .ship, ship)
        #expect(typeError?.code == "kept-event-mismatch")
        #expect(typeError?.reason == "ship body, field epcis.event: maps to a transfer body, not a ship")
    }

    @Test("ledger verify flags a body whose kept event disagrees, written past the checks by a faulty operator")
    func verifyFlagsReplay() throws {
        let test = try Self.beforeShipping()
        let body = try Self.otherBuyer(test)
        test.ledger.close()
        let writer = try SegmentWriter(layout: test.layout)
        defer { writer.close() }
        let key = test.manufacturerKey
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let submission = Submission(signer: PharmaLedger.manufacturer, keyID: key.publicKey.keyID, algorithm: key.algorithm, signedAt: now,
                                    bodyType: "transfer", bodyVersion: 1, body: BodyInput(type: "transfer", body: body).canonicalBody)
        _ = try writer.append([PendingEntry(submission: submission, signature: try submission.sign(with: key, origin: test.ledger.origin))], now: now)
        let findings = try Verifier(layout: test.layout).run().findings
        #expect(findings.map(\.kind) == [.custody])
        #expect(findings.map(\.seq) == [10])
        #expect(findings.first?.reason == #"transfer body, field buyer.gln: is "0399999999991", but the kept event (epcis.event) maps to "0614141000012" (kept-event-mismatch)"#)
    }
}
