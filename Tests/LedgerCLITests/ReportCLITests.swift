import Foundation
import Testing

@Suite("ledger report and verify-report through the real binary")
struct ReportCLITests {
    static let bottle = "(01)00312345678906(21)AMX1001"

    /// A temporary directory holding the demo ledger in `data`.
    func withDemo(_ body: (String) throws -> Void) throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try expectSuccess(CLI.ledger(["demo", "--data", "data"], in: directory))
        try body(directory)
    }

    @Test("report writes a JSON report that verify-report accepts offline, and names a changed byte")
    func roundTrip() throws {
        try withDemo { directory in
            let made = try CLI.ledger(["report", "--data", "data", "https://id.gs1.org/01/00312345678906/21/AMX1001", "--request-id", "FDA-1",
                                       "--requester", "FDA ORA", "--reason", "suspect", "--received", "2026-11-27T09:30:00-05:00",
                                       "--out", "r.json"], in: directory)
            expectSuccess(made)
            #expect(made.stderr.hasPrefix("wrote r.json: json report, SHA-256 "))
            // The ledger is not needed: only the report and the operator's public key.
            try FileManager.default.copyItem(atPath: directory + "/data/operator.key.pub", toPath: directory + "/operator.pub")
            try FileManager.default.removeItem(atPath: directory + "/data")
            let checked = try CLI.ledger(["verify-report", "r.json", "--operator-key", "operator.pub"], in: directory)
            expectSuccess(checked)
            #expect(checked.stderr.contains("note: not re-derived from the signed entries (taken as the report states them): generatedAt, source, notice"))
            #expect(checked.stdout.hasPrefix("ok: report on \(Self.bottle): 18 entries proven in demo.custody-ledger.example/ledger at tree size 25"))
            var bytes = [UInt8](try CLI.bytes(of: directory + "/r.json"))
            let at = bytes.count / 2
            bytes[at] = bytes[at] == UInt8(ascii: "0") ? UInt8(ascii: "1") : (bytes[at] == UInt8(ascii: "1") ? UInt8(ascii: "0") : bytes[at] ^ 0x01)
            try Data(bytes).write(to: URL(fileURLWithPath: directory + "/bad.json"))
            let bad = try CLI.ledger(["verify-report", "bad.json", "--operator-key", "operator.pub"], in: directory)
            #expect(bad.status == 1)
            #expect(bad.stderr.contains("ledger: error: report bad.json is not valid: "))
            #expect(bad.stdout.isEmpty)
            // A negative tree size: a named finding and exit 1, never a trap.
            let text = String(decoding: try CLI.bytes(of: directory + "/r.json"), as: UTF8.self)
            #expect(text.contains("\"treeSize\":25"))
            try CLI.write(text.replacingOccurrences(of: "\"treeSize\":25", with: "\"treeSize\":-1"), to: directory + "/negative.json")
            let negative = try CLI.ledger(["verify-report", "negative.json", "--operator-key", "operator.pub"], in: directory)
            #expect(negative.status == 1)
            #expect(negative.stderr.contains("evidence.entries[0] (entry 0): treeSize must be a non-negative integer"), "\(negative.stderr)")
        }
    }

    @Test("a ledger ahead of its latest checkpoint: reports are as of the checkpoint, list the newer entries, and verify")
    func aheadOfCheckpoint() throws {
        try withDemo { directory in
            // Riverside, bottle 7's owner, records it damaged with its own key only: no new checkpoint (size stays 25).
            try CLI.write(#"{"type":"decommission","items":["(01)00312345678906(21)AMX1007"],"reason":"damaged"}"#, to: directory + "/d.json")
            try FileManager.default.moveItem(atPath: directory + "/data/operator.key", toPath: directory + "/operator.key")
            expectSuccess(try CLI.ledger(["append", "--data", "data", "--key", "data/demo-keys/0890000000021.key", "d.json"], in: directory))
            let serial = try CLI.ledger(["report", "--data", "data", "(01)00312345678906(21)AMX1007", "--out", "r.json"], in: directory)
            expectSuccess(serial)
            let json = try #require(try JSONSerialization.jsonObject(with: CLI.bytes(of: directory + "/r.json")) as? [String: Any])
            #expect(json["notice"] as? String == "entries 25 are newer than the latest checkpoint (size 25): this report is as of that checkpoint and leaves them out")
            #expect((json["evidence"] as? [String: Any])?["uncovered"] as? [Int] == [25])
            #expect((json["terminal"] as? [String: Any])?["state"] as? String != "damaged")
            let checked = try CLI.ledger(["verify-report", "r.json", "--operator-key", "data/operator.key.pub"], in: directory)
            expectSuccess(checked)
            #expect(checked.stderr.contains("note: entries 25 are newer than the checkpoint"))
            // The lot report: bottle 7's latest entry is the new one, so its row cites none.
            expectSuccess(try CLI.ledger(["report", "--data", "data", "--lot", "00312345678906", "LOT2026A", "--out", "lot.json"], in: directory))
            let lot = try CLI.ledger(["verify-report", "lot.json", "--operator-key", "data/operator.key.pub"], in: directory)
            expectSuccess(lot)
            #expect(lot.stderr.contains("note: entries 25 are newer than the checkpoint"))
        }
    }

    @Test("lot and HTML reports; --json-out writes the JSON the page was made from")
    func lotAndHTML() throws {
        try withDemo { directory in
            expectSuccess(try CLI.ledger(["report", "--data", "data", "--lot", "00312345678906", "LOT2026A", "--reason", "recall", "--out", "lot.json"], in: directory))
            expectSuccess(try CLI.ledger(["verify-report", "lot.json", "--operator-key", "data/operator.key.pub"], in: directory))
            expectSuccess(try CLI.ledger(["report", "--data", "data", "--lot", "00312345678906", "LOT2026A", "--format", "html", "--out", "lot.html"], in: directory))
            let lotPage = String(decoding: try CLI.bytes(of: directory + "/lot.html"), as: UTF8.self)
            #expect(lotPage.contains("aria-label=\"Totals per holder and per state\""))
            #expect(lotPage.contains("<rect class=\"bar alarm\""))      // the stolen bottle, in red
            #expect(!lotPage.contains("Manufacturer"))                       // no empty rows for what a lot report lacks
            let html = try CLI.ledger(["report", "--data", "data", Self.bottle, "--format", "html", "--out", "r.html", "--json-out", "r.json"], in: directory)
            expectSuccess(html)
            let page = String(decoding: try CLI.bytes(of: directory + "/r.html"), as: UTF8.self)
            let json = String(decoding: try CLI.bytes(of: directory + "/r.json"), as: UTF8.self)
            let hash = try #require(json.range(of: "\"reportHash\":\"").map { String(json[$0.upperBound...].prefix(64)) })
            #expect(page.contains(hash))
            #expect(html.stderr.contains(hash))
            #expect(!page.contains("<script"))
            #expect(!page.contains("http://") || !page.contains("src=\"http"))
            expectSuccess(try CLI.ledger(["verify-report", "r.json", "--operator-key", "data/operator.key.pub"], in: directory))
        }
    }

    @Test("bad input: exit 2, a specific error, nothing written")
    func refusals() throws {
        try withDemo { directory in
            let cases: [([String], String)] = [
                ([Self.bottle, "--reason", "curiosity"], "ledger: error: --reason curiosity: must be one of recall, suspect, illegitimate, audit\n"),
                ([Self.bottle, "--received", "yesterday"], "ledger: error: --received \"yesterday\" is not an ISO 8601 time (e.g. 2026-11-27T09:30:00-05:00)\n"),
                ([Self.bottle, "--format", "pdf"], "ledger: error: --format pdf: must be json or html\n"),
                ([Self.bottle, "--responder", "0614141000006"], "ledger: error: --responder 0614141000006 has a wrong check digit (expected 5)\n"),
                ([Self.bottle, "--responder", "0614141000005"], "ledger: error: refused: --responder: GLN 0614141000005 is not a registered trading partner of this ledger\n"),
                (["(01)00312345678906(21)NOPE"], "ledger: error: refused: (01)00312345678906(21)NOPE: no entry names this identifier (never commissioned or packed)\n"),
                (["--lot", "00312345678906"], "ledger: error: --lot needs GTIN and LOT\n"),
                (["--lot", "00312345678906", "LOT-X"], "ledger: error: refused: 00312345678906 LOT-X: no serial of GTIN 00312345678906 was commissioned in lot LOT-X\n"),
                ([Self.bottle, "--json-out", "x.json"], "ledger: error: --json-out goes with --format html\n"),
            ]
            for (arguments, message) in cases {
                let result = try CLI.ledger(["report", "--data", "data"] + arguments + ["--out", "out.json"], in: directory)
                #expect(result.status == 2, "\(arguments)")
                #expect(result.stderr == message, "\(arguments)")
                #expect(!FileManager.default.fileExists(atPath: directory + "/out.json"), "\(arguments)")
            }
            let usage = try CLI.ledger(["verify-report", "missing.json", "--operator-key", "data/operator.key.pub"], in: directory)
            #expect(usage.status == 2)
            #expect(usage.stderr == "ledger: error: cannot read missing.json: No such file or directory\n")
        }
    }

    /// The Chromium binary, if installed.
    static var chromium: String? {
        ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    @Test("the HTML renders in headless Chromium to PNG and PDF without console errors; a <script> party name stays text")
    func chromiumRendering() throws {
        guard let chromium = Self.chromium else {
            if ProcessInfo.processInfo.environment["LEDGER_REQUIRE_CHROMIUM"] == "1" {
                Issue.record("Chromium is required (LEDGER_REQUIRE_CHROMIUM=1) but neither chromium nor chromium-browser is installed")
            } else {
                print("skipped: the HTML rendering test needs Chromium (apt-get install chromium); .ci/run installs it")
            }
            return
        }
        let ledger = try CLILedger()
        defer { ledger.remove() }
        let hostile = "<script>alert(\"pwned\")</script> & Sons \"Pharma\""
        try expectSuccess(ledger.ledger(["keygen", "--alg", "ed25519", "--out", "evil.key"]))
        try expectSuccess(ledger.ledger(["partner", "add", "--data", ledger.data, "--gln", "0860012345670", "--name", hostile,
                                         "--role", "wholesaler", "--address", "<img src=x onerror=alert(1)>", "--key", "evil.key.pub"]))
        try CLI.write("""
            {"type": "commission", "gtin": "00614141000012", "serials": ["S1"], "lot": "L1", "expiry": "2027-12-31",
             "product": {"name": "Test</td><script>x()</script>", "strength": "1 mg", "dosageForm": "tablet", "containerSize": "30"}}
            """, to: ledger.directory + "/c.json")
        try expectSuccess(ledger.ledger(["append", "--data", ledger.data, "--key", "acme.key", "c.json"]))
        try CLI.write("""
            {"type": "transfer", "items": ["(01)00614141000012(21)S1"],
             "seller": {"gln": "0614141000005", "name": "Acme Pharma", "address": "1 Main St"},
             "buyer": {"gln": "0860012345670", "name": \(String(reflecting: hostile)), "address": "<img src=x onerror=alert(1)>"},
             "transactionDate": "2026-11-20T10:00:00Z",
             "statement": {"affirmedBy": "<b>J. Roe</b>", "authorized": true, "receivedFromAuthorized": true, "receivedTransactionInformation": true,
                           "noSuspectOrIllegitimateProduct": true, "verificationSystemsInPlace": true, "noFalseTransactionInformation": true,
                           "noAlteredTransactionHistory": true}}
            """, to: ledger.directory + "/t.json")
        try expectSuccess(ledger.ledger(["append", "--data", ledger.data, "--key", "acme.key", "t.json"]))
        try expectSuccess(ledger.ledger(["report", "--data", ledger.data, "(01)00614141000012(21)S1", "--format", "html", "--out", "r.html"]))
        let page = ledger.directory + "/r.html"
        let common = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--enable-logging=stderr", "--v=0",
                      "--user-data-dir=" + ledger.directory + "/chromium-profile"]

        let dom = try CLI.run(chromium, common + ["--dump-dom", "file://" + page], in: ledger.directory)
        #expect(dom.status == 0, "\(dom.stderr)")
        #expect(!dom.stdout.contains("<script"))
        #expect(!dom.stdout.contains("<img"))
        #expect(dom.stdout.contains("&lt;script&gt;alert(\"pwned\")&lt;/script&gt; &amp; Sons \"Pharma\""))
        #expect(dom.stdout.contains("Test&lt;/td&gt;&lt;script&gt;x()&lt;/script&gt;"))
        #expect(dom.stdout.contains("affirmed by &lt;b&gt;J. Roe&lt;/b&gt;"))
        let screenshot = try CLI.run(chromium, common + ["--window-size=1280,1800", "--screenshot=" + ledger.directory + "/r.png", "file://" + page], in: ledger.directory)
        let pdf = try CLI.run(chromium, common + ["--print-to-pdf=" + ledger.directory + "/r.pdf", "--no-pdf-header-footer", "file://" + page], in: ledger.directory)
        for run in [dom, screenshot, pdf] {
            // Console messages (a script error, a blocked load) are logged as CONSOLE lines or "Uncaught".
            let console = run.stderr.split(separator: "\n").filter { $0.contains("CONSOLE") || $0.contains("Uncaught") || $0.contains("Refused to") }
            #expect(console.isEmpty, "\(console)")
        }
        let png = [UInt8](try CLI.bytes(of: ledger.directory + "/r.png"))
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        #expect(png.count > 20_000)
        let pdfBytes = [UInt8](try CLI.bytes(of: ledger.directory + "/r.pdf"))
        #expect(pdfBytes.starts(with: Array("%PDF".utf8)))
        // Sections start on new pages when printed: several pages for one serial.
        #expect(String(decoding: pdfBytes, as: UTF8.self).components(separatedBy: "/Type /Page\n").count + String(decoding: pdfBytes, as: UTF8.self).components(separatedBy: "/Type /Page/").count > 3)
    }
}
