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

    @Test("REPLAY_MEMORY and SCRATCH_DIR reach ledger verify: a bad budget is a usage error, a good one verifies")
    func replayMemory() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let script = CLI.repositoryRoot.appendingPathComponent("tools/nightly-audit.sh").path
        expectSuccess(try CLI.ledger(["demo", "--data", "d"], in: directory))
        let bad = try CLI.run("/bin/bash", [script, "d", "audit"], in: directory, environment: ["LEDGER": CLI.ledgerPath, "REPLAY_MEMORY": "0"])
        #expect(bad.status == 2)
        #expect(bad.stderr == "nightly-audit: ERROR (exit 2) error: --replay-memory 0: it must be a whole number of MiB from 1 to 1048576\n")
        // 1,000 more identifiers: more than 1 MiB of replay holds, so it spills to SCRATCH_DIR.
        try CLI.write(ReplayMemoryCLITests.bigCommissionJSON, to: directory + "/big.json")
        expectSuccess(try CLI.ledger(["append", "--data", "d", "--key", "d/demo-keys/0312345000004.key", "big.json"], in: directory))
        let nowhere = try CLI.run("/bin/bash", [script, "d", "audit"], in: directory,
                                  environment: ["LEDGER": CLI.ledgerPath, "REPLAY_MEMORY": "1", "SCRATCH_DIR": "nowhere"])
        #expect(nowhere.status == 3)
        #expect(nowhere.stderr == "nightly-audit: ERROR (exit 3) error: custody replay scratch store: cannot create a scratch directory in nowhere: No such file or directory\n")
        try FileManager.default.createDirectory(atPath: directory + "/scratch", withIntermediateDirectories: false)
        let good = try CLI.run("/bin/bash", [script, "d", "audit"], in: directory,
                               environment: ["LEDGER": CLI.ledgerPath, "REPLAY_MEMORY": "1", "SCRATCH_DIR": "scratch"])
        expectSuccess(good)
        let history = try String(contentsOfFile: directory + "/audit/history.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(history.last?.contains("\"replaySpills\":1") == true, "\(history.last ?? "")")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory + "/scratch").isEmpty)
    }
}
