import Foundation
import Testing

@Suite("tools/nightly-audit.sh (real processes)")
struct NightlyAuditTests {
    @Test("clean runs save the checkpoint and append history; a finding fails with one line and keeps the last good checkpoint")
    func nightly() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let script = CLI.repositoryRoot.appendingPathComponent("tools/nightly-audit.sh").path
        let environment = ["LEDGER": CLI.ledgerPath]
        expectSuccess(try CLI.ledger(["demo", "--data", "d"], in: directory))

        let first = try CLI.run("/bin/bash", [script, "d", "audit"], in: directory, environment: environment)
        expectSuccess(first)
        #expect(first.stdout.hasPrefix("nightly-audit: ok"))
        let saved = try String(contentsOfFile: directory + "/audit/last-good.checkpoint", encoding: .utf8)
        #expect(saved.contains("\n25\n"))

        try CLI.write(CLITests.commission("N1"), to: directory + "/c.json")
        expectSuccess(try CLI.ledger(["append", "--data", "d", "--key", "d/demo-keys/0312345000004.key", "c.json"], in: directory))
        let second = try CLI.run("/bin/bash", [script, "d", "audit"], in: directory, environment: environment)
        expectSuccess(second)
        let history = try String(contentsOfFile: directory + "/audit/history.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(history.count == 2)
        let last = try #require(try JSONSerialization.jsonObject(with: Data(history[1].utf8)) as? [String: Any])
        #expect(last["clean"] as? Bool == true)
        #expect(last["signaturesChecked"] as? Int == 1)  // only the entry after the last good checkpoint
        #expect(try String(contentsOfFile: directory + "/audit/last-good.checkpoint", encoding: .utf8).contains("\n26\n"))

        // Damage entry 21 (the dispensing) in place.
        let segment = directory + "/d/log/00000000000000000000.seg"
        var bytes = try Data(contentsOf: URL(fileURLWithPath: segment))
        let marker = try #require(bytes.range(of: Data("\"reason\":\"dispensed\"".utf8)))
        bytes[marker.lowerBound + 11] ^= 0x01
        try bytes.write(to: URL(fileURLWithPath: segment))
        let third = try CLI.run("/bin/bash", [script, "d", "audit"], in: directory, environment: environment)
        #expect(third.status == 1)
        let lines = third.stderr.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(lines.first?.contains("nightly-audit: FAILED integrity failure: first bad entry 21") == true, "\(third.stderr)")
        #expect(try String(contentsOfFile: directory + "/audit/last-good.checkpoint", encoding: .utf8).contains("\n26\n"))
        let failed = try String(contentsOfFile: directory + "/audit/history.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(failed.count == 3)
        #expect(failed[2].contains("\"clean\":false"))
    }
}
