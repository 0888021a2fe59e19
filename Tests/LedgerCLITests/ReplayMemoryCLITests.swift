import Foundation
import Testing

@Suite("ledger verify --replay-memory and --scratch-dir")
struct ReplayMemoryCLITests {
    /// A ledger whose one commission brings 1,000 serials into existence: more than a 1 MiB replay holds.
    static func bigCommission() throws -> CLILedger {
        let ledger = try CLILedger()
        try CLI.write(bigCommissionJSON, to: ledger.directory + "/big.json")
        expectSuccess(try ledger.ledger(["append", "--data", ledger.data, "--key", "acme.key", "big.json"]))
        return ledger
    }

    /// A commission of 1,000 serials (S0…S999) of the test GTIN.
    static var bigCommissionJSON: String {
        let serials = (0..<1000).map { "\"S\($0)\"" }.joined(separator: ",")
        return #"{"type":"commission","gtin":"00312345678906","serials":[\#(serials)],"lot":"L1","expiry":"2027-12-31","product":{"name":"Amoxicillin","strength":"500 mg","dosageForm":"capsule","containerSize":"100 capsules"}}"#
    }

    @Test("with 1 MiB the replay spills to the scratch directory, verifies clean, and leaves nothing behind")
    func spills() throws {
        let ledger = try Self.bigCommission()
        defer { ledger.remove() }
        try FileManager.default.createDirectory(atPath: ledger.directory + "/scratch", withIntermediateDirectories: false)
        let result = try ledger.ledger(["verify", "--data", ledger.data, "--replay-memory", "1", "--scratch-dir", "scratch", "--json"])
        expectSuccess(result)
        #expect(result.stdout.contains("\"replaySpills\": 1"), "\(result.stdout)")
        #expect(result.stdout.contains("\"clean\": true"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: ledger.directory + "/scratch").isEmpty)
        // The default budget keeps this ledger in memory.
        let inMemory = try ledger.ledger(["verify", "--data", ledger.data, "--scratch-dir", "scratch", "--json"])
        expectSuccess(inMemory)
        #expect(inMemory.stdout.contains("\"replaySpills\": 0"), "\(inMemory.stdout)")
    }

    @Test("a scratch directory that does not exist is an I/O error naming it")
    func missingScratch() throws {
        let ledger = try Self.bigCommission()
        defer { ledger.remove() }
        let result = try ledger.ledger(["verify", "--data", ledger.data, "--replay-memory", "1", "--scratch-dir", "nowhere"])
        #expect(result.status == 3)
        #expect(result.stderr == "ledger: error: custody replay scratch store: cannot create a scratch directory in nowhere: No such file or directory\n")
    }

    @Test("a budget of 0, a negative one, one above 1 TiB and garbage are refused with exit 2")
    func badBudgets() throws {
        let ledger = try CLILedger()
        defer { ledger.remove() }
        for bad in ["0", "-3", "1048577"] {
            let result = try ledger.ledger(["verify", "--data", ledger.data, "--replay-memory=\(bad)"])
            #expect(result.status == 2, "\(bad)")
            #expect(result.stderr == "ledger: error: --replay-memory \(bad): it must be a whole number of MiB from 1 to 1048576\n")
        }
        let garbage = try ledger.ledger(["verify", "--data", ledger.data, "--replay-memory", "lots"])
        #expect(garbage.status == 2)
        #expect(garbage.stderr.hasPrefix("Error: The value 'lots' is invalid for '--replay-memory <MiB>'\n"), "\(garbage.stderr)")
    }
}

@Suite("ledger verify --workers")
struct VerifyWorkersCLITests {
    @Test("one worker and many find the same: a clean ledger is clean; out-of-range counts are refused with exit 2")
    func workers() throws {
        let ledger = try ReplayMemoryCLITests.bigCommission()
        defer { ledger.remove() }
        for count in ["1", "3"] {
            let result = try ledger.ledger(["verify", "--data", ledger.data, "--workers", count, "--json"])
            expectSuccess(result)
            #expect(result.stdout.contains("\"clean\": true"), "\(result.stdout)")
            #expect(result.stdout.contains("\"signaturesChecked\": 2"), "\(result.stdout)")
        }
        for bad in ["0", "-1", "1025"] {
            let result = try ledger.ledger(["verify", "--data", ledger.data, "--workers=\(bad)"])
            #expect(result.status == 2, "\(bad)")
            #expect(result.stderr == "ledger: error: --workers \(bad): give 1 to 1024 threads\n")
        }
    }
}
