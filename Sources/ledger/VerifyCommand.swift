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

        Example:
          ledger verify --operator-key ledger-data/operator.key.pub --json
        """
    )

    @OptionGroup var options: DataOptions
    @Option(name: .customLong("operator-key"), help: ArgumentHelp("The operator's public key, the trust anchor (default: DIR/operator.key.pub if present).", valueName: "PUB"))
    var operatorKey: String?
    @Option(help: "Keep at most this many findings.") var max: Int = 100
    @Flag(help: "Print a machine-readable JSON report.") var json = false
    @Flag(help: "Also compare the custody index with a replay of the log.") var index = false

    func run() throws {
        var anchorPath = operatorKey
        if anchorPath == nil, access(options.operatorKeyPath + ".pub", R_OK) == 0 { anchorPath = options.operatorKeyPath + ".pub" }
        let anchor = try anchorPath.map { try KeyFiles.readPublicKey($0) }
        let start = systemClock()
        let report = try Verifier(layout: options.layout, options: VerifyOptions(trustAnchor: anchor, maxFindings: max)).run()
        let indexDifferences = index ? try IndexAudit.differences(layout: options.layout, max: max) : []
        let elapsed = Double(systemClock() - start) / 1000
        if json {
            let findings: [JSONValue] = report.findings.map { finding in
                var members: [String: JSONValue] = ["seq": .integer(Int64(finding.seq)), "kind": .string(finding.kind.rawValue),
                                                    "reason": .string(finding.reason)]
                if let hash = finding.entryHash { members["entryHash"] = .string(hash) }
                if let location = finding.location { members["location"] = .string(location) }
                return .object(members)
            }
            var members: [String: JSONValue] = [
                "clean": .bool(report.isClean), "entriesChecked": .integer(Int64(report.entriesChecked)),
                "findings": .array(findings), "findingsOmitted": .integer(Int64(report.findingsOmitted)),
                "notices": .array(report.notices.map { .string($0) }),
                "trustAnchor": anchor.map { .string($0.keyID) } ?? .null,
                "elapsedMs": .integer(Int64(elapsed * 1000)),
            ]
            if let seq = report.lastSeq { members["lastSeq"] = .integer(Int64(seq)) }
            if let hash = report.lastHash { members["lastHash"] = .string(hash) }
            if let origin = report.origin { members["origin"] = .string(origin) }
            if index {
                members["index"] = .object(["clean": .bool(indexDifferences.isEmpty),
                                            "differences": .array(indexDifferences.map { .string($0.description) })])
                if !indexDifferences.isEmpty { members["clean"] = .bool(false) }
            }
            print(JSONValue.object(members).prettyString)
        } else {
            for notice in report.notices { print("notice: \(notice)") }
            if anchor == nil { print("notice: no trust anchor given (--operator-key): the genesis entry's operator key was taken on trust") }
            for difference in indexDifferences { print("INDEX \(difference)") }
            if index, indexDifferences.isEmpty { print("ok: the custody index agrees with the log") }
            if report.isClean {
                print("ok: \(report.entriesChecked) entries verified (last \(report.lastSeq.map(String.init) ?? "-") \(report.lastHash ?? "")) in \(String(format3(elapsed))) s")
            } else {
                for finding in report.findings { print("FINDING \(finding)") }
                if report.findingsOmitted > 0 { print("… and \(report.findingsOmitted) more findings") }
            }
        }
        if let first = report.firstFinding {
            FileHandleOutput.standardError("ledger: integrity failure: first bad entry \(first.seq): \(first.reason)")
        } else if let first = indexDifferences.first {
            FileHandleOutput.standardError("ledger: the custody index disagrees with the log: \(first) (run `ledger index rebuild`)")
        }
        if !report.isClean || !indexDifferences.isEmpty { throw ExitCode(Status.integrity) }
    }
}

func format3(_ value: Double) -> String {
    let scaled = Int((value * 1000).rounded())
    let fraction = String(scaled % 1000)
    return "\(scaled / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
}
