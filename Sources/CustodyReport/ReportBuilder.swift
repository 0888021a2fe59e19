import Custody
import CustodyIndex
import GS1
import LedgerCore
import LedgerCrypto
import LedgerFormat
import LedgerStore

/// Why an investigator asks (DSCSA: a recall, suspect or illegitimate product, or an audit).
public enum ReportReason: String, Sendable, CaseIterable {
    case recall, suspect, illegitimate, audit
}

/// The request an investigator's report answers: who asked, why, when it arrived, and who answers.
public struct ReportRequest: Sendable {
    /// The investigator's request id, if given.
    public var requestID: String?
    /// Who asks (FDA, a state official, a trading partner), as free text.
    public var requester: String?
    /// Why, if given.
    public var reason: ReportReason?
    /// When the request was received, in the offset it was written in.
    public var received: LocalTime
    /// The answering trading partner's GLN; by default the unit's current owner (none for a lot report).
    public var responder: String?

    /// A request received at `received`; the other members may be left out.
    public init(requestID: String? = nil, requester: String? = nil, reason: ReportReason? = nil, received: LocalTime, responder: String? = nil) {
        self.requestID = requestID
        self.requester = requester
        self.reason = reason
        self.received = received
        self.responder = responder
    }
}

/// Builds investigator reports (docs/FORMAT.md §11, docs/REPORTS.md) from a ledger's files: what the ledger says
/// about a serial or a lot, the gaps and conflicts found, and the evidence that lets anyone check it offline.
public struct ReportBuilder {
    /// The ledger's data directory.
    public let layout: StoreLayout
    /// Where the nightly audit's history is read from (its last line is the last audit's result).
    public var auditHistoryPath: String
    /// The report time (milliseconds since the epoch).
    public var now: Int64

    /// A builder for the ledger in `layout`; the audit history defaults to `DIR/audit/history.jsonl`, where
    /// `tools/nightly-audit.sh` writes it by default.
    public init(layout: StoreLayout, auditHistoryPath: String? = nil, now: Int64) {
        self.layout = layout
        self.auditHistoryPath = auditHistoryPath ?? layout.directory + "/audit/history.jsonl"
        self.now = now
    }

    // MARK: serial

    /// The report on one serial (or case, or pallet): request envelope, product identity, aggregation lineage,
    /// movements, ownership and possession hops, terminal state, findings and evidence, sealed with its hash.
    public func serialReport(unit: UnitID, request: ReportRequest) throws -> JSONValue {
        let reader = try LedgerReader(layout: layout)
        let full: UnitHistory
        var query: CustodyQuery?
        do {
            query = try CustodyQuery(layout: layout)
            full = try UnitHistory.fromIndex(query!, unit: unit, reader: reader)
        } catch let error as InputError where error.source.hasPrefix("entry ") {
            full = try UnitHistory.fromLogScan(layout: layout, unit: unit, reason: error.description)
        }
        // Everything the report says is as of the latest checkpoint: newer entries are listed, not cited.
        let snapshot = try Proofs.ReceiptSnapshot(layout: layout)
        var (history, uncovered) = try full.covered(below: snapshot.size)
        if !uncovered.isEmpty {
            let newer = "entries \(uncovered.map(String.init).joined(separator: ", ")) are newer than the latest checkpoint (size \(snapshot.size)): this report is as of that checkpoint and leaves them out"
            history.notice = history.notice.map { $0 + "; " + newer } ?? newer
        }
        var timeline = RegistryTimeline(operatorEntries: history.operatorEntries.map(\.entry), trustAnchor: nil)
        let chain = try ChainWalk(history: history, timeline: &timeline)
        try timeline.advance(to: UInt64.max)

        // Entries the lineage names that did not touch the unit itself (a container's unpacking) join the evidence.
        var cited = Dictionary(uniqueKeysWithValues: history.touches.map { ($0.seq, $0.appended) })
        for interval in history.containers + history.contents {
            for seq in [interval.fromSeq] + (interval.toSeq.map { [$0] } ?? []) where cited[seq] == nil {
                if let appended = try Self.entry(seq, query?.index, reader) { cited[seq] = appended }
            }
        }
        func reference(_ seq: UInt64?) -> [String: JSONValue] {
            guard let seq, let appended = cited[seq] else { return [:] }
            return ["seq": .integer(Int64(seq)), "entryHash": .string(Hex.encode(appended.hash))]
        }
        let lineage: [JSONValue] = history.containers.map { interval in
            var row: [String: JSONValue] = ["container": .string(interval.parent.canonical),
                                            "packed": .object(reference(interval.fromSeq)),
                                            "holding": .string(interval.child.canonical)]
            row["unpacked"] = interval.toSeq.map { .object(reference($0)) } ?? .null
            return .object(row)
        }
        var report: [String: JSONValue] = [
            "kind": .string("serial"),
            "unit": .string(unit.canonical),
            "product": chain.product,
            "lineage": .array(lineage),
            "movements": .array(chain.movements),
            "ownership": .array(chain.ownership),
            "possession": .array(chain.possession),
            "terminal": chain.terminal,
            "findings": .array(chain.findings),
            "source": .string(history.source),
        ]
        if !history.contents.isEmpty || unit.isSSCC {
            report["contents"] = .array(history.contents.map { interval in
                var row: [String: JSONValue] = ["unit": .string(interval.child.canonical), "packed": .object(reference(interval.fromSeq))]
                row["unpacked"] = interval.toSeq.map { .object(reference($0)) } ?? .null
                return .object(row)
            })
        }
        if let notice = history.notice { report["notice"] = .string(notice) }
        let responder = request.responder ?? chain.owner
        report["request"] = try envelope(request, responder: responder, registry: timeline)
        report["evidence"] = try evidence(cited: Array(cited.values), operatorEntries: history.operatorEntries, snapshot: snapshot, uncovered: uncovered)
        return Self.seal(try header(report, timeline: timeline))
    }

    // MARK: lot

    /// The report on every serial of a lot (a recall's first question): each serial's owner, possessor and state,
    /// totals per holder and per state, and the same evidence (commissioning and each serial's latest entry).
    public func lotReport(gtin: String, lot: String, request: ReportRequest) throws -> JSONValue {
        let reader = try LedgerReader(layout: layout)
        let query = try CustodyQuery(layout: layout)
        let units = try query.index.lot(gtin: gtin, lot: lot)
        guard !units.isEmpty else {
            throw InputError(source: "\(gtin) \(lot)", reason: "no serial of GTIN \(gtin) was commissioned in lot \(lot)", code: "unknown-lot")
        }
        let latest = try query.index.latestEventSeqs(gtin: gtin, lot: lot)
        // Entries newer than the latest checkpoint are not cited (a unit whose latest entry is one has no `latest`).
        let snapshot = try Proofs.ReceiptSnapshot(layout: layout)
        let operatorEntries = try query.index.operatorEntryLocations().map { try reader.entry(at: $0) }.filter { $0.entry.seq < snapshot.size }
        var timeline = RegistryTimeline(operatorEntries: operatorEntries.map(\.entry), trustAnchor: nil)
        try timeline.advance(to: UInt64.max)
        var cited: [UInt64: AppendedEntry] = [:]
        for seq in Set(latest.values).union(try query.index.commissionSeqs(gtin: gtin, lot: lot)).sorted() where cited[seq] == nil {
            if let appended = try Self.entry(seq, query.index, reader) { cited[seq] = appended }
        }
        var rows: [JSONValue] = []
        var byOwner: [String: Int64] = [:], byPossessor: [String: Int64] = [:], byState: [String: Int64] = [:]
        for summary in units {
            var row: [String: JSONValue] = ["unit": .string(summary.id.canonical), "owner": .string(summary.owner),
                                            "possessor": summary.possessor.map { .string($0) } ?? .null,
                                            "state": .string(summary.state),
                                            "container": summary.parent.map { .string($0.canonical) } ?? .null]
            if case .sgtin(_, let serial) = summary.id { row["serial"] = .string(serial) }
            if let seq = latest[summary.id.canonical], seq < snapshot.size, let appended = cited[seq] {
                row["latest"] = .object(["seq": .integer(Int64(seq)), "entryHash": .string(Hex.encode(appended.hash))])
            }
            rows.append(.object(row))
            byOwner[summary.owner, default: 0] += 1
            byPossessor[summary.possessor ?? "", default: 0] += 1
            byState[summary.state, default: 0] += 1
        }
        var parties: [String: JSONValue] = [:]
        for gln in Set(byOwner.keys).union(byPossessor.keys) where !gln.isEmpty {
            parties[gln] = partyJSON(gln, timeline.partner(gln))
        }
        let commissioning = units.first.flatMap { query.index.unit($0.id)?.lot }
        var product: [String: JSONValue] = ["gtin": .string(gtin), "lot": .string(lot)]
        if let info = commissioning {
            product["expiry"] = .string(info.expiry)
            product.merge(Self.identity(gtin: gtin, master: info.product)) { $1 }
        }
        var report: [String: JSONValue] = [
            "kind": .string("lot"),
            "product": .object(product),
            "count": .integer(Int64(units.count)),
            "units": .array(rows),
            "parties": .object(parties),
            "totals": .object(["byOwner": Self.totals(byOwner, key: "gln"), "byPossessor": Self.totals(byPossessor, key: "gln"),
                               "byState": Self.totals(byState, key: "state")]),
            "findings": .array([]),
            "source": .string("index"),
        ]
        if let notice = query.staleness { report["notice"] = .string(notice) }
        report["request"] = try envelope(request, responder: request.responder, registry: timeline)
        report["evidence"] = try evidence(cited: Array(cited.values), operatorEntries: operatorEntries, snapshot: snapshot)
        return Self.seal(try header(report, timeline: timeline))
    }

    /// Entry `seq`, read where the index says it lies (a direct read), else found by scanning its segment.
    static func entry(_ seq: UInt64, _ index: CustodyIndex?, _ reader: LedgerReader) throws -> AppendedEntry? {
        if let location = try index?.location(of: seq) { return try reader.entry(at: location) }
        return try reader.entry(seq)
    }

    /// Totals as an array of `{key: value, "count": n}` sorted by key (an empty key, no possessor, is null).
    static func totals(_ counts: [String: Int64], key: String) -> JSONValue {
        .array(counts.sorted { $0.key < $1.key }.map { .object([key: $0.key.isEmpty ? .null : .string($0.key), "count": .integer($0.value)]) })
    }

    // MARK: shared parts

    /// Product identity from GTIN and master data: NDC in its 10- and 11-digit forms when known.
    static func identity(gtin: String, master: ProductMaster) -> [String: JSONValue] {
        var out: [String: JSONValue] = ["gtin": .string(gtin), "master": master.json]
        if let text = master.ndc, let ndc = try? NDC(text) {
            out["ndc10"] = .string(ndc.tenDigit)
            out["ndc11"] = .string(ndc.elevenDigit)
        }
        return out
    }

    func envelope(_ request: ReportRequest, responder: String?, registry: RegistryTimeline) throws -> JSONValue {
        var responderJSON: JSONValue = .null
        var dispenser = false
        if let responder {
            guard let partner = registry.partner(responder) else {
                throw InputError(source: "--responder", reason: "GLN \(responder) is not a registered trading partner of this ledger", code: "unknown-responder")
            }
            responderJSON = partyJSON(responder, partner)
            dispenser = partner.role == .dispenser
        }
        let deadline = StatutoryDeadline(received: request.received, dispenser: dispenser)
        return .object([
            "requestId": request.requestID.map { .string($0) } ?? .null,
            "requester": request.requester.map { .string($0) } ?? .null,
            "reason": request.reason.map { .string($0.rawValue) } ?? .null,
            "receivedAt": .string(request.received.iso8601),
            "responder": responderJSON,
            "dueAt": .string(deadline.due.iso8601),
            "dueRule": .string(deadline.rule),
            "businessDays": .integer(Int64(deadline.businessDays)),
        ])
    }

    func header(_ body: [String: JSONValue], timeline: RegistryTimeline) throws -> [String: JSONValue] {
        var report = body
        report["format"] = .string(ReportFormat.name)
        report["version"] = .integer(ReportFormat.version)
        report["generatedAt"] = .string(Timestamp.iso8601(now))
        if let registry = timeline.registry {
            report["ledger"] = .object(["origin": .string(registry.origin), "operatorKeyID": .string(registry.operatorKey.keyID)])
        }
        return report
    }

    /// The evidence: every cited entry and every operator entry with its receipt against one signed checkpoint,
    /// each custody entry's signature result at report time, and the last audit's result.
    /// Entries at or after the checkpoint's size are not proven: they are listed in `uncovered` (beside
    /// `alsoUncovered`, the newer entries the caller already left out) and get no receipt.
    func evidence(cited: [AppendedEntry], operatorEntries: [AppendedEntry], snapshot: Proofs.ReceiptSnapshot,
                  uncovered alsoUncovered: [UInt64] = []) throws -> JSONValue {
        // Signatures are checked in log order, each against the registry as it stood at its entry.
        var timeline = RegistryTimeline(operatorEntries: operatorEntries.map(\.entry), trustAnchor: nil)
        var all: [UInt64: (AppendedEntry, String)] = [:]
        for appended in operatorEntries { all[appended.entry.seq] = (appended, "registry") }
        for appended in cited where all[appended.entry.seq] == nil { all[appended.entry.seq] = (appended, "custody") }
        var entries: [JSONValue] = []
        var uncovered = Set(alsoUncovered)
        for (seq, (appended, role)) in all.sorted(by: { $0.key < $1.key }) {
            guard seq < snapshot.size else {
                uncovered.insert(seq)
                continue
            }
            var row = try snapshot.receipt(for: appended)
            row.removeValue(forKey: "version")
            row.removeValue(forKey: "origin")
            row.removeValue(forKey: "treeSize")
            row["role"] = .string(role)
            row["signer"] = .string(appended.entry.submission.signer)
            row["keyID"] = .string(appended.entry.submission.keyID)
            row["type"] = .string(appended.entry.submission.bodyType)
            row["signature"] = .string(try timeline.signatureResult(appended))
            entries.append(.object(row))
        }
        return .object([
            "checkpoint": .string(snapshot.note),
            "origin": .string(snapshot.origin),
            "treeSize": .integer(Int64(snapshot.size)),
            "entries": .array(entries),
            "uncovered": .array(uncovered.sorted().map { .integer(Int64($0)) }),
            "lastAudit": lastAudit(),
        ])
    }

    /// The last line of the nightly audit's history, summarised; or where none was found.
    func lastAudit() -> JSONValue {
        guard let text = try? readText(auditHistoryPath),
              let line = text.split(separator: "\n").last(where: { !$0.allSatisfy(\.isWhitespace) }),
              let audit = try? JSONValue.parse(String(line)) else {
            return .object(["found": .bool(false), "note": .string("no nightly audit history at \(auditHistoryPath) (tools/nightly-audit.sh writes it)")])
        }
        var out: [String: JSONValue] = ["found": .bool(true)]
        for key in ["clean", "entriesChecked", "signaturesChecked", "rootHash", "time", "checkpointsChecked", "error"] {
            if let value = audit[key] { out[key] = value }
        }
        if let findings = audit["findings"]?.arrayValue {
            out["findingCount"] = .integer(Int64(findings.count))
            if let first = findings.first { out["firstFinding"] = first }
        }
        return .object(out)
    }

    /// The report with `reportHash` added (see `ReportFormat.hash`).
    static func seal(_ members: [String: JSONValue]) -> JSONValue {
        var sealed = members
        sealed.removeValue(forKey: "reportHash")
        sealed["reportHash"] = .string(ReportFormat.hash(of: .object(sealed)))
        return .object(sealed)
    }
}

/// A party as the report shows it: GLN, and name, address and role from the registry.
func partyJSON(_ gln: String, _ partner: Partner?) -> JSONValue {
    var out: [String: JSONValue] = ["gln": .string(gln)]
    if let partner {
        out["name"] = .string(partner.name)
        out["address"] = .string(partner.address)
        out["role"] = .string(partner.role.rawValue)
    }
    return .object(out)
}

/// The report's byte form and hash (docs/FORMAT.md §11).
public enum ReportFormat {
    /// The `format` member of every report.
    public static let name = "custody-ledger investigator report"
    /// The `version` member this code writes and reads.
    public static let version: Int64 = 1

    /// The report's own hash: lowercase hex SHA-256 of the RFC 8785 canonical JSON of the report object with its
    /// `reportHash` member removed.
    public static func hash(of report: JSONValue) -> String {
        guard case .object(var members) = report else { return Hex.encode(SHA256.hash(report.canonicalBytes)) }
        members.removeValue(forKey: "reportHash")
        return Hex.encode(SHA256.hash(JSONValue.object(members).canonicalBytes))
    }

    /// The bytes a JSON report file holds: the canonical JSON of the sealed report and one newline.
    public static func fileBytes(_ report: JSONValue) -> [UInt8] { report.canonicalBytes + [0x0A] }
}
