import Foundation
import Testing

@Suite("verifiable log from the command line (real process)")
struct VerifiableLogCLITests {
    @Test("checkpoint, receipt, verify-receipt, prove, and verify --since on the demo")
    func demoLog() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        expectSuccess(try CLI.ledger(["demo", "--data", "d"], in: directory))
        let checkpoint = try CLI.ledger(["checkpoint", "--data", "d"], in: directory)
        expectSuccess(checkpoint)
        #expect(checkpoint.stdout.hasPrefix("demo.custody-ledger.example/ledger\n25\n"))
        try CLI.write(checkpoint.stdout, to: directory + "/old.checkpoint")
        let vkey = try CLI.ledger(["operator-key", "--data", "d"], in: directory).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(vkey.hasPrefix("demo.custody-ledger.example/ledger+"))

        let receipt = try CLI.ledger(["receipt", "--data", "d", "11"], in: directory)
        expectSuccess(receipt)
        try CLI.write(receipt.stdout, to: directory + "/r.json")
        // No ledger needed: move it away before checking.
        try FileManager.default.moveItem(atPath: directory + "/d", toPath: directory + "/elsewhere")
        let valid = try CLI.ledger(["verify-receipt", "r.json", "--operator-key", vkey], in: directory)
        expectSuccess(valid)
        #expect(valid.stdout.contains("ok: entry 11 (transfer"))
        try CLI.write(receipt.stdout.replacingOccurrences(of: "\"treeSize\": 25", with: "\"treeSize\": 24"), to: directory + "/bad.json")
        let invalid = try CLI.ledger(["verify-receipt", "bad.json", "--operator-key", vkey], in: directory)
        #expect(invalid.status == 1)
        #expect(invalid.stderr.contains("treeSize or origin differ"))
        // Hostile integers: a named refusal (exit 1), never a trap.
        for (field, value, reason) in [("treeSize", "25", "treeSize must be a non-negative integer"), ("seq", "11", "seq must be a non-negative integer")] {
            try CLI.write(receipt.stdout.replacingOccurrences(of: "\"\(field)\": \(value)", with: "\"\(field)\": -1"), to: directory + "/neg.json")
            let negative = try CLI.ledger(["verify-receipt", "neg.json", "--operator-key", vkey], in: directory)
            #expect(negative.status == 1, "\(field)")
            #expect(negative.stderr.contains("receipt neg.json is not valid: ") && negative.stderr.contains(reason), "\(negative.stderr)")
        }
        try FileManager.default.moveItem(atPath: directory + "/elsewhere", toPath: directory + "/d")

        let inclusion = try CLI.ledger(["prove", "inclusion", "--data", "d", "11", "--json"], in: directory)
        expectSuccess(inclusion)
        #expect(inclusion.stdout.contains("\"treeSize\": 25"))
        expectSuccess(try CLI.ledger(["prove", "consistency", "--data", "d", "10", "25"], in: directory))
        #expect(try CLI.ledger(["prove", "consistency", "--data", "d", "26", "25"], in: directory).status == 2)

        // More entries later: the log still extends the saved checkpoint.
        try CLI.write(CLITests.commission("X1"), to: directory + "/c.json")
        let key = "d/demo-keys/0312345000004.key"
        expectSuccess(try CLI.ledger(["append", "--data", "d", "--key", key, "c.json"], in: directory))
        let since = try CLI.ledger(["verify", "--data", "d", "--since", "old.checkpoint", "--json"], in: directory)
        expectSuccess(since)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(since.stdout.utf8)) as? [String: Any])
        #expect(report["signaturesChecked"] as? Int == 1)
        #expect(report["clean"] as? Bool == true)

        // A forged checkpoint (signed by another key) is refused outright.
        let forged = checkpoint.stdout.replacingOccurrences(of: "\n25\n", with: "\n24\n")
        try CLI.write(forged, to: directory + "/forged.checkpoint")
        let refused = try CLI.ledger(["verify", "--data", "d", "--since", "forged.checkpoint"], in: directory)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("not signed by the operator key"))
    }
}

@Suite("ledger demo --replace (real process)")
struct DemoReplaceTests {
    @Test("a second demo needs --replace, which leaves no trace of the first (log, index, Merkle tree, checkpoints)")
    func replace() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        expectSuccess(try CLI.ledger(["demo", "--data", "d"], in: directory))
        let refused = try CLI.ledger(["demo", "--data", "d"], in: directory)
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("--replace"))
        let first = try String(contentsOfFile: directory + "/d/checkpoints.log", encoding: .utf8)
        expectSuccess(try CLI.ledger(["demo", "--data", "d", "--replace"], in: directory))
        let second = try String(contentsOfFile: directory + "/d/checkpoints.log", encoding: .utf8)
        #expect(second.split(separator: "\n").count == first.split(separator: "\n").count)
        #expect(second != first)
        expectSuccess(try CLI.ledger(["verify", "--data", "d", "--index"], in: directory))
        // Never a ledger of another origin.
        expectSuccess(try CLI.ledger(["init", "--data", "other"], in: directory))
        let foreign = try CLI.ledger(["demo", "--data", "other", "--replace"], in: directory)
        #expect(foreign.status == 2)
        #expect(foreign.stderr.contains("not the demo"))
    }
}
