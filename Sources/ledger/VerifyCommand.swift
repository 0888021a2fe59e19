import ArgumentParser
import LedgerCore
import LedgerCrypto
import LedgerFormat
import LedgerStore
import LedgerVerify
#if canImport(Glibc)
import Glibc
#endif

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify the whole ledger from the operator's public key: framing, hashes, chain, signatures.",
        discussion: """
        Every entry hash and previous-entry hash is recomputed and every signature is checked against the \
        partner registry as it stood at that entry (registered, valid then, not revoked before). It keeps \
        going after a finding. Exit 0 clean, 1 findings (the first bad entry is named), 2 usage, 3 I/O.

        The custody rules are replayed from genesis in at most --replay-memory MiB: beyond it the replay \
        spills to a scratch SQLite file in --scratch-dir (default $TMPDIR or /tmp), removed at the end.

        Example:
          ledger verify --operator-key ledger-data/operator.key.pub --json
        """
    )

    @OptionGroup var options: DataOptions
    @Option(name: .customLong("operator-key"), help: ArgumentHelp("The operator's public key, the trust anchor (default: DIR/operator.key.pub if present).", valueName: "PUB"))
    var operatorKey: String?
    @Option(help: "Keep at most this many findings.") var max: Int = 100
    @Flag(help: "Print a machine-readable JSON result.") var json = false
    @Flag(help: "Also compare the custody index with a replay of the log.") var index = false
    @Option(help: ArgumentHelp("A signed checkpoint saved earlier: prove the log extends it, then check signatures only after it.", valueName: "CHECKPOINT_FILE"))
    var since: String?
    @Option(name: .customLong("checkpoint"), help: ArgumentHelp("Another signed checkpoint the log must extend (repeatable).", valueName: "FILE"))
    var extraCheckpoints: [String] = []
    @Option(help: ArgumentHelp("Also write the JSON report, on one line, to FILE.", valueName: "FILE"))
    var report: String?
    @Option(name: .customLong("replay-memory"),
            help: ArgumentHelp("Memory for the custody replay, in MiB; beyond it the replay spills to a scratch file (1 to 1048576).", valueName: "MiB"))
    var replayMemory: Int = ReplayBudget.defaultMemoryMiB
    @Option(name: .customLong("scratch-dir"), help: ArgumentHelp("Where the replay's scratch file goes (default: $TMPDIR, else /tmp).", valueName: "DIR"))
    var scratchDir: String?
    @Option(help: ArgumentHelp("Threads that check signatures (default: one per core); as many prepare frames ahead of the checks (1 to 1024).",
                               valueName: "N"))
    var workers: Int?
    @Flag(name: .customLong("openssl-only"),
          help: "Check every P-256 signature with OpenSSL's own ECDSA verification alone, without per-key tables (slower; the same findings).")
    var opensslOnly = false

    func run() throws {
        if let workers, !(1...1024).contains(workers) {
            throw CommandFailure(status: Status.usage, "--workers \(workers): give 1 to 1024 threads")
        }
        let replay: ReplayBudget
        do { replay = try ReplayBudget(memoryMiB: replayMemory, directory: scratchDir) } catch {
            throw CommandFailure(status: Status.usage, "--replay-memory \(replayMemory): \(error.reason)")
        }
        var anchorPath = operatorKey
        if anchorPath == nil, access(options.operatorKeyPath + ".pub", R_OK) == 0 { anchorPath = options.operatorKeyPath + ".pub" }
        let anchor = try anchorPath.map { try KeyFiles.readPublicKey($0) }
        let start = systemClock()
        var checkpoints: [Checkpoint] = []
        var checkpointProblems: [String] = []
        var signaturesFrom: UInt64 = 0
        if let since {
            guard let anchor else { throw CommandFailure(status: Status.usage, "--since needs the operator key (--operator-key) to check the checkpoint's signature") }
            let note = try readText(since)
            switch parseCheckpoint(note, anchor) {
            case .success(let checkpoint):
                checkpoints.append(checkpoint)
                signaturesFrom = checkpoint.size
            case .failure(let error):
                throw CommandFailure(status: Status.integrity, "checkpoint \(since) is not signed by the operator key: \(error)")
            }
        }
        for file in extraCheckpoints {
            guard let anchor else { throw CommandFailure(status: Status.usage, "--checkpoint needs the operator key (--operator-key)") }
            switch parseCheckpoint(try readText(file), anchor) {
            case .success(let checkpoint): checkpoints.append(checkpoint)
            case .failure(let error): throw CommandFailure(status: Status.integrity, "checkpoint \(file) is not signed by the operator key: \(error)")
            }
        }
        if let anchor, let note = try CheckpointFiles.latest(in: options.layout) {
            switch parseCheckpoint(note, anchor) {
            case .success(let checkpoint): checkpoints.append(checkpoint)
            case .failure(let error):
                checkpointProblems.append("the stored checkpoint (\(CheckpointFiles.latestPath(in: options.layout))) is not validly signed by the operator key: \(error)")
            }
        }
        var verifyOptions = VerifyOptions(trustAnchor: anchor, maxFindings: max, checkpoints: checkpoints, signaturesFrom: signaturesFrom,
                                          workers: workers, replay: replay)
        if opensslOnly { verifyOptions.p256KeyTableThreshold = .max }
        var result: VerifyReport
        do {
            result = try Verifier(layout: options.layout, options: verifyOptions).run()
        } catch let error as ReplaySpillError {
            throw CommandFailure(status: Status.io, "\(error)")
        }
        for problem in checkpointProblems {
            result.findings.append(Finding(seq: result.lastSeq ?? 0, entryHash: nil, kind: .checkpoint, reason: problem, location: nil))
        }
        if let origin = result.origin, let mismatch = checkpoints.first(where: { $0.origin != origin }) {
            result.findings.append(Finding(seq: 0, entryHash: nil, kind: .checkpoint,
                                           reason: "a checkpoint is for origin \(mismatch.origin), but this ledger is \(origin)", location: nil))
        }
        let indexDifferences: [IndexAudit.Difference]
        do { indexDifferences = index ? try IndexAudit.differences(layout: options.layout, max: max, replay: replay) : [] } catch let error as ReplaySpillError {
            throw CommandFailure(status: Status.io, "\(error)")
        }
        let elapsed = Double(systemClock() - start) / 1000
        let findings: [JSONValue] = result.findings.map { finding in
            var members: [String: JSONValue] = ["seq": .integer(Int64(finding.seq)), "kind": .string(finding.kind.rawValue),
                                                "reason": .string(finding.reason)]
            if let hash = finding.entryHash { members["entryHash"] = .string(hash) }
            if let location = finding.location { members["location"] = .string(location) }
            return .object(members)
        }
        var members: [String: JSONValue] = [
            "clean": .bool(result.isClean), "entriesChecked": .integer(Int64(result.entriesChecked)),
            "findings": .array(findings), "findingsOmitted": .integer(Int64(result.findingsOmitted)),
            "notices": .array(result.notices.map { .string($0) }),
            "trustAnchor": anchor.map { .string($0.keyID) } ?? .null,
            "elapsedMs": .integer(Int64(elapsed * 1000)),
            "signaturesChecked": .integer(Int64(result.signaturesChecked)),
            "rootHash": result.rootHash.map { .string(Base64.encode($0)) } ?? .null,
            "checkpointsChecked": .integer(Int64(checkpoints.count)),
            "replaySpills": .integer(Int64(result.replaySpills)),
            "entriesPerSecond": .integer(elapsed > 0 ? Int64(Double(result.entriesChecked) / elapsed) : 0),
            "time": .string(Timestamp.iso8601(start)),
        ]
        if let seq = result.lastSeq { members["lastSeq"] = .integer(Int64(seq)) }
        if let hash = result.lastHash { members["lastHash"] = .string(hash) }
        if let origin = result.origin { members["origin"] = .string(origin) }
        if index {
            members["index"] = .object(["clean": .bool(indexDifferences.isEmpty),
                                        "differences": .array(indexDifferences.map { .string($0.description) })])
            if !indexDifferences.isEmpty { members["clean"] = .bool(false) }
        }
        let document = JSONValue.object(members)
        if let report {
            do { try writeTextFile(document.canonicalString + "\n", to: report) } catch {
                throw CommandFailure(status: Status.io, "cannot write the report \(report): \(error)")
            }
        }
        if json {
            print(document.prettyString)
        } else {
            for notice in result.notices { print("notice: \(notice)") }
            if anchor == nil { print("notice: no trust anchor given (--operator-key): the genesis entry's operator key was taken on trust") }
            for difference in indexDifferences { print("INDEX \(difference)") }
            if index, indexDifferences.isEmpty { print("ok: the custody index agrees with the log") }
            if result.isClean {
                print("ok: \(result.entriesChecked) entries verified (last \(result.lastSeq.map(String.init) ?? "-") \(result.lastHash ?? "")) in \(String(format3(elapsed))) s")
            } else {
                for finding in result.findings { print("FINDING \(finding)") }
                if result.findingsOmitted > 0 { print("… and \(result.findingsOmitted) more findings") }
            }
        }
        if let first = result.firstFinding {
            FileHandleOutput.standardError("ledger: integrity failure: first bad entry \(first.seq): \(first.reason)")
        } else if let first = indexDifferences.first {
            FileHandleOutput.standardError("ledger: the custody index disagrees with the log: \(first) (run `ledger index rebuild`)")
        }
        if !result.isClean || !indexDifferences.isEmpty { throw ExitCode(Status.integrity) }
    }
}

/// Parses a signed checkpoint, checking its signature by the operator key under the checkpoint's own origin.
func parseCheckpoint(_ note: String, _ anchor: PublicKey) -> Result<Checkpoint, NoteError> {
    let origin = String(note.prefix { $0 != "\n" })
    do throws(NoteError) {
        return .success(try Checkpoint(note: note, verifier: try NoteVerifierKey(name: origin, publicKey: anchor)))
    } catch {
        return .failure(error)
    }
}

func format3(_ value: Double) -> String {
    let scaled = Int((value * 1000).rounded())
    let fraction = String(scaled % 1000)
    return "\(scaled / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
}
