import Foundation
import Testing

@Suite("ledger import (real binary)")
struct EPCISImportCLITests {
    static let example = CLI.repositoryRoot.path + "/Tests/EPCISTests/Resources/us-pharma-2.2.1.1.jsonld"
    static let exampleXML = CLI.repositoryRoot.path + "/Tests/EPCISTests/Resources/openepcis/1.2-xml_GS1_US_Pharma_Example_2_2_1_1.xml"

    /// A ledger with the manufacturer and wholesaler of the GS1 US DSCSA example registered.
    static func pharmaLedger() throws -> CLILedger {
        let test = try CLILedger()
        for (key, name, gln, role, address, prefix) in [("mfg", "GS1 Pharma", "0300011111116", "manufacturer", "1 Biopharm Ct, Suite A, Thousand Oaks, CA 91320, US", ["--prefix", "030001"]),
                                                        ("wd", "GS1 Drug Distributor", "0399999999991", "wholesaler", "230 Park Ave S, Room 378, New York, NY 10003-1502, US", [])] {
            try expectSuccess(test.ledger(["keygen", "--out", "\(key).key"]))
            try expectSuccess(test.ledger(["partner", "add", "--data", test.data, "--gln", gln, "--name", name, "--role", role,
                                           "--address", address, "--key", "\(key).key.pub"] + prefix))
        }
        return test
    }

    @Test("imports the DSCSA example; the ledger verifies and knows the custody")
    func importsExample() throws {
        let test = try Self.pharmaLedger()
        defer { test.remove() }
        let result = try test.ledger(["import", "--data", test.data, "--key", "mfg.key", Self.example])
        expectSuccess(result)
        #expect(result.stdout.hasPrefix("\(Self.example) (EPCIS 2.0 JSON-LD, 8 events): appended 7 entries, 1 skipped\n"))
        #expect(result.stdout.contains(": transfer 1 from 0300011111116 to 0399999999991\n"))
        expectSuccess(try test.ledger(["verify", "--data", test.data]))
        let custody = try test.ledger(["custody", "--data", test.data, "urn:epc:id:sgtin:030001.0012345.11"])
        #expect(custody.stdout.contains("now: in-transit, owned by GS1 Drug Distributor, held by nobody, inside (01)10300010123452(21)110"))
    }

    @Test("--dry-run --json lists every event with its outcome and writes nothing")
    func dryRunJSON() throws {
        let test = try Self.pharmaLedger()
        defer { test.remove() }
        let before = try CLI.bytes(of: test.segment)
        let result = try test.ledger(["import", "--data", test.data, "--key", "mfg.key", "--dry-run", "--json", Self.example])
        expectSuccess(result)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(report["outcome"] as? String == "would-import")
        let events = try #require(report["events"] as? [[String: Any]])
        #expect(events.map { $0["outcome"] as? String } == ["would-append", "would-append", "would-append", "would-append", "would-append", "skipped", "would-append", "would-append"])
        #expect(events.map { $0["bodyType"] as? String } == ["commission", "commission", "aggregate", "aggregate", "aggregate", nil, "aggregate", "transfer"])
        #expect(events.allSatisfy { $0.keys.contains("eventHash") && $0["type"] is String })
        #expect(try CLI.bytes(of: test.segment) == before)
    }

    @Test("a refused document exits 2, names document, event, field and reason, and writes nothing")
    func refusal() throws {
        let test = try Self.pharmaLedger()
        defer { test.remove() }
        let before = try CLI.bytes(of: test.segment)
        let result = try test.ledger(["import", "--data", test.data, "--key", "wd.key", Self.example])
        #expect(result.status == 2)
        #expect(result.stderr == "ledger: error: refused: \(Self.example), event 1: commission 12 of GTIN 00300010123455, lot A123, expiry 2025-03-27: 0399999999991 is a wholesaler; only a manufacturer or repackager commissions serials [not-manufacturer]\n")
        #expect(try CLI.bytes(of: test.segment) == before)
    }

    @Test("ledger append refuses a hand-made body whose kept EPCIS event names another serial: exit 2, nothing written")
    func keptEventDisagrees() throws {
        let test = try Self.pharmaLedger()
        defer { test.remove() }
        func body(serial: String, eventSerial: String) throws -> String {
            let event = #"{"type":"ObjectEvent","eventTime":"2023-03-27T06:45:16Z","eventTimeZoneOffset":"-05:00","epcList":["urn:epc:id:sgtin:030001.0012345.\#(eventSerial)"],"action":"ADD","bizStep":"commissioning","ilmd":{"cbvmda:lotNumber":"A123","cbvmda:itemExpirationDate":"2025-03-27"}}"#
            return #"""
                {"type": "commission", "gtin": "00300010123455", "serials": ["\#(serial)"], "lot": "A123", "expiry": "2025-03-27",
                 "product": {"name": "Epcistra", "strength": "100mg", "dosageForm": "PILL", "containerSize": "500 pills"},
                 "eventTime": "2023-03-27T01:45:16-05:00", "epcis": {"event": \#(String(decoding: try JSONSerialization.data(withJSONObject: event, options: .fragmentsAllowed), as: UTF8.self))}}
                """#
        }
        try CLI.write(try body(serial: "901", eventSerial: "902"), to: test.directory + "/forged.json")
        let before = try CLI.bytes(of: test.segment)
        let result = try test.ledger(["append", "--data", test.data, "--key", "mfg.key", "forged.json"])
        #expect(result.status == 2)
        #expect(result.stderr == #"ledger: error: refused: forged.json: commission body, field serials[0]: is "901", but the kept event (epcis.event) maps to "902""# + "\n")
        #expect(try CLI.bytes(of: test.segment) == before)
        // The same body keeping its own event is appended.
        try CLI.write(try body(serial: "901", eventSerial: "901"), to: test.directory + "/own.json")
        expectSuccess(try test.ledger(["append", "--data", test.data, "--key", "mfg.key", "own.json"]))
        expectSuccess(try test.ledger(["verify", "--data", test.data]))
    }

    @Test("the 1.2 XML original of the example imports the same way")
    func importsXML() throws {
        let test = try Self.pharmaLedger()
        defer { test.remove() }
        let result = try test.ledger(["import", "--data", test.data, "--key", "mfg.key", Self.exampleXML])
        expectSuccess(result)
        #expect(result.stdout.hasPrefix("\(Self.exampleXML) (EPCIS 1.2 XML, 8 events): appended 7 entries, 1 skipped\n"))
        expectSuccess(try test.ledger(["verify", "--data", test.data]))
    }

    @Test("ledger export writes the custody as EPCIS JSON-LD that imports into another ledger; --lot exports a lot")
    func export() throws {
        let test = try Self.pharmaLedger()
        defer { test.remove() }
        expectSuccess(try test.ledger(["import", "--data", test.data, "--key", "mfg.key", Self.exampleXML]))
        let exported = try test.ledger(["export", "--data", test.data, "https://id.gs1.org/01/00300010123455/21/11"])
        expectSuccess(exported)
        try CLI.write(exported.stdout, to: test.directory + "/custody.jsonld")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(exported.stdout.utf8)) as? [String: Any])
        #expect((document["epcisBody"] as? [String: Any])?["eventList"].map { ($0 as? [Any])?.count } == 7)
        let lot = try test.ledger(["export", "--data", test.data, "--lot", "00300010123455", "A123"])
        expectSuccess(lot)
        #expect(lot.stdout.components(separatedBy: "\n").filter { !$0.contains("creationDate") }
                == exported.stdout.components(separatedBy: "\n").filter { !$0.contains("creationDate") })
        // Into a second ledger with the same partners.
        let other = try Self.pharmaLedger()
        defer { other.remove() }
        expectSuccess(try other.ledger(["import", "--data", other.data, "--key", "mfg.key", test.directory + "/custody.jsonld"]))
        let xml = try test.ledger(["export", "--data", test.data, "--format", "epcis-xml", "urn:epc:id:sgtin:030001.0012345.11"])
        expectSuccess(xml)
        #expect(xml.stdout.hasPrefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<epcis:EPCISDocument xmlns:epcis=\"urn:epcglobal:epcis:xsd:2\""))
        try CLI.write(xml.stdout, to: test.directory + "/custody.xml")
        let dry = try other.ledger(["import", "--data", other.data, "--key", "mfg.key", "--dry-run", test.directory + "/custody.xml"])
        #expect(dry.status == 2)
        #expect(dry.stderr.contains("was already commissioned at entry 4 [already-commissioned]"))
        let again = try other.ledger(["export", "--data", other.data, "urn:epc:id:sgtin:030001.0012345.11"])
        #expect(again.stdout.components(separatedBy: "\n").filter { !$0.contains("creationDate") }
                == exported.stdout.components(separatedBy: "\n").filter { !$0.contains("creationDate") })
    }
}
