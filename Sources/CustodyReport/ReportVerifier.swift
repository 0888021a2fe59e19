import Custody
import CustodyIndex
import LedgerCore
import LedgerCrypto
import LedgerFormat
import LedgerStore

/// The operator's public key as an investigator holds it: a PEM public key, or the C2SP verifier key
/// (`ledger operator-key`).
public enum OperatorKey: Sendable {
    /// The operator's Ed25519 public key (PEM); the checkpoint's key name is taken from the report's origin.
    case publicKey(PublicKey)
    /// The C2SP verifier key, name included.
    case verifierKey(NoteVerifierKey)

    /// The signed-note verifier key for checkpoints of `origin`.
    public func verifier(origin: String) throws -> NoteVerifierKey {
        switch self {
        case .publicKey(let key): return try NoteVerifierKey(name: origin, publicKey: key)
        case .verifierKey(let key): return key
        }
    }
}

/// What checking a report found: every problem (each naming the member that broke and why), and notes that do
/// not make the report invalid.
public struct ReportCheck: Sendable {
    /// What does not check out, each starting with the member's path.
    public var problems: [String] = []
    /// Remarks that do not make the report invalid.
    public var notes: [String] = []
    /// One line describing the report when it checks out.
    public var summary = ""
    /// Whether nothing is wrong.
    public var valid: Bool { problems.isEmpty }
}

/// Checks a JSON report with nothing but its bytes and the operator's public key (docs/FORMAT.md §11.4): the bytes
/// are the canonical form, the report hash, the checkpoint's signature, every evidence entry against its inclusion
/// proof, the registry replayed from the operator entries, every partner signature, that every row cites an entry
/// of the evidence, and that the rows say what the signed entries say (they are derived again and compared).
public enum ReportVerifier {
    /// Checks the report file's `bytes` against `operatorKey`; never throws: every failure is a problem.
    public static func verify(_ bytes: [UInt8], operatorKey: OperatorKey) -> ReportCheck {
        var check = ReportCheck()
        let report: JSONValue
        do { report = try JSONValue.parse(bytes) } catch {
            check.problems.append("the file is not JSON: \(error)")
            return check
        }
        guard report.objectValue != nil else {
            check.problems.append("the file is not a report: its JSON is \(report.kindName), not an object")
            return check
        }
        guard report["format"]?.stringValue == ReportFormat.name, report["version"]?.integerValue == ReportFormat.version else {
            check.problems.append("format/version: not a \"\(ReportFormat.name)\" of version \(ReportFormat.version)")
            return check
        }
        let canonical = ReportFormat.fileBytes(report)
        if canonical != bytes {
            let at = zip(canonical, bytes).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(canonical.count, bytes.count)
            check.problems.append("the file is not the report's canonical form: byte \(at) differs (the file was reformatted or edited)")
        }
        let hash = ReportFormat.hash(of: report)
        if report["reportHash"]?.stringValue != hash {
            check.problems.append("reportHash: \(report["reportHash"]?.stringValue ?? "missing") is not the SHA-256 of the report's contents (\(hash))")
        }
        guard let entries = verifyEvidence(report, operatorKey: operatorKey, check: &check) else { return check }
        verifyCitations(report, entries: entries, path: "", check: &check)
        rederive(report, entries: entries, operatorKey: operatorKey, check: &check)
        if check.valid {
            let subject = report["kind"]?.stringValue == "lot"
                ? "lot \(report["product"]?["lot"]?.stringValue ?? "?") of GTIN \(report["product"]?["gtin"]?.stringValue ?? "?") (\(report["count"]?.integerValue ?? 0) serials)"
                : "\(report["unit"]?.stringValue ?? "?")"
            check.summary = "report on \(subject): \(entries.count) entries proven in \(report["evidence"]?["origin"]?.stringValue ?? "?") at tree size \(report["evidence"]?["treeSize"]?.integerValue ?? 0), every signature valid, report hash \(hash)"
        }
        return check
    }

    /// Checks the checkpoint and every evidence entry (receipt, stated fields, signature against the replayed
    /// registry); returns the proven entries by sequence number, or nil when the evidence is unusable.
    static func verifyEvidence(_ report: JSONValue, operatorKey: OperatorKey, check: inout ReportCheck) -> [UInt64: AppendedEntry]? {
        guard let evidence = report["evidence"], let note = evidence["checkpoint"]?.stringValue,
              let origin = evidence["origin"]?.stringValue, let rows = evidence["entries"]?.arrayValue else {
            check.problems.append("evidence: missing, or without checkpoint, origin and entries")
            return nil
        }
        let verifier: NoteVerifierKey
        do { verifier = try operatorKey.verifier(origin: origin) } catch {
            check.problems.append("operator key: \(error)")
            return nil
        }
        do { _ = try Checkpoint(note: note, verifier: verifier) } catch {
            check.problems.append("evidence.checkpoint: not signed by the operator key given (\(error.reason))")
            return nil
        }
        let uncovered = (evidence["uncovered"]?.arrayValue ?? []).compactMap(\.integerValue)
        if !uncovered.isEmpty {
            check.notes.append("entries \(uncovered.map(String.init).joined(separator: ", ")) are newer than the checkpoint: not proven (ask for the report again after the next checkpoint)")
        }
        if report["ledger"]?["origin"]?.stringValue != origin {
            check.problems.append("ledger.origin: differs from the checkpoint's origin \(origin)")
        }
        var proven: [UInt64: AppendedEntry] = [:]
        var stated: [UInt64: (Int, JSONValue)] = [:]
        for (index, row) in rows.enumerated() {
            let name = "evidence.entries[\(index)]"
            var receipt: [String: JSONValue] = ["version": .integer(1), "origin": .string(origin), "checkpoint": .string(note)]
            for key in ["seq", "entry", "entryHash", "inclusionProof"] { receipt[key] = row[key] ?? .null }
            receipt["treeSize"] = evidence["treeSize"] ?? .null
            do {
                let verified = try Proofs.verifyReceipt(.object(receipt), verifier: verifier)
                let entry = verified.entry
                let submission = entry.submission
                for (key, actual) in [("signer", submission.signer), ("keyID", submission.keyID), ("type", submission.bodyType)] where row[key]?.stringValue != actual {
                    check.problems.append("\(name).\(key) (entry \(entry.seq)): the report says \(row[key]?.stringValue ?? "nothing"), the signed entry says \(actual)")
                }
                let role = submission.signer == Submission.operatorSigner ? "registry" : "custody"
                if row["role"]?.stringValue != role { check.problems.append("\(name).role (entry \(entry.seq)): must be \(role)") }
                proven[entry.seq] = AppendedEntry(entry: entry, hash: entry.hash, location: FrameLocation(segment: 0, offset: 0, length: 0))
                stated[entry.seq] = (index, row)
            } catch let error as InputError {
                check.problems.append("\(name) (entry \(row["seq"]?.integerValue.map(String.init) ?? "?")): \(error.reason)")
            } catch {
                check.problems.append("\(name): \(error)")
            }
        }
        guard proven[0] != nil else {
            check.problems.append("evidence.entries: the genesis entry (0) is missing, so the partner registry cannot be replayed")
            return proven
        }
        guard case .publicKey(let anchor) = operatorKey.normalized else { return proven }
        var timeline = RegistryTimeline(operatorEntries: proven.values.filter { $0.entry.submission.signer == Submission.operatorSigner }.map(\.entry),
                                        trustAnchor: anchor)
        for (seq, appended) in proven.sorted(by: { $0.key < $1.key }) {
            guard let (index, row) = stated[seq] else { continue }
            let result: String
            do { result = try timeline.signatureResult(appended) } catch { result = "invalid: \(error)" }
            if result != "valid" {
                check.problems.append("evidence.entries[\(index)] (entry \(seq)): signature \(result)")
            }
            if row["signature"]?.stringValue != result {
                check.problems.append("evidence.entries[\(index)].signature (entry \(seq)): the report says \"\(row["signature"]?.stringValue ?? "")\", the check gives \"\(result)\"")
            }
        }
        return proven
    }

    /// Every object outside the evidence that cites an entry (`seq` and `entryHash`) must cite a proven one.
    static func verifyCitations(_ value: JSONValue, entries: [UInt64: AppendedEntry], path: String, check: inout ReportCheck) {
        switch value {
        case .object(let members):
            if let seq = members["seq"]?.integerValue, let hash = members["entryHash"]?.stringValue {
                if UInt64(exactly: seq) == nil {
                    check.problems.append("\(path).seq: \(seq) is not a sequence number (they start at 0)")
                } else if let entry = entries[UInt64(seq)] {
                    if Hex.encode(entry.hash) != hash {
                        check.problems.append("\(path).entryHash: \(hash) is not the hash of entry \(seq) in the evidence")
                    }
                } else {
                    check.problems.append("\(path).seq: entry \(seq) is not in the evidence")
                }
            }
            for (key, member) in members.sorted(by: { $0.key < $1.key }) where !(path.isEmpty && (key == "evidence" || key == "reportHash")) {
                verifyCitations(member, entries: entries, path: path.isEmpty ? key : "\(path).\(key)", check: &check)
            }
        case .array(let items):
            for (index, item) in items.enumerated() { verifyCitations(item, entries: entries, path: "\(path)[\(index)]", check: &check) }
        default:
            break
        }
    }

    /// Derives the report's rows again from the proven entries and compares them with what the report says.
    static func rederive(_ report: JSONValue, entries: [UInt64: AppendedEntry], operatorKey: OperatorKey, check: inout ReportCheck) {
        let operatorEntries = entries.values.filter { $0.entry.submission.signer == Submission.operatorSigner }.sorted { $0.entry.seq < $1.entry.seq }
        let anchor: PublicKey? = if case .publicKey(let key) = operatorKey.normalized { key } else { nil }
        var registry = RegistryTimeline(operatorEntries: operatorEntries.map(\.entry), trustAnchor: anchor)
        try? registry.advance(to: UInt64.max)
        // The request envelope: the responder as registered, and the due time from the received time.
        if let request = report["request"] {
            if let gln = request["responder"]?["gln"]?.stringValue {
                compare(request["responder"], partyJSON(gln, registry.partner(gln)), path: "request.responder", check: &check)
            }
            if let text = request["receivedAt"]?.stringValue, let received = LocalTime(iso8601: text) {
                let dispenser = request["responder"]?["role"]?.stringValue == PartnerRole.dispenser.rawValue
                let deadline = StatutoryDeadline(received: received, dispenser: dispenser)
                compare(request["dueAt"], .string(deadline.due.iso8601), path: "request.dueAt", check: &check)
                compare(request["dueRule"], .string(deadline.rule), path: "request.dueRule", check: &check)
            } else {
                check.problems.append("request.receivedAt: not an ISO 8601 time")
            }
        }
        switch report["kind"]?.stringValue {
        case "serial":
            guard let text = report["unit"]?.stringValue, let unit = try? UnitID(canonical: text) else {
                check.problems.append("unit: not a canonical identifier")
                return
            }
            var touches: [Touch] = []
            for (index, row) in (report["movements"]?.arrayValue ?? []).enumerated() {
                guard let seq = row["seq"]?.integerValue.flatMap({ UInt64(exactly: $0) }), let appended = entries[seq] else { continue }
                var via: UnitID?
                if let container = row["via"]?.stringValue {
                    guard let id = try? UnitID(canonical: container) else {
                        check.problems.append("movements[\(index)].via: not a canonical identifier")
                        continue
                    }
                    via = id
                }
                touches.append(Touch(appended: appended, via: via, body: UnitHistory.parseForReport(appended.entry)))
            }
            let history = UnitHistory(unit: unit, touches: touches, containers: [], contents: [], operatorEntries: operatorEntries,
                                      source: "", notice: nil)
            var timeline = RegistryTimeline(operatorEntries: operatorEntries.map(\.entry), trustAnchor: anchor)
            do {
                let chain = try ChainWalk(history: history, timeline: &timeline)
                for (key, derived) in [("product", chain.product), ("movements", .array(chain.movements)), ("ownership", .array(chain.ownership)),
                                       ("possession", .array(chain.possession)), ("terminal", chain.terminal), ("findings", .array(chain.findings))] {
                    compare(report[key], derived, path: key, check: &check)
                }
            } catch {
                check.problems.append("the registry in the evidence cannot be replayed: \(error)")
            }
        case "lot":
            var totals: [String: [String: Int64]] = ["byOwner": [:], "byPossessor": [:], "byState": [:]]
            let units = report["units"]?.arrayValue ?? []
            for unit in units {
                totals["byOwner", default: [:]][unit["owner"]?.stringValue ?? "", default: 0] += 1
                totals["byPossessor", default: [:]][unit["possessor"]?.stringValue ?? "", default: 0] += 1
                totals["byState", default: [:]][unit["state"]?.stringValue ?? "", default: 0] += 1
            }
            compare(report["count"], .integer(Int64(units.count)), path: "count", check: &check)
            for (key, counts) in totals.sorted(by: { $0.key < $1.key }) {
                compare(report["totals"]?[key], ReportBuilder.totals(counts, key: key == "byState" ? "state" : "gln"), path: "totals.\(key)", check: &check)
            }
        default:
            check.problems.append("kind: must be \"serial\" or \"lot\"")
        }
    }

    /// Adds a problem naming the first path where `stated` and `derived` differ.
    static func compare(_ stated: JSONValue?, _ derived: JSONValue, path: String, check: inout ReportCheck) {
        guard let stated else {
            check.problems.append("\(path): missing")
            return
        }
        switch (stated, derived) {
        case (.object(let a), .object(let b)):
            for key in Set(a.keys).union(b.keys).sorted() {
                guard let expected = b[key] else {
                    check.problems.append("\(path).\(key): not something the signed entries say")
                    return
                }
                let before = check.problems.count
                compare(a[key], expected, path: "\(path).\(key)", check: &check)
                if check.problems.count > before { return }
            }
        case (.array(let a), .array(let b)):
            guard a.count == b.count else {
                check.problems.append("\(path): \(a.count) rows where the signed entries give \(b.count)")
                return
            }
            for index in a.indices {
                let before = check.problems.count
                compare(a[index], b[index], path: "\(path)[\(index)]", check: &check)
                if check.problems.count > before { return }
            }
        default:
            if stated != derived {
                check.problems.append("\(path): the report says \(stated.canonicalString), the signed entries say \(derived.canonicalString)")
            }
        }
    }
}

extension OperatorKey {
    /// The key as a public key (a verifier key carries one).
    var normalized: OperatorKey {
        switch self {
        case .publicKey: return self
        case .verifierKey(let key): return .publicKey(key.publicKey)
        }
    }
}
