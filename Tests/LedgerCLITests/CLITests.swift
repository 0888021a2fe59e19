import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite("ledger command line (real process)")
struct CLITests {
    /// A valid commission body file for serial `serial`.
    static func commission(_ serial: String) -> String {
        #"{"type":"commission","gtin":"00312345678906","serials":["\#(serial)"],"lot":"L1","expiry":"2027-12-31","product":{"name":"Amoxicillin","strength":"500 mg","dosageForm":"capsule","containerSize":"100 capsules"}}"#
    }

    @Test("the README's tour runs verbatim")
    func readmeTour() throws {
        let readme = try String(contentsOf: CLI.repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let begin = try #require(readme.range(of: "<!-- tour-begin -->\n```sh\n"))
        let end = try #require(readme.range(of: "```\n<!-- tour-end -->"))
        let script = String(readme[begin.upperBound..<end.lowerBound])
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // The tour runs from the repository root's point of view for tools/; give it a copy of tools/.
        try FileManager.default.copyItem(at: CLI.repositoryRoot.appendingPathComponent("tools"),
                                         to: URL(fileURLWithPath: directory + "/tools"))
        try CLI.write("set -euo pipefail\n" + script, to: directory + "/tour.sh")
        let path = CLI.productsDirectory.path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        let result = try CLI.run("/bin/bash", ["tour.sh"], in: directory, environment: ["PATH": path])
        #expect(result.status == 0, "tour failed (exit \(result.status)):\n\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("ok: 4 entries verified"))
        #expect(result.stdout.contains("ok: 4 entries verified independently"))
        #expect(result.stderr.contains("is not registered to any partner"))
        #expect(result.stderr.contains("integrity failure: first bad entry 3"))
    }

    @Test("every command's --help shows an example")
    func helpHasExamples() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let commands: [[String]] = [[], ["init"], ["keygen"], ["partner", "add"], ["partner", "key", "add"], ["partner", "key", "revoke"],
                                    ["partner", "list"], ["append"], ["show"], ["log"], ["verify"], ["id"], ["demo"],
                                    ["custody"], ["lot"], ["holdings"], ["index", "rebuild"], ["operator-key"], ["checkpoint"],
                                    ["prove", "inclusion"], ["prove", "consistency"], ["receipt"], ["verify-receipt"]]
        for command in commands {
            let result = try CLI.ledger(command + ["--help"], in: directory)
            #expect(result.status == 0, "\(command)")
            #expect(result.stdout.contains("Example"), "\(command) --help has no example")
        }
    }

    @Test("usage errors exit 2")
    func usageErrors() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(try CLI.ledger(["no-such-command"], in: directory).status == 2)
        #expect(try CLI.ledger(["keygen", "--alg", "rsa", "--out", "x.key"], in: directory).status == 2)
        let missing = try CLI.ledger(["log", "--data", directory + "/nothing"], in: directory)
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("no ledger in"))
    }

    @Test("keygen writes a 0600 private key and refuses to overwrite it")
    func keygenModes() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let result = try CLI.ledger(["keygen", "--alg", "p256", "--out", "k.key"], in: directory)
        expectSuccess(result)
        #expect(!result.stdout.contains("PRIVATE KEY"))
        let attributes = try FileManager.default.attributesOfItem(atPath: directory + "/k.key")
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let again = try CLI.ledger(["keygen", "--out", "k.key"], in: directory)
        #expect(again.status == 2)
        #expect(again.stderr.contains("already exists"))
    }

    @Test("append refuses bad input with exit 2 and writes nothing")
    func appendRefusals() throws {
        let ledger = try CLILedger()
        defer { ledger.remove() }
        let before = try CLI.bytes(of: ledger.segment)
        try CLI.write("{\"type\":\"commission\",\"lot\":1.5}", to: ledger.directory + "/fraction.json")
        try CLI.write("{\"type\":\"teleport\"}", to: ledger.directory + "/unknown.json")
        try CLI.write("{\"type\":\"commission\",\"a\":1,\"a\":2}", to: ledger.directory + "/duplicate.json")
        try CLI.write(CLITests.commission("S1"), to: ledger.directory + "/good.json")
        let cases: [(String, String)] = [
            ("fraction.json", "only integer numbers are allowed"),
            ("unknown.json", "unknown body type"),
            ("duplicate.json", "duplicate member name"),
        ]
        for (file, message) in cases {
            // The bad file is the second of a batch: the good first one must not be written either.
            let result = try ledger.ledger(["append", "--data", ledger.data, "--key", "acme.key", "good.json", file])
            #expect(result.status == 2, "\(file)")
            #expect(result.stderr.contains(file) && result.stderr.contains(message), "\(file): \(result.stderr)")
        }
        // A private key readable by others is refused.
        chmod(ledger.directory + "/acme.key", 0o644)
        let open = try ledger.ledger(["append", "--data", ledger.data, "--key", "acme.key", "good.json"])
        #expect(open.status == 2)
        #expect(open.stderr.contains("too open"))
        #expect(!open.stderr.contains("PRIVATE KEY"))
        #expect(try CLI.bytes(of: ledger.segment) == before)
        chmod(ledger.directory + "/acme.key", 0o600)
        expectSuccess(try ledger.ledger(["append", "--data", ledger.data, "--key", "acme.key", "good.json"]))
        expectSuccess(try ledger.ledger(["verify", "--data", ledger.data]))
    }

    @Test("a second writer gets 'ledger is locked by pid N' and exit 3")
    func lockedLedger() throws {
        let ledger = try CLILedger()
        defer { ledger.remove() }
        try CLI.write(CLITests.commission("S1"), to: ledger.directory + "/good.json")
        let fd = open(ledger.data + "/LOCK", O_RDWR)
        #expect(fd >= 0)
        defer { close(fd) }
        #expect(flock(fd, LOCK_EX | LOCK_NB) == 0)
        ftruncate(fd, 0)
        let pid = "\(getpid())\n"
        _ = pid.withCString { write(fd, $0, strlen($0)) }
        let result = try ledger.ledger(["append", "--data", ledger.data, "--key", "acme.key", "good.json"])
        #expect(result.status == 3)
        #expect(result.stderr.contains("ledger is locked by pid \(getpid())"))
        // Readers never block, and custody queries answer from the index without the writer lock.
        expectSuccess(try ledger.ledger(["log", "--data", ledger.data]))
        expectSuccess(try ledger.ledger(["verify", "--data", ledger.data]))
        let lot = try ledger.ledger(["lot", "--data", ledger.data, "00312345678906", "L1"])
        expectSuccess(lot)
        #expect(!lot.stdout.contains("notice"))
        expectSuccess(try ledger.ledger(["holdings", "--data", ledger.data, "0614141000005"]))
    }

    @Test("verify --json reports findings with seq, hash, kind and reason, exit 1")
    func verifyJSON() throws {
        let ledger = try CLILedger()
        defer { ledger.remove() }
        try CLI.write(CLITests.commission("S1"), to: ledger.directory + "/c.json")
        try CLI.write(CLITests.commission("S2"), to: ledger.directory + "/d.json")
        expectSuccess(try ledger.ledger(["append", "--data", ledger.data, "--key", "acme.key", "c.json", "d.json"]))
        var bytes = try CLI.bytes(of: ledger.segment)
        let marker = Data("\"L1\"".utf8)
        let range = try #require(bytes.range(of: marker))
        bytes[range.lowerBound + 1] ^= 0x01
        try bytes.write(to: URL(fileURLWithPath: ledger.segment))
        let result = try ledger.ledger(["verify", "--data", ledger.data, "--json"])
        #expect(result.status == 1)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(report["clean"] as? Bool == false)
        #expect(report["entriesChecked"] as? Int == 4)
        let findings = try #require(report["findings"] as? [[String: Any]])
        #expect(findings.first?["seq"] as? Int == 2)
        #expect(findings.first?["kind"] as? String == "entry-hash")
        #expect((findings.first?["entryHash"] as? String)?.count == 64)
        #expect(result.stderr.contains("first bad entry 2"))
        // OpenSSL's own verification alone (no P-256 key tables) finds the same.
        let opensslOnly = try ledger.ledger(["verify", "--data", ledger.data, "--json", "--openssl-only"])
        #expect(opensslOnly.status == 1)
        let again = try #require(try JSONSerialization.jsonObject(with: Data(opensslOnly.stdout.utf8)) as? [String: Any])
        #expect((again["findings"] as? [[String: Any]])?.map { $0["reason"] as? String } == findings.map { $0["reason"] as? String })
    }

    @Test("show prints every field; an unknown seq is a usage error")
    func showEntry() throws {
        let ledger = try CLILedger()
        defer { ledger.remove() }
        let result = try ledger.ledger(["show", "--data", ledger.data, "1", "--json"])
        expectSuccess(result)
        let entry = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(entry["type"] as? String == "partner.register")
        #expect(entry["signer"] as? String == "operator")
        for field in ["seq", "hash", "prevHash", "appendedAt", "keyID", "algorithm", "signedAt", "version", "body", "signature"] {
            #expect(entry[field] != nil, "missing \(field)")
        }
        let missing = try ledger.ledger(["show", "--data", ledger.data, "99"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("no entry 99"))
    }

    @Test("partner key revoke: later appends with the key are refused")
    func keyRevocation() throws {
        let ledger = try CLILedger()
        defer { ledger.remove() }
        try CLI.write(CLITests.commission("S1"), to: ledger.directory + "/c.json")
        let list = try ledger.ledger(["partner", "list", "--data", ledger.data, "--json"])
        let registry = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [String: Any])
        let partner = try #require((registry["partners"] as? [[String: Any]])?.first)
        let keyID = try #require((partner["keys"] as? [[String: Any]])?.first?["keyID"] as? String)
        expectSuccess(try ledger.ledger(["partner", "key", "revoke", "--data", ledger.data, "--gln", "0614141000005",
                                         "--key-id", keyID, "--reason", "test"]))
        let refused = try ledger.ledger(["append", "--data", ledger.data, "--key", "acme.key", "c.json"])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("revoked"))
        expectSuccess(try ledger.ledger(["keygen", "--out", "acme2.key"]))
        expectSuccess(try ledger.ledger(["partner", "key", "add", "--data", ledger.data, "--gln", "0614141000005", "--key", "acme2.key.pub"]))
        expectSuccess(try ledger.ledger(["append", "--data", ledger.data, "--key", "acme2.key", "c.json"]))
        expectSuccess(try ledger.ledger(["verify", "--data", ledger.data]))
    }
}
