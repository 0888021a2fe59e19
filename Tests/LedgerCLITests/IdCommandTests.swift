import Foundation
import Testing

@Suite("ledger id and identifier forms in body files (real process)")
struct IdCommandTests {
    static func report(_ arguments: [String], in directory: String) throws -> [String: String] {
        let result = try CLI.ledger(["id"] + arguments + ["--json"], in: directory)
        #expect(result.status == 0, "\(arguments): \(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        return object.compactMapValues { $0 as? String }
    }

    @Test("every form ledger id prints reads back to the same identifier", arguments: [
        "https://id.gs1.org/01/00312345678906/10/L1/21/S1?17=271231",
        "(01)00312345678906(17)280600(10)LOT-7(21)AB/12",
        "urn:epc:id:sscc:0614141.1234567890",
        "urn:epc:id:sgtin:0614141.812345.6789",
        "https://example.com/414/0614141000012/254/5",
        "0860012345670",
    ])
    func roundTrip(input: String) throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = try Self.report([input, "--prefix-length", "7"], in: directory)
        // EPC URIs have no place for lot and expiry, so those (and the element string carrying them) stay behind.
        let parts = ["kind", "ledgerID", "gtin", "serial", "lot", "expiry", "sscc", "gln", "elementString"]
        for form in ["elementString", "digitalLink", "epcURI", "rawElementString"] {
            let text = try #require(first[form], "no \(form) for \(input): \(first)")
            let again = try Self.report([text, "--prefix-length", "7"], in: directory)
            for part in parts where form != "epcURI" || !["lot", "expiry", "elementString"].contains(part) {
                #expect(again[part] == first[part], "\(input) → \(form) \(text): \(part) \(again[part] ?? "nil") ≠ \(first[part] ?? "nil")")
            }
        }
    }

    @Test("the raw scanner form with ]d2 and GS separators gives the parts, expiry as an ISO date (DD 00 = month end)")
    func scannerForm() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let report = try Self.report(["]d201003123456789061728020010L1\u{1D}21S1"], in: directory)
        #expect(report["kind"] == "sgtin")
        #expect(report["gtin"] == "00312345678906" && report["serial"] == "S1" && report["lot"] == "L1")
        #expect(report["expiry"] == "2028-02-29")
        #expect(report["epcURIError"]?.contains("--prefix-length") == true)
    }

    @Test("the company prefix comes from the registered partner when no --prefix-length is given")
    func prefixFromRegistry() throws {
        let ledger = try CLILedger()
        defer { ledger.remove() }
        // CLILedger registers Acme (0614141000005) without a prefix; register one with its prefix.
        expectSuccess(try ledger.ledger(["keygen", "--out", "p.key"]))
        expectSuccess(try ledger.ledger(["partner", "add", "--data", ledger.data, "--gln", "0312345000004", "--name", "P",
                                         "--role", "manufacturer", "--address", "x", "--key", "p.key.pub", "--prefix", "0312345"]))
        let report = try Self.report(["(01)00312345678906(21)S1", "--data", ledger.data], in: ledger.directory)
        #expect(report["epcURI"] == "urn:epc:id:sgtin:0312345.067890.S1")
    }

    @Test("bad identifiers are refused with exit 2 and the reason", arguments: [
        ("(01)00312345678907(21)S1", "wrong check digit"),
        ("urn:epc:id:sgtin:0614141.812345", "serial"),
        ("(01)00312345678906(21)123456789012345678901", "1 to 20 characters"),
        ("(99)123", "Application Identifier"),
        ("ftp://x/01/00312345678906", "scheme"),
    ])
    func refusals(input: String, message: String) throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let result = try CLI.ledger(["id", input], in: directory)
        #expect(result.status == 2)
        #expect(result.stderr.contains(message), "\(input): \(result.stderr)")
    }

    @Test("body files may name units in any GS1 form; the ledger stores the canonical element string")
    func bodyIdentifierForms() throws {
        let ledger = try CLILedger()
        defer { ledger.remove() }
        try CLI.write(CLITests.commission("S1"), to: ledger.directory + "/c.json")
        expectSuccess(try ledger.ledger(["append", "--data", ledger.data, "--key", "acme.key", "c.json"]))
        try CLI.write("""
            {"type":"aggregate","parent":"urn:epc:id:sscc:0614141.1234567890",
             "children":["https://id.example.com/01/00312345678906/21/S1"]}
            """, to: ledger.directory + "/pack.json")
        expectSuccess(try ledger.ledger(["append", "--data", ledger.data, "--key", "acme.key", "pack.json"]))
        let shown = try ledger.ledger(["show", "--data", ledger.data, "3", "--json"])
        let entry = try #require(try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any])
        let body = try #require(entry["body"] as? [String: Any])
        #expect(body["parent"] as? String == "(00)106141412345678908")
        #expect(body["children"] as? [String] == ["(01)00312345678906(21)S1"])
    }
}
