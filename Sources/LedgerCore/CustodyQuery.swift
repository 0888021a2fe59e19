import Custody
import CustodyIndex
import LedgerCrypto
import LedgerFormat
import LedgerStore
#if canImport(Glibc)
import Glibc
#endif

/// Answers custody questions from the index, reading the entries themselves from the log by location.
///
/// Opening brings the index level with the log when no writer holds the lock; when one does, it answers
/// from the index as it stands (the writer keeps it current) and says how far behind the log it is.
public struct CustodyQuery {
    public let layout: StoreLayout
    public let index: CustodyIndex
    let reader: LedgerReader
    /// A note for the user when the index could not be brought level with the log.
    public let staleness: String?

    public init(layout: StoreLayout, trustAnchor: PublicKey? = nil) throws {
        self.layout = layout
        reader = try LedgerReader(layout: layout)
        // Level with the log already (the usual case): answer without touching the writer lock, so a query
        // never makes a concurrent append wait or fail. A rebuild that loaded every entry but never finished
        // (no units written) is level by its head yet incomplete: `openIndex` rebuilds it.
        let path = CustodyIndex.path(in: layout)
        if access(path, F_OK) == 0, let logHead = try HeadRecord.read(from: layout),
           let existing = try? CustodyIndex(path: path), let indexed = try existing.indexedHead(),
           indexed.seq == logHead.seq, indexed.hash == logHead.hash, try !existing.bulkLoadInterrupted() {
            index = existing
            staleness = nil
            return
        }
        do {
            let writer = try SegmentWriter(layout: layout)
            defer { writer.close() }
            index = try Ledger.openIndex(layout: layout, trustAnchor: trustAnchor).0
            staleness = nil
        } catch StoreError.locked(let pid, _) {
            index = try CustodyIndex(path: CustodyIndex.path(in: layout))
            let indexed = try index.indexedHead()?.seq
            let logHead = try HeadRecord.read(from: layout)?.seq
            staleness = indexed == logHead ? nil
                : "the index reflects entries up to \(indexed.map(String.init) ?? "none") and the log reaches \(logHead.map(String.init) ?? "?"); the writer (pid \(pid.map(String.init) ?? "?")) is catching it up"
        }
    }

    /// Party names from the registry, for display.
    func registry() throws -> Registry? {
        var registry: Registry?
        for location in try index.operatorEntryLocations() {
            try Ledger.applyOperatorEntry(try reader.entry(at: location).entry, to: &registry, trustAnchor: nil)
        }
        return registry
    }

    /// The complete chain of custody of `unit` as JSON: commissioning, containers over time (and contents, for
    /// a container), and every entry that touched it directly or through a container, with owner and holder
    /// before and after, the body (TI and TS of transfers), the entry hash, the signer and whether the
    /// signature verifies against the registry as it stood at that entry.
    public func custody(of unit: UnitID) throws -> JSONValue {
        guard let current = index.unit(unit) else {
            throw InputError(source: unit.canonical, reason: "no entry names this identifier (never commissioned or packed)", code: "unknown-unit")
        }
        let events = try index.events(of: unit)
        let operatorEntries = try index.operatorEntryLocations().map { try reader.entry(at: $0).entry }
        var registryIndex = 0
        var registry: Registry?
        let names = try self.registry()
        func party(_ gln: String?) -> JSONValue {
            guard let gln else { return .null }
            var members: [String: JSONValue] = ["gln": .string(gln)]
            if let partner = names?.partners[gln] {
                members["name"] = .string(partner.name)
                members["address"] = .string(partner.address)
                members["role"] = .string(partner.role.rawValue)
            }
            return .object(members)
        }
        var rows: [JSONValue] = []
        var ownerBefore: String?
        var possessorBefore: String?
        for event in events {
            while registryIndex < operatorEntries.count, operatorEntries[registryIndex].seq < event.seq {
                try Ledger.applyOperatorEntry(operatorEntries[registryIndex], to: &registry, trustAnchor: nil)
                registryIndex += 1
            }
            let appended = try reader.entry(at: event.location)
            let entry = appended.entry
            var signature = "valid"
            if entry.hash != appended.hash {
                signature = "invalid: the entry's bytes do not match its stored hash"
            } else if let registry {
                do { try registry.checkSignature(of: entry) } catch { signature = "invalid: \(error.message)" }
            }
            var row: [String: JSONValue] = [
                "seq": .integer(Int64(entry.seq)),
                "type": .string(entry.submission.bodyType),
                "appendedAt": .string(Timestamp.iso8601(entry.appendedAt)),
                "entryHash": .string(Hex.encode(appended.hash)),
                "signer": party(entry.submission.signer),
                "keyID": .string(entry.submission.keyID),
                "signature": .string(signature),
                "direct": .bool(event.via == nil),
                "via": event.via.map { .string($0.canonical) } ?? .null,
                "ownerBefore": party(ownerBefore),
                "ownerAfter": party(event.owner),
                "possessorBefore": party(possessorBefore),
                "possessorAfter": party(event.possessor),
                "stateAfter": .string(event.state),
                "containerAfter": event.parent.map { .string($0.canonical) } ?? .null,
            ]
            if let body = try? JSONValue.parse(entry.submission.body) { row["body"] = body }
            rows.append(.object(row))
            ownerBefore = event.owner
            possessorBefore = event.possessor
        }
        var report: [String: JSONValue] = [
            "unit": .string(unit.canonical),
            "kind": .string(unit.isSSCC ? "sscc" : "sgtin"),
            "current": .object([
                "owner": party(current.owner), "possessor": party(current.possessor), "state": .string(current.stateName),
                "container": current.parent.map { .string($0.canonical) } ?? .null,
                "shipment": current.shipment.map { .string($0) } ?? .null,
            ]),
            "containers": .array(try index.parents(of: unit).map(Self.interval)),
            "events": .array(rows),
            "indexedThrough": (try index.indexedHead()).map { .integer(Int64($0.seq)) } ?? .null,
        ]
        if case .sgtin(let gtin, let serial) = unit {
            report["gtin"] = .string(gtin)
            report["serial"] = .string(serial)
        }
        if case .sscc(let sscc) = unit { report["sscc"] = .string(sscc) }
        if let lot = current.lot {
            report["commissioning"] = .object([
                "seq": .integer(Int64(lot.commissionSeq)), "lot": .string(lot.lot), "expiry": .string(lot.expiry),
                "product": lot.product.json, "gtin": .string(lot.gtin),
            ])
        }
        let contents = try index.contents(of: unit)
        if !contents.isEmpty || unit.isSSCC {
            report["contents"] = .array(contents.map(Self.interval))
            report["contentsNow"] = .array(current.children.sorted().map { .string($0.canonical) })
        }
        if let staleness { report["notice"] = .string(staleness) }
        return .object(report)
    }

    static func interval(_ interval: ContainmentInterval) -> JSONValue {
        .object(["parent": .string(interval.parent.canonical), "child": .string(interval.child.canonical),
                 "fromSeq": .integer(Int64(interval.fromSeq)), "toSeq": interval.toSeq.map { .integer(Int64($0)) } ?? .null])
    }

    static func summary(_ unit: UnitSummary) -> JSONValue {
        var members: [String: JSONValue] = ["unit": .string(unit.id.canonical), "owner": .string(unit.owner),
                                            "possessor": unit.possessor.map { .string($0) } ?? .null, "state": .string(unit.state),
                                            "container": unit.parent.map { .string($0.canonical) } ?? .null]
        if let lot = unit.lot { members["lot"] = .string(lot) }
        if let expiry = unit.expiry { members["expiry"] = .string(expiry) }
        return .object(members)
    }

    /// Every serial of a lot and where it is now, with totals per owner, per holder and per state (for a recall).
    public func lot(gtin: String, lot: String) throws -> JSONValue {
        let units = try index.lot(gtin: gtin, lot: lot)
        func totals(_ key: (UnitSummary) -> String) -> JSONValue {
            var counts: [String: Int64] = [:]
            for unit in units { counts[key(unit), default: 0] += 1 }
            return .object(counts.mapValues { .integer($0) })
        }
        var report: [String: JSONValue] = [
            "gtin": .string(gtin), "lot": .string(lot), "count": .integer(Int64(units.count)),
            "units": .array(units.map(Self.summary)),
            "byOwner": totals(\.owner), "byPossessor": totals { $0.possessor ?? "in transit" }, "byState": totals(\.state),
        ]
        if let staleness { report["notice"] = .string(staleness) }
        return .object(report)
    }

    /// What a partner owns and what it holds now.
    public func holdings(gln: String) throws -> JSONValue {
        let (owned, held) = try index.holdings(gln: gln)
        var report: [String: JSONValue] = [
            "gln": .string(gln), "owned": .array(owned.map(Self.summary)), "held": .array(held.map(Self.summary)),
            "ownedCount": .integer(Int64(owned.count)), "heldCount": .integer(Int64(held.count)),
        ]
        if let name = try registry()?.partners[gln]?.name { report["name"] = .string(name) }
        if let staleness { report["notice"] = .string(staleness) }
        return .object(report)
    }
}
