import Custody
import CustodyIndex
import LedgerCore
import LedgerCrypto
import LedgerFormat
import LedgerStore

/// One entry that touched a unit: the entry, and the container it reached the unit through (nil when it named it).
struct Touch {
    var appended: AppendedEntry
    var via: UnitID?
    var body: CustodyBody?
    var seq: UInt64 { appended.entry.seq }
    var isCommission: Bool { if case .commission? = body { return true } else { return false } }
}

/// Everything the ledger holds about one unit, in ledger order, read from the index or, when the index cannot be
/// built, from a direct scan of the log.
struct UnitHistory {
    var unit: UnitID
    var touches: [Touch]
    /// The containers the unit was in.
    var containers: [ContainmentInterval]
    /// What was inside the unit (for a container).
    var contents: [ContainmentInterval]
    /// The operator entries (genesis and registry changes), in order.
    var operatorEntries: [AppendedEntry]
    /// `index` or `log-scan`.
    var source: String
    var notice: String?

    /// The history of `unit` from the custody index.
    static func fromIndex(_ query: CustodyQuery, unit: UnitID, reader: LedgerReader) throws -> UnitHistory {
        guard query.index.unit(unit) != nil else {
            throw InputError(source: unit.canonical, reason: "no entry names this identifier (never commissioned or packed)", code: "unknown-unit")
        }
        let touches = try query.index.events(of: unit).map { event in
            let appended = try reader.entry(at: event.location)
            return Touch(appended: appended, via: event.via, body: parseForReport(appended.entry))
        }
        // The containers of its containers while it was inside them (pallet → case → unit).
        var containers = try query.index.parents(of: unit)
        var frontier = containers
        while let inner = frontier.popLast() {
            for outer in try query.index.parents(of: inner.parent)
            where outer.fromSeq < (inner.toSeq ?? UInt64.max) && (outer.toSeq ?? UInt64.max) > inner.fromSeq {
                let clipped = ContainmentInterval(parent: outer.parent, child: inner.parent, fromSeq: outer.fromSeq, toSeq: outer.toSeq)
                if !containers.contains(clipped) {
                    containers.append(clipped)
                    frontier.append(clipped)
                }
            }
        }
        containers.sort { ($0.fromSeq, $0.parent.canonical) < ($1.fromSeq, $1.parent.canonical) }
        return UnitHistory(unit: unit, touches: touches, containers: containers,
                           contents: try query.index.contents(of: unit),
                           operatorEntries: try query.index.operatorEntryLocations().map { try reader.entry(at: $0) },
                           source: "index", notice: query.staleness)
    }

    /// The history as of a checkpoint of `size` entries: touches, containment and operator entries from entry
    /// `size` on are left out (the containment they end is still open), and their sequence numbers returned, so a
    /// report proves everything it cites against that one checkpoint.
    func covered(below size: UInt64) throws -> (history: UnitHistory, uncovered: [UInt64]) {
        var out = self
        var uncovered = Set(touches.map(\.seq).filter { $0 >= size })
        uncovered.formUnion(operatorEntries.map(\.entry.seq).filter { $0 >= size })
        out.touches = touches.filter { $0.seq < size }
        out.operatorEntries = operatorEntries.filter { $0.entry.seq < size }
        func clip(_ intervals: [ContainmentInterval]) -> [ContainmentInterval] {
            intervals.compactMap { interval in
                guard interval.fromSeq < size else {
                    uncovered.insert(interval.fromSeq)
                    return nil
                }
                var kept = interval
                if let to = interval.toSeq, to >= size {
                    uncovered.insert(to)
                    kept.toSeq = nil
                }
                return kept
            }
        }
        out.containers = clip(containers)
        out.contents = clip(contents)
        guard !out.touches.isEmpty else {
            throw InputError(source: unit.canonical, reason: "every entry naming it is newer than the latest checkpoint (size \(size)): ask again after the next checkpoint", code: "not-covered")
        }
        return (out, uncovered.sorted())
    }

    static func parse(_ entry: Entry) -> CustodyBody? {
        try? CustodyBody.parse(type: entry.submission.bodyType, body: entry.submission.body)
    }

    /// The body as a report reads it: like `parse`, but a commission's serial list (thousands of serials, each
    /// validated on append) is not read again: only the members the report shows.
    static func parseForReport(_ entry: Entry) -> CustodyBody? {
        guard entry.submission.bodyType == CustodyBodyType.commission.rawValue else { return parse(entry) }
        // Bodies are stored in canonical form, members sorted, so `serials` comes last: parse only what precedes it.
        // (The marker cannot occur inside a string, where a quote is always escaped.)
        var bytes = entry.submission.body
        let marker = Array(#","serials":["#.utf8)
        if let start = bytes.indices.dropLast(marker.count - 1).first(where: { bytes[$0] == marker[0] && bytes[$0..<$0 + marker.count].elementsEqual(marker) }) {
            bytes = Array(bytes[..<start]) + [UInt8(ascii: "}")]
        }
        guard let json = try? JSONValue.parse(bytes), let gtin = json["gtin"]?.stringValue,
              let lot = json["lot"]?.stringValue, let expiry = json["expiry"]?.stringValue, let product = json["product"],
              let name = product["name"]?.stringValue, let strength = product["strength"]?.stringValue,
              let dosageForm = product["dosageForm"]?.stringValue, let containerSize = product["containerSize"]?.stringValue else { return nil }
        let master = ProductMaster(name: name, strength: strength, dosageForm: dosageForm, containerSize: containerSize, ndc: product["ndc"]?.stringValue)
        return .commission(CommissionBody(gtin: gtin, serials: [], lot: lot, expiry: expiry, product: master, eventTime: json["eventTime"]?.stringValue))
    }

    /// The history of `unit` from one pass over the log, applying no custody rule: used when the index cannot be
    /// built because an entry breaks one (the verifier names it), so the report still shows what the log says,
    /// conflicts included.
    static func fromLogScan(layout: StoreLayout, unit: UnitID, reason: String) throws -> UnitHistory {
        var parent: [UnitID: UnitID] = [:]
        var children: [UnitID: Set<UnitID>] = [:]
        var shipments: [String: [UnitID]] = [:]
        var touches: [Touch] = []
        var operatorEntries: [AppendedEntry] = []
        var open: [UnitID: ContainmentInterval] = [:]
        var intervals: [ContainmentInterval] = []
        var known = false

        func descendants(_ id: UnitID) -> [UnitID] {
            var out: [UnitID] = []
            var stack = Array(children[id] ?? [])
            while let next = stack.popLast() {
                out.append(next)
                stack += children[next] ?? []
            }
            return out
        }
        func reach(_ named: [UnitID]) -> [UnitID: UnitID?] {
            var reached: [UnitID: UnitID?] = [:]
            for item in named {
                reached[item] = .some(nil)
                for inner in descendants(item) where reached[inner] == nil { reached[inner] = .some(item) }
            }
            return reached
        }
        func leave(_ child: UnitID, seq: UInt64) {
            guard let old = parent.removeValue(forKey: child) else { return }
            children[old]?.remove(child)
            if var interval = open.removeValue(forKey: child) {
                interval.toSeq = seq
                intervals.append(interval)
            }
        }

        try LedgerReader(layout: layout).forEach { appended in
            let entry = appended.entry
            if entry.submission.signer == Submission.operatorSigner {
                operatorEntries.append(appended)
                return true
            }
            guard let body = parse(entry) else { return true }
            let named: [UnitID]
            switch body {
            case .commission(let b): named = b.units
            case .aggregate(let b): named = [b.parent] + b.children
            case .disaggregate(let b): named = [b.parent] + (b.children ?? Array(children[b.parent] ?? []))
            case .transfer(let b): named = b.items
            case .ship(let b): named = b.items
            case .receive(let b): named = shipments[b.shipment] ?? []
            case .return(let b): named = b.items
            case .decommission(let b): named = b.items
            }
            let reached = reach(named)
            if let via = reached[unit] {
                known = true
                touches.append(Touch(appended: appended, via: via, body: body))
            }
            let seq = entry.seq
            switch body {
            case .aggregate(let b):
                for child in b.children {
                    leave(child, seq: seq)
                    parent[child] = b.parent
                    children[b.parent, default: []].insert(child)
                    open[child] = ContainmentInterval(parent: b.parent, child: child, fromSeq: seq, toSeq: nil)
                }
            case .disaggregate(let b):
                for child in b.children ?? Array(children[b.parent] ?? []) { leave(child, seq: seq) }
            case .transfer, .ship, .return:
                shipments[Hex.encode(appended.hash)] = named
            default:
                break
            }
            return true
        }
        guard known else {
            throw InputError(source: unit.canonical, reason: "no entry names this identifier (never commissioned or packed)", code: "unknown-unit")
        }
        intervals += open.values
        intervals.sort { ($0.fromSeq, $0.child.canonical) < ($1.fromSeq, $1.child.canonical) }
        // The unit's containers, and the containers of those while the unit was inside them (pallet → case → unit).
        var containers = intervals.filter { $0.child == unit }
        var frontier = containers
        while let inner = frontier.popLast() {
            for outer in intervals where outer.child == inner.parent && !containers.contains(outer)
                && outer.fromSeq < (inner.toSeq ?? UInt64.max) && (outer.toSeq ?? UInt64.max) > inner.fromSeq {
                containers.append(outer)
                frontier.append(outer)
            }
        }
        containers.sort { ($0.fromSeq, $0.parent.canonical) < ($1.fromSeq, $1.parent.canonical) }
        return UnitHistory(unit: unit, touches: touches, containers: containers,
                           contents: intervals.filter { $0.parent == unit }, operatorEntries: operatorEntries, source: "log-scan",
                           notice: "the custody index cannot be built (\(reason)); this report was built from a direct scan of the log, which applies no custody rule")
    }
}

/// The partner registry replayed along the log, so each entry's signature is checked against the registry as it
/// stood when the entry was appended. Used by the report builder and by the offline report verifier alike.
struct RegistryTimeline {
    private var pending: [Entry]
    private var next = 0
    private(set) var registry: Registry?
    let trustAnchor: PublicKey?

    /// `operatorEntries` must start with the genesis entry; each is checked against the registry before it.
    init(operatorEntries: [Entry], trustAnchor: PublicKey?) {
        pending = operatorEntries.sorted { $0.seq < $1.seq }
        self.trustAnchor = trustAnchor
    }

    /// Applies every operator entry before `seq`; throws when one is not validly signed or not a valid change.
    mutating func advance(to seq: UInt64) throws {
        while next < pending.count, pending[next].seq < seq {
            if pending[next].seq > 0, registry == nil {
                throw RegistryError("no-genesis", "registry entry \(pending[next].seq) comes before any genesis entry")
            }
            try Ledger.applyOperatorEntry(pending[next], to: &registry, trustAnchor: trustAnchor)
            next += 1
        }
    }

    /// `valid`, or `invalid: why`, for `appended` checked against the registry as it stood at its sequence number.
    mutating func signatureResult(_ appended: AppendedEntry) throws -> String {
        if appended.entry.hash != appended.hash { return "invalid: the entry's bytes do not match its stored hash" }
        if appended.entry.submission.signer == Submission.operatorSigner {
            // An operator entry is valid when the registry accepts it: the genesis against the trust anchor, later
            // ones against the operator key as it stood.
            do { try advance(to: appended.entry.seq + 1) } catch { return "invalid: \(error)" }
            return "valid"
        }
        try advance(to: appended.entry.seq)
        guard let registry else { return "invalid: no registry (genesis entry missing)" }
        do { try registry.checkSignature(of: appended.entry) } catch { return "invalid: \(error.message)" }
        return "valid"
    }

    /// The partner registered under `gln`, as of the last `advance`.
    func partner(_ gln: String) -> Partner? { registry?.partners[gln] }
}
