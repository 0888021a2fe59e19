import Custody
import CustodyIndex
import LedgerCore
import LedgerCrypto
import LedgerFormat
import LedgerStore

/// Walks a unit's entries in ledger order and derives, from the signed bodies alone, its product identity,
/// movements, ownership hops (manufacturer → current owner), possession hops, terminal state, and the gaps and
/// conflicts between them (a missing hop, two owners at once, a receipt without its shipment, TI lot/expiry
/// differing from commissioning, never commissioned, a move after decommissioning).
struct ChainWalk {
    var product: JSONValue = .null
    var movements: [JSONValue] = []
    var ownership: [JSONValue] = []
    var possession: [JSONValue] = []
    var terminal: JSONValue = .null
    var findings: [JSONValue] = []
    /// The owner at the end of the walk.
    var owner: String?

    init(history: UnitHistory, timeline: inout RegistryTimeline) throws {
        let unit = history.unit
        var commission: (seq: UInt64, body: CommissionBody)?
        var possessor: String?
        var soldAt: [String: UInt64] = [:]          // party → entry where it last sold the unit
        var ownerSince: UInt64 = 0
        var hashes: [String: UInt64] = [:]           // entry hash hex → seq, of the unit's earlier entries
        var decommissioned: (seq: UInt64, reason: String, note: String?, by: String)?
        var openShipment: UInt64?
        var lastOwnershipWasReturn = false

        func reference(_ touch: Touch) -> [String: JSONValue] {
            ["seq": .integer(Int64(touch.seq)), "entryHash": .string(Hex.encode(touch.appended.hash))]
        }
        func party(_ gln: String?) -> JSONValue {
            guard let gln else { return .null }
            return partyJSON(gln, timeline.partner(gln))
        }
        func note(_ kind: String, _ touch: Touch?, _ detail: String) {
            var row: [String: JSONValue] = ["kind": .string(kind), "detail": .string(detail)]
            if let touch { row.merge(reference(touch)) { $1 } }
            findings.append(.object(row))
        }

        for touch in history.touches {
            try timeline.advance(to: touch.seq)
            let entry = touch.appended.entry
            let signer = entry.submission.signer
            let hex = Hex.encode(touch.appended.hash)
            if let done = decommissioned {
                note("moved-after-decommission", touch, "entry \(touch.seq) (\(entry.submission.bodyType)) touches \(unit) after it was decommissioned (\(done.reason)) at entry \(done.seq)")
            }
            if owner == nil, commission == nil, !touch.isCommission {
                // A container that is never commissioned (an SSCC) belongs to whoever first packs it.
                owner = signer
                possessor = signer
                ownerSince = touch.seq
            }
            var movement = reference(touch)
            movement["type"] = .string(entry.submission.bodyType)
            movement["appendedAt"] = .string(Timestamp.iso8601(entry.appendedAt))
            movement["signer"] = party(signer)
            movement["direct"] = .bool(touch.via == nil)
            movement["via"] = touch.via.map { .string($0.canonical) } ?? .null

            switch touch.body {
            case .commission(let body)?:
                movement["time"] = .string(body.eventTime ?? Timestamp.iso8601(entry.appendedAt))
                if let first = commission {
                    note("commissioned-twice", touch, "\(unit) is commissioned again at entry \(touch.seq), first at entry \(first.seq)")
                } else {
                    commission = (touch.seq, body)
                    owner = signer
                    possessor = signer
                    ownerSince = touch.seq
                }
            case .transfer(let body)?:
                movement["time"] = .string(body.transactionDate)
                let seller = body.seller.gln
                if let current = owner, seller != current {
                    if let sold = soldAt[seller] {
                        note("double-sale", touch, "\(seller) sells \(unit) at entry \(touch.seq) although it sold it at entry \(sold); \(current) (owner since entry \(ownerSince)) and \(body.buyer.gln) both claim it")
                    } else {
                        note("missing-hop", touch, "\(seller) sells \(unit) at entry \(touch.seq), but its last recorded owner is \(current) (since entry \(ownerSince)): no transfer from \(current) to \(seller) is on the ledger")
                    }
                }
                if let commission, let gtin = unit.gtin {
                    for line in body.products where line.gtin == gtin && (line.lot != commission.body.lot || line.expiry != commission.body.expiry) {
                        note("lot-expiry-mismatch", touch, "the TI of entry \(touch.seq) gives lot \(line.lot), expiry \(line.expiry) for GTIN \(gtin); commissioning (entry \(commission.seq)) gave lot \(commission.body.lot), expiry \(commission.body.expiry)")
                    }
                }
                var hop = reference(touch)
                hop["kind"] = .string("sale")
                hop["seller"] = tiParty(body.seller, timeline)
                hop["buyer"] = tiParty(body.buyer, timeline)
                hop["transactionDate"] = .string(body.transactionDate)
                hop["shipmentDate"] = body.shipmentDate.map { .string($0) } ?? .null
                hop["shipmentLate"] = .bool(Self.late(body.transactionDate, body.shipmentDate))
                hop["references"] = Self.references(body.references)
                hop["products"] = .array(body.products.map(\.json))
                hop["statement"] = .object(["affirmedBy": .string(body.statement.affirmedBy),
                                            "affirmedAt": .string(Timestamp.iso8601(entry.submission.signedAt)),
                                            "statementsAffirmed": .integer(Int64(TransactionStatement.statements.count))])
                hop["history"] = .integer(Int64(body.history.count))
                hop["directPurchase"] = .bool(timeline.partner(seller)?.role == .manufacturer)
                hop["via3PL"] = party(body.via)
                hop["direct"] = .bool(touch.via == nil)
                hop["container"] = touch.via.map { .string($0.canonical) } ?? .null
                ownership.append(.object(hop))
                if let current = owner { soldAt[current] = touch.seq }
                soldAt[seller] = touch.seq
                owner = body.buyer.gln
                ownerSince = touch.seq
                possessor = nil
                openShipment = touch.seq
                lastOwnershipWasReturn = false
            case .return(let body)?:
                movement["time"] = .string(body.eventTime ?? Timestamp.iso8601(entry.appendedAt))
                if let current = owner, signer != current {
                    note("missing-hop", touch, "\(signer) returns \(unit) at entry \(touch.seq), but its last recorded owner is \(current) (since entry \(ownerSince))")
                }
                var hop = reference(touch)
                hop["kind"] = .string("return")
                hop["seller"] = party(signer)
                hop["buyer"] = party(body.to)
                hop["transactionDate"] = .string(body.eventTime ?? Timestamp.iso8601(entry.appendedAt))
                hop["reason"] = .string(body.reason)
                hop["references"] = Self.references(body.references)
                hop["direct"] = .bool(touch.via == nil)
                hop["container"] = touch.via.map { .string($0.canonical) } ?? .null
                ownership.append(.object(hop))
                soldAt[signer] = touch.seq
                owner = body.to
                ownerSince = touch.seq
                possessor = nil
                openShipment = touch.seq
                lastOwnershipWasReturn = true
            case .ship(let body)?:
                movement["time"] = .string(body.eventTime ?? Timestamp.iso8601(entry.appendedAt))
                var hop = reference(touch)
                hop["kind"] = .string("ship")
                hop["from"] = party(signer)
                hop["to"] = party(body.to)
                hop["time"] = movement["time"]
                hop["references"] = Self.references(body.references)
                hop["possessionOnly"] = .bool(true)
                possession.append(.object(hop))
                possessor = nil
                openShipment = touch.seq
            case .receive(let body)?:
                movement["time"] = .string(body.eventTime ?? Timestamp.iso8601(entry.appendedAt))
                let shipmentSeq = hashes[body.shipment]
                if shipmentSeq == nil {
                    note("receipt-without-shipment", touch, "entry \(touch.seq) receives shipment \(body.shipment.prefix(16))…, which is not a shipment of \(unit) on the ledger")
                }
                var hop = reference(touch)
                hop["kind"] = .string("receive")
                hop["by"] = party(signer)
                hop["time"] = movement["time"]
                hop["shipmentSeq"] = shipmentSeq.map { .integer(Int64($0)) } ?? .null
                hop["possessionOnly"] = .bool(signer != owner)
                possession.append(.object(hop))
                possessor = signer
                openShipment = nil
            case .decommission(let body)?:
                movement["time"] = .string(body.eventTime ?? Timestamp.iso8601(entry.appendedAt))
                if decommissioned == nil { decommissioned = (touch.seq, body.reason.rawValue, body.note, signer) }
            case .aggregate(let body)?:
                movement["time"] = .string(body.eventTime ?? Timestamp.iso8601(entry.appendedAt))
            case .disaggregate(let body)?:
                movement["time"] = .string(body.eventTime ?? Timestamp.iso8601(entry.appendedAt))
            case nil:
                movement["time"] = .string(Timestamp.iso8601(entry.appendedAt))
            }
            movements.append(.object(movement))
            hashes[hex] = touch.seq
        }

        if let commission {
            var out = ReportBuilder.identity(gtin: commission.body.gtin, master: commission.body.product)
            out["lot"] = .string(commission.body.lot)
            out["expiry"] = .string(commission.body.expiry)
            if case .sgtin(_, let serial) = unit { out["serial"] = .string(serial) }
            out["manufacturer"] = party(history.touches.first { $0.seq == commission.seq }?.appended.entry.submission.signer)
            out["commissioned"] = .object(["seq": .integer(Int64(commission.seq)),
                                           "entryHash": .string(Hex.encode(history.touches.first { $0.seq == commission.seq }!.appended.hash))])
            product = .object(out)
        } else if case .sgtin(let gtin, let serial) = unit {
            product = .object(["gtin": .string(gtin), "serial": .string(serial)])
            note("never-commissioned", nil, "no entry commissions \(unit): it appears on the ledger without ever coming into existence")
        } else if case .sscc(let sscc) = unit {
            product = .object(["sscc": .string(sscc)])
        }

        var end: [String: JSONValue] = ["owner": party(owner), "possessor": party(possessor)]
        if let done = decommissioned {
            end["state"] = .string(done.reason)
            end["seq"] = .integer(Int64(done.seq))
            end["by"] = party(done.by)
            end["note"] = done.note.map { .string($0) } ?? .null
        } else if openShipment != nil {
            end["state"] = .string(lastOwnershipWasReturn ? "returned, in transit" : "in-transit")
        } else {
            end["state"] = .string(lastOwnershipWasReturn ? "returned" : "active")
        }
        terminal = .object(end)
    }

    /// A TI party as the seller wrote it, with the registry's role.
    func tiParty(_ info: PartyInfo, _ timeline: RegistryTimeline) -> JSONValue {
        var out: [String: JSONValue] = ["gln": .string(info.gln), "name": .string(info.name), "address": .string(info.address)]
        if let role = timeline.partner(info.gln)?.role { out["role"] = .string(role.rawValue) }
        return .object(out)
    }

    static func references(_ references: [String: String]) -> JSONValue { .object(references.mapValues { .string($0) }) }

    /// Whether the shipment date is more than 24 hours after the transaction date (TI 8 must then be given).
    static func late(_ transaction: String, _ shipment: String?) -> Bool {
        guard let shipment, let sent = Timestamp.parse(shipment), let sold = Timestamp.parse(transaction) else { return false }
        return sent - sold > 24 * 3_600_000
    }
}
