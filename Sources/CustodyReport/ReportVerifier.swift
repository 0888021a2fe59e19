import Custody
import CustodyIndex
import LedgerCore
import LedgerCrypto
import LedgerFormat
import LedgerStore

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
        check.notes.append("not re-derived from the signed entries (taken as the report states them): \(notRederived(report).joined(separator: ", "))")
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
        let anchor = operatorKey.publicKey
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
        let anchor: PublicKey? = operatorKey.publicKey
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
                compare(request["businessDays"], .integer(Int64(deadline.businessDays)), path: "request.businessDays", check: &check)
            } else {
                check.problems.append("request.receivedAt: not an ISO 8601 time")
            }
        }
        // The operator key the registry (replayed from the given key) holds at the end of the evidence.
        if let registered = registry.registry?.operatorKey.keyID {
            compare(report["ledger"]?["operatorKeyID"], .string(registered), path: "ledger.operatorKeyID", check: &check)
        }
        switch report["kind"]?.stringValue {
        case "serial":
            guard let text = report["unit"]?.stringValue, let unit = try? UnitID(canonical: text) else {
                check.problems.append("unit: not a canonical identifier")
                return
            }
            let lineage = Lineage(report["lineage"], entries: entries, check: &check)
            var touches: [Touch] = []
            var previous: UInt64?
            for (index, row) in (report["movements"]?.arrayValue ?? []).enumerated() {
                guard let seq = row["seq"]?.integerValue.flatMap({ UInt64(exactly: $0) }), let appended = entries[seq] else { continue }
                if let previous, seq <= previous {
                    check.problems.append("movements[\(index)].seq: entry \(seq) does not come after entry \(previous) (rows must be in increasing ledger order, each entry once)")
                    continue
                }
                previous = seq
                var via: UnitID?
                if let container = row["via"]?.stringValue {
                    guard let id = try? UnitID(canonical: container) else {
                        check.problems.append("movements[\(index)].via: not a canonical identifier")
                        continue
                    }
                    via = id
                }
                // The full body: the verifier needs the identifiers it names (a commission's serials included).
                let body = UnitHistory.parse(appended.entry)
                if let why = lineage.whyNotTouching(unit, via: via, seq: seq, body: body, entries: entries) {
                    check.problems.append("movements[\(index)] (entry \(seq)): \(why)")
                    continue
                }
                touches.append(Touch(appended: appended, via: via, body: body))
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
            checkLotUnits(report, entries: entries, registry: registry, check: &check)
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

    /// Lot reports: `product` from the cited commissions, each unit commissioned in the lot by a cited commission,
    /// its `owner`, `possessor` and `state` where its cited latest entry determines them, and `parties` from the
    /// registry. (A unit's `container`, and owner or possessor its latest entry leaves unchanged, are not re-derived.)
    static func checkLotUnits(_ report: JSONValue, entries: [UInt64: AppendedEntry], registry: RegistryTimeline, check: inout ReportCheck) {
        guard let gtin = report["product"]?["gtin"]?.stringValue, let lot = report["product"]?["lot"]?.stringValue else {
            check.problems.append("product: a lot report needs product.gtin and product.lot")
            return
        }
        var commissioned: Set<UnitID> = []
        var first: CommissionBody?
        for (_, appended) in entries.sorted(by: { $0.key < $1.key }) {
            guard case .commission(let body)? = UnitHistory.parse(appended.entry), body.gtin == gtin, body.lot == lot else { continue }
            if first == nil { first = body }
            commissioned.formUnion(body.units)
        }
        guard let first else {
            check.problems.append("evidence.entries: no cited commission of GTIN \(gtin) in lot \(lot)")
            return
        }
        var product = ReportBuilder.identity(gtin: gtin, master: first.product)
        product["lot"] = .string(lot)
        product["expiry"] = .string(first.expiry)
        compare(report["product"], .object(product), path: "product", check: &check)
        var glns: Set<String> = []
        for (index, row) in (report["units"]?.arrayValue ?? []).enumerated() {
            let name = "units[\(index)]"
            guard let unit = row["unit"]?.stringValue.flatMap({ try? UnitID(canonical: $0) }), commissioned.contains(unit) else {
                check.problems.append("\(name).unit: \(row["unit"]?.canonicalString ?? "missing") is not named by a cited commission of GTIN \(gtin) in lot \(lot)")
                continue
            }
            if let owner = row["owner"]?.stringValue { glns.insert(owner) }
            if let possessor = row["possessor"]?.stringValue { glns.insert(possessor) }
            if row["latest"] == nil, !(report["evidence"]?["uncovered"]?.arrayValue ?? []).isEmpty {
                continue   // its latest entry is newer than the checkpoint (listed in evidence.uncovered, noted)
            }
            guard let seq = row["latest"]?["seq"]?.integerValue.flatMap({ UInt64(exactly: $0) }), let latest = entries[seq] else {
                check.problems.append("\(name).latest: missing, or not an entry of the evidence")
                continue
            }
            let signer = latest.entry.submission.signer
            var derived: [String: JSONValue] = [:]
            switch UnitHistory.parse(latest.entry) {
            case .commission?: derived = ["owner": .string(signer), "possessor": .string(signer), "state": .string("active")]
            case .transfer(let body)?:
                derived["owner"] = .string(body.buyer.gln)
                if body.via == nil { derived["possessor"] = .null; derived["state"] = .string("in-transit") }
            case .return(let body)?: derived = ["owner": .string(body.to), "possessor": .null, "state": .string("in-transit")]
            case .ship?: derived = ["possessor": .null, "state": .string("in-transit")]
            case .receive?: derived = ["possessor": .string(signer), "state": .string("active")]
            case .decommission(let body)?: derived["state"] = .string(body.reason.rawValue)
            default: break
            }
            for (key, value) in derived.sorted(by: { $0.key < $1.key }) where (row[key] ?? .null) != value {
                check.problems.append("\(name).\(key): the report says \((row[key] ?? .null).canonicalString), its latest entry (\(seq), \(latest.entry.submission.bodyType)) says \(value.canonicalString)")
            }
        }
        let parties = JSONValue.object(Dictionary(uniqueKeysWithValues: glns.map { ($0, partyJSON($0, registry.partner($0))) }))
        compare(report["parties"], parties, path: "parties", check: &check)
    }

    /// Members no step re-derives from the signed entries (reported as a note by `verify-report`).
    static func notRederived(_ report: JSONValue) -> [String] {
        var members = ["generatedAt", "source", "notice", "request.requestId", "request.requester", "request.reason", "evidence.lastAudit"]
        if report["kind"]?.stringValue == "lot" {
            members += ["units[].container", "units[].owner and units[].possessor where the latest entry leaves them unchanged",
                        "that units[].latest is the unit's latest entry and names it"]
        } else {
            members += ["contents", "that lineage and movements leave no entry out"]
        }
        return members
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


/// The containment a serial report states (`lineage`), each row checked against the aggregate that packed it and
/// the entry that unpacked it, and the check that a cited entry really touches the unit.
struct Lineage {
    /// The rows whose packing (and unpacking, if any) the cited entries back.
    var rows: [(container: UnitID, holding: UnitID, from: UInt64, to: UInt64?)] = []

    /// Reads `value` (the report's `lineage`), adding a problem for each row the cited entries do not back.
    init(_ value: JSONValue?, entries: [UInt64: AppendedEntry], check: inout ReportCheck) {
        for (index, row) in (value?.arrayValue ?? []).enumerated() {
            let name = "lineage[\(index)]"
            guard let container = row["container"]?.stringValue.flatMap({ try? UnitID(canonical: $0) }),
                  let holding = row["holding"]?.stringValue.flatMap({ try? UnitID(canonical: $0) }) else {
                check.problems.append("\(name): container and holding must be canonical identifiers")
                continue
            }
            guard let from = row["packed"]?["seq"]?.integerValue.flatMap({ UInt64(exactly: $0) }), let packing = entries[from],
                  case .aggregate(let packed)? = UnitHistory.parse(packing.entry), packed.parent == container, packed.children.contains(holding) else {
                check.problems.append("\(name).packed: not a cited aggregate entry that packs \(holding) into \(container)")
                continue
            }
            var to: UInt64?
            if let unpacked = row["unpacked"], unpacked != .null {
                guard let seq = unpacked["seq"]?.integerValue.flatMap({ UInt64(exactly: $0) }), seq > from, let unpacking = entries[seq] else {
                    check.problems.append("\(name).unpacked: not a cited entry after the packing")
                    continue
                }
                switch UnitHistory.parse(unpacking.entry) {
                case .disaggregate(let body)? where body.parent == container && (body.children?.contains(holding) ?? true): break
                case .aggregate(let body)? where body.children.contains(holding): break
                default:
                    check.problems.append("\(name).unpacked (entry \(seq)): not an entry that takes \(holding) out of \(container)")
                    continue
                }
                to = seq
            }
            rows.append((container, holding, from, to))
        }
    }

    /// Whether these rows put `unit` inside `container` (directly or through nested containers) at entry `seq`.
    func contains(_ container: UnitID, _ unit: UnitID, at seq: UInt64, depth: Int = 0) -> Bool {
        guard depth < 64 else { return false }
        return rows.contains { row in
            row.holding == unit && row.from < seq && seq <= (row.to ?? UInt64.max)
                && (row.container == container || contains(container, row.container, at: seq, depth: depth + 1))
        }
    }

    /// Nil when the entry at `seq` (its parsed `body`) names `unit`, or names `via` with the unit inside it; otherwise
    /// why not. A receive names what its shipment (a cited entry) names.
    func whyNotTouching(_ unit: UnitID, via: UnitID?, seq: UInt64, body: CustodyBody?, entries: [UInt64: AppendedEntry]) -> String? {
        let target = via ?? unit
        let named: [UnitID]
        switch body {
        case .commission(let b)?:
            if let gtin = unit.gtin, b.gtin != gtin { return "the commission is of GTIN \(b.gtin), not \(unit)'s GTIN \(gtin)" }
            named = b.units
        case .aggregate(let b)?: named = [b.parent] + b.children
        case .disaggregate(let b)?:
            // Unpacking every child of a container names only the container: the lineage says the unit was in it.
            if via == nil, b.children == nil, rows.contains(where: { $0.holding == unit && $0.container == b.parent && $0.to == seq }) { return nil }
            named = [b.parent] + (b.children ?? [])
        case .transfer(let b)?: named = b.items
        case .ship(let b)?: named = b.items
        case .return(let b)?: named = b.items
        case .decommission(let b)?: named = b.items
        case .receive(let b)?:
            guard let shipment = entries.values.first(where: { Hex.encode($0.hash) == b.shipment && $0.entry.seq < seq }) else {
                return "the receive's shipment \(b.shipment.prefix(16))… is not a cited earlier entry"
            }
            switch UnitHistory.parse(shipment.entry) {
            case .transfer(let s)?: named = s.items
            case .ship(let s)?: named = s.items
            case .return(let s)?: named = s.items
            default: return "the receive's shipment (entry \(shipment.entry.seq)) is not a transfer, ship or return"
            }
        case nil:
            return "its body is not a custody body the verifier can read"
        }
        let type = entries[seq]?.entry.submission.bodyType ?? "entry"
        guard named.contains(target) else {
            return via == nil ? "the \(type) does not name \(unit)" : "the \(type) does not name \(target), the container the row says it reached \(unit) through"
        }
        if let via, !contains(via, unit, at: seq) {
            return "the report's lineage does not put \(unit) inside \(via) at entry \(seq)"
        }
        return nil
    }
}
