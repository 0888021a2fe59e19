import LedgerFormat
import Mustache

/// Renders a report (the sealed JSON) as one self-contained HTML page: inline CSS and SVG, no script, nothing
/// fetched, a print stylesheet with a page break before each section. Every value reaches the page through the
/// Mustache template's escaping double braces (`ReportTemplate.html`); the template never uses triple braces.
public enum ReportHTML {
    /// The HTML page for `report`.
    public static func render(_ report: JSONValue) throws -> String {
        let template = try MustacheTemplate(string: ReportTemplate.html)
        return template.render(prune(view(report)))
    }

    /// Drops empty strings (and parties without a GLN), so the template's sections on them render nothing: in
    /// Mustache an empty string is still "true".
    static func prune(_ value: Any) -> Any {
        switch value {
        case let dictionary as [String: Any]:
            if let gln = dictionary["gln"] as? String, gln.isEmpty { return [String: Any]() }
            var out: [String: Any] = [:]
            for (key, member) in dictionary {
                if let text = member as? String, text.isEmpty { continue }
                if let inner = member as? [String: Any], (prune(inner) as? [String: Any])?.isEmpty == true { continue }
                out[key] = prune(member)
            }
            return out
        case let array as [[String: Any]]:
            return array.map { prune($0) }
        default:
            return value
        }
    }

    // MARK: the view model (plain dictionaries and arrays of strings)

    static func text(_ value: JSONValue?) -> String {
        switch value {
        case .string(let s)?: return s
        case .integer(let i)?: return String(i)
        case .bool(let b)?: return b ? "yes" : "no"
        case .null?, nil: return ""
        case let other?: return other.canonicalString
        }
    }

    static func partyName(_ value: JSONValue?) -> String {
        guard let value, value != .null else { return "—" }
        return text(value["name"]).isEmpty ? text(value["gln"]) : text(value["name"])
    }

    static func party(_ value: JSONValue?) -> [String: Any] {
        ["name": partyName(value), "gln": text(value?["gln"]), "address": text(value?["address"]), "role": text(value?["role"])]
    }

    static func short(_ hash: String) -> String { hash.count > 16 ? String(hash.prefix(16)) + "…" : hash }

    static func references(_ value: JSONValue?) -> String {
        (value?.objectValue ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key) \(text($0.value))" }.joined(separator: ", ")
    }

    static func view(_ report: JSONValue) -> [String: Any] {
        let request = report["request"]
        let evidence = report["evidence"]
        let findings = report["findings"]?.arrayValue ?? []
        let conflictSeqs = Set(findings.compactMap { $0["seq"]?.integerValue })
        var view: [String: Any] = [
            "title": report["kind"]?.stringValue == "lot"
                ? "Lot \(text(report["product"]?["lot"])) of GTIN \(text(report["product"]?["gtin"]))"
                : text(report["unit"]),
            "generatedAt": text(report["generatedAt"]),
            "reportHash": text(report["reportHash"]),
            "origin": text(evidence?["origin"]),
            "notice": text(report["notice"]),
            "hasNotice": report["notice"] != nil,
            "request": [
                "requestId": text(request?["requestId"]).isEmpty ? "not stated" : text(request?["requestId"]),
                "requester": text(request?["requester"]).isEmpty ? "not stated" : text(request?["requester"]),
                "reason": text(request?["reason"]).isEmpty ? "not stated" : text(request?["reason"]),
                "receivedAt": text(request?["receivedAt"]), "dueAt": text(request?["dueAt"]), "dueRule": text(request?["dueRule"]),
                "responder": party(request?["responder"]),
            ] as [String: Any],
            "findings": findings.map { finding -> [String: Any] in
                ["kind": text(finding["kind"]), "seq": text(finding["seq"]), "detail": text(finding["detail"])]
            },
            "hasFindings": !findings.isEmpty,
            "noFindings": findings.isEmpty,
        ]
        let product = report["product"]
        let master = product?["master"]
        view["product"] = [
            "gtin": text(product?["gtin"]), "serial": text(product?["serial"]), "sscc": text(product?["sscc"]),
            "lot": text(product?["lot"]), "expiry": text(product?["expiry"]),
            "ndc10": text(product?["ndc10"]), "ndc11": text(product?["ndc11"]),
            "name": text(master?["name"]), "strength": text(master?["strength"]), "dosageForm": text(master?["dosageForm"]),
            "containerSize": text(master?["containerSize"]),
            "manufacturer": product?["manufacturer"].map { partyName($0) } ?? "",
            "commissionedSeq": text(product?["commissioned"]?["seq"]),
        ] as [String: Any]

        // Evidence.
        let audit = evidence?["lastAudit"]
        view["evidence"] = [
            "treeSize": text(evidence?["treeSize"]),
            "checkpoint": text(evidence?["checkpoint"]),
            "entries": (evidence?["entries"]?.arrayValue ?? []).map { row -> [String: Any] in
                ["seq": text(row["seq"]), "type": text(row["type"]), "hash": short(text(row["entryHash"])), "signer": text(row["signer"]),
                 "keyID": short(text(row["keyID"])), "signature": text(row["signature"]), "bad": text(row["signature"]) != "valid",
                 "proofLength": String(row["inclusionProof"]?.arrayValue?.count ?? 0)]
            },
            "auditFound": audit?["found"]?.boolValue == true,
            "auditMissing": audit?["found"]?.boolValue != true,
            "auditClean": text(audit?["clean"]), "auditTime": text(audit?["time"]), "auditEntries": text(audit?["entriesChecked"]),
            "auditFindings": text(audit?["findingCount"]), "auditNote": text(audit?["note"]),
        ] as [String: Any]

        if report["kind"]?.stringValue == "lot" {
            view["isLot"] = true
            view["count"] = text(report["count"])
            let parties = report["parties"]
            func holder(_ gln: JSONValue?) -> String {
                guard let gln = gln?.stringValue else { return "in transit" }
                return parties?[gln]?["name"]?.stringValue ?? gln
            }
            view["units"] = (report["units"]?.arrayValue ?? []).map { row -> [String: Any] in
                ["unit": text(row["unit"]), "state": text(row["state"]), "owner": holder(row["owner"]), "possessor": holder(row["possessor"]),
                 "container": text(row["container"]), "seq": text(row["latest"]?["seq"])]
            }
            view["chart"] = LotChart(report: report, holder: holder).view
        } else {
            view["isSerial"] = true
            view["ownership"] = (report["ownership"]?.arrayValue ?? []).map { hop -> [String: Any] in
                let statement = hop["statement"]
                return ["seq": text(hop["seq"]), "kind": text(hop["kind"]), "seller": party(hop["seller"]), "buyer": party(hop["buyer"]),
                        "date": text(hop["transactionDate"]), "shipmentDate": text(hop["shipmentDate"]),
                        "late": hop["shipmentLate"]?.boolValue == true, "references": references(hop["references"]),
                        "quantity": (hop["products"]?.arrayValue ?? []).map { "\(text($0["quantity"])) × \(text($0["gtin"])) lot \(text($0["lot"])) exp \(text($0["expiry"]))" }.joined(separator: "; "),
                        "affirmedBy": text(statement?["affirmedBy"]), "affirmedAt": text(statement?["affirmedAt"]),
                        "via": hop["container"]?.stringValue.map { "through \($0)" } ?? "the unit itself",
                        "threePL": partyName(hop["via3PL"]), "directPurchase": hop["directPurchase"]?.boolValue == true,
                        "conflict": conflictSeqs.contains(hop["seq"]?.integerValue ?? -1)]
            }
            view["possession"] = (report["possession"]?.arrayValue ?? []).map { hop -> [String: Any] in
                let kind = text(hop["kind"])
                return ["seq": text(hop["seq"]), "kind": kind, "time": text(hop["time"]),
                        "what": kind == "ship" ? "\(partyName(hop["from"])) ships to \(partyName(hop["to"]))" : "\(partyName(hop["by"])) takes possession",
                        "possessionOnly": hop["possessionOnly"]?.boolValue == true,
                        "conflict": conflictSeqs.contains(hop["seq"]?.integerValue ?? -1)]
            }
            view["lineage"] = (report["lineage"]?.arrayValue ?? []).map { row -> [String: Any] in
                ["container": text(row["container"]), "holding": text(row["holding"]), "packed": text(row["packed"]?["seq"]), "unpacked": text(row["unpacked"]?["seq"]).isEmpty ? "still inside" : text(row["unpacked"]?["seq"])]
            }
            view["movements"] = (report["movements"]?.arrayValue ?? []).map { row -> [String: Any] in
                ["seq": text(row["seq"]), "type": text(row["type"]), "time": text(row["time"]), "signer": partyName(row["signer"]),
                 "how": row["direct"]?.boolValue == true ? "direct" : "inferred through \(text(row["via"]))",
                 "conflict": conflictSeqs.contains(row["seq"]?.integerValue ?? -1)]
            }
            let terminal = report["terminal"]
            view["terminal"] = ["state": text(terminal?["state"]), "owner": partyName(terminal?["owner"]), "possessor": partyName(terminal?["possessor"]),
                                "seq": text(terminal?["seq"]), "note": text(terminal?["note"]),
                                "alarm": ["stolen", "lost", "recalled"].contains(text(terminal?["state"]))] as [String: Any]
            view["chain"] = ChainPicture(report: report, conflicts: conflictSeqs).view
        }
        return view
    }
}

/// The chain of custody as an SVG picture: one lane per party, ownership hops as solid arrows and possession
/// hops as dashed ones in ledger order, containers as boxes under the lanes spanning the hops they carried the
/// unit through, conflicts in red. Coordinates only; every label goes through the template's escaping.
struct ChainPicture {
    var view: [String: Any] = [:]

    init(report: JSONValue, conflicts: Set<Int64>) {
        struct Hop { var seq: Int64; var from: String?; var to: String; var kind: String; var label: String; var date: String }
        var hops: [Hop] = []
        var lanes: [String] = []
        var names: [String: String] = [:]
        func lane(_ party: JSONValue?) -> String? {
            guard let gln = party?["gln"]?.stringValue else { return nil }
            if !lanes.contains(gln) { lanes.append(gln) }
            names[gln] = ReportHTML.partyName(party)
            return gln
        }
        _ = lane(report["product"]?["manufacturer"])
        for hop in report["ownership"]?.arrayValue ?? [] {
            guard let to = lane(hop["buyer"]) else { continue }
            hops.append(Hop(seq: hop["seq"]?.integerValue ?? 0, from: lane(hop["seller"]), to: to, kind: "own",
                            label: ReportHTML.text(hop["kind"]), date: String(ReportHTML.text(hop["transactionDate"]).prefix(10))))
        }
        for hop in report["possession"]?.arrayValue ?? [] {
            if ReportHTML.text(hop["kind"]) == "ship", let to = lane(hop["to"]) {
                hops.append(Hop(seq: hop["seq"]?.integerValue ?? 0, from: lane(hop["from"]), to: to, kind: "poss", label: "ship",
                                date: String(ReportHTML.text(hop["time"]).prefix(10))))
            } else if let by = lane(hop["by"]) {
                hops.append(Hop(seq: hop["seq"]?.integerValue ?? 0, from: nil, to: by, kind: "poss", label: "receive",
                                date: String(ReportHTML.text(hop["time"]).prefix(10))))
            }
        }
        let terminal = report["terminal"]
        _ = lane(terminal?["owner"])
        hops.sort { $0.seq < $1.seq }
        let left = 230, step = 92, top = 40, laneHeight = 46
        let columns = max(hops.count, 1)
        let width = left + columns * step + 120
        func y(_ gln: String?) -> Int { top + (lanes.firstIndex(of: gln ?? "") ?? 0) * laneHeight }
        func x(_ index: Int) -> Int { left + index * step + step / 2 }
        var laneRows: [[String: Any]] = []
        for (index, gln) in lanes.enumerated() {
            laneRows.append(["y": String(top + index * laneHeight), "textY": String(top + index * laneHeight + 4), "x2": String(width - 20),
                             "name": names[gln] ?? gln, "gln": gln])
        }
        var arrows: [[String: Any]] = []
        for (index, hop) in hops.enumerated() {
            let conflict = conflicts.contains(hop.seq)
            let cls = conflict ? "\(hop.kind) conflict" : hop.kind
            let toY = y(hop.to)
            let fromY = hop.from.map(y) ?? toY
            arrows.append(["x": String(x(index)), "y1": String(fromY), "y2": String(toY == fromY ? toY : (toY > fromY ? toY - 8 : toY + 8)),
                           "point": toY == fromY, "cls": cls, "labelClass": conflict ? "label red" : "label", "marker": conflict ? "arrow-red" : (hop.kind == "own" ? "arrow" : "arrow-grey"),
                           "label": "\(hop.label) #\(hop.seq)", "date": hop.date, "labelX": String(x(index) + 4),
                           "labelY": String(min(fromY, toY) - 8 + (fromY == toY ? 0 : 0)), "dateY": String(top + lanes.count * laneHeight - 16)])
        }
        // Containers: a box under the lanes spanning the columns of hops made while the unit was inside.
        var boxes: [[String: Any]] = []
        let boxTop = top + lanes.count * laneHeight
        for (row, interval) in (report["lineage"]?.arrayValue ?? []).enumerated() {
            let from = interval["packed"]?["seq"]?.integerValue ?? 0
            let to = interval["unpacked"]?["seq"]?.integerValue ?? Int64.max
            let inside = hops.indices.filter { hops[$0].seq > from && hops[$0].seq < to }
            let first = inside.first ?? 0
            let last = inside.last ?? first
            let x0 = left + first * step + 6
            boxes.append(["x": String(x0), "y": String(boxTop + row * 30), "width": String(max(step - 12, (last - first + 1) * step - 12)),
                          "textX": String(x0 + 6), "textY": String(boxTop + row * 30 + 17),
                          "label": "inside \(ReportHTML.text(interval["container"])) (entries \(from)–\(to == Int64.max ? "now" : String(to)))"])
        }
        let height = boxTop + boxes.count * 30 + 40
        let state = ReportHTML.text(terminal?["state"])
        let endX = left + columns * step + 10
        view = ["width": String(width), "height": String(height), "lanes": laneRows, "arrows": arrows, "boxes": boxes,
                "end": ["x": String(endX), "y": String(y(terminal?["owner"]?["gln"]?.stringValue) + 4), "state": state,
                        "labelClass": ["stolen", "lost", "recalled"].contains(state) ? "label red" : "label"] as [String: Any],
                "laneX2": String(width - 20), "dateY": String(boxTop - 14)]
    }
}

/// A lot's totals per holder and per state as horizontal bars (SVG coordinates only).
struct LotChart {
    var view: [String: Any] = [:]

    init(report: JSONValue, holder: (JSONValue?) -> String) {
        var rows: [[String: Any]] = []
        var y = 10
        let count = max(report["count"]?.integerValue ?? 1, 1)
        for (title, key, field) in [("Holder", "byPossessor", "gln"), ("State", "byState", "state")] {
            rows.append(["heading": true, "label": title, "y": String(y + 14), "textY": String(y + 14)])
            y += 24
            for total in report["totals"]?[key]?.arrayValue ?? [] {
                let value = total["count"]?.integerValue ?? 0
                let label = field == "gln" ? holder(total[field]) : ReportHTML.text(total[field])
                rows.append(["heading": false, "label": label, "count": String(value), "y": String(y), "textY": String(y + 15),
                             "width": String(max(2, Int(500 * value / count))), "countX": String(250 + max(2, Int(500 * value / count)) + 6),
                             "alarm": ["stolen", "lost", "recalled"].contains(label)])
                y += 26
            }
            y += 10
        }
        view = ["rows": rows, "height": String(y + 10)]
    }
}
