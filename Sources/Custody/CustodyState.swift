import LedgerCrypto
import LedgerFormat

/// Where a unit stands in its life.
public enum UnitStatus: Sendable, Hashable {
    case active
    case decommissioned(DecommissionReason, seq: UInt64)

    public var name: String {
        switch self {
        case .active: "active"
        case .decommissioned(let reason, _): reason.rawValue
        }
    }
}

/// Commissioning data of a serialised product (shared by every unit of the same commission).
public struct LotInfo: Sendable, Hashable {
    public var gtin: String
    public var lot: String
    public var expiry: String
    public var product: ProductMaster
    public var commissionSeq: UInt64

    public init(gtin: String, lot: String, expiry: String, product: ProductMaster, commissionSeq: UInt64) {
        self.gtin = gtin
        self.lot = lot
        self.expiry = expiry
        self.product = product
        self.commissionSeq = commissionSeq
    }
}

/// The current state of one identifier.
public struct UnitRecord: Sendable, Hashable {
    public var id: UnitID
    /// The entry that commissioned it (or, for an SSCC, first packed it).
    public var createdSeq: UInt64
    /// Commissioning data; nil for SSCCs.
    public var lot: LotInfo? {
        get { lotBox?.info(commissionSeq: lotSeq) }
        set {
            lotBox = newValue.map(LotBox.init)
            lotSeq = newValue?.commissionSeq ?? 0
        }
    }
    /// The lot behind one shared reference: the units of a commission, and of consecutive commissions of the same
    /// lot, point to one copy, so a record stays small and copying it copies one pointer instead of the lot's and
    /// product's strings.
    private(set) var lotBox: LotBox?
    /// The lot's `commissionSeq` (0 without a lot): kept in the record, so commissions can share one `LotBox`.
    private(set) var lotSeq: UInt64 = 0
    public var owner: String
    /// Who holds it physically; nil while in transit.
    public var possessor: String?
    /// The open shipment (entry hash hex) carrying it.
    public var shipment: String?
    public var parent: UnitID?
    /// The entry that packed it into `parent`.
    public var parentSince: UInt64?
    public var children: Set<UnitID> = []
    public var status: UnitStatus = .active
    /// The partner that sold it to its current owner (where a return goes).
    public var lastSeller: String?
    /// The entry that made `owner` the owner.
    public var ownerSince: UInt64
    /// Sequence numbers of the transfers and returns that moved it: its transaction history.
    public var transfers: [UInt64] = []

    /// A record as commissioned or created; the other fields start empty.
    public init(id: UnitID, createdSeq: UInt64, lot: LotInfo?, owner: String, possessor: String?, ownerSince: UInt64) {
        self.id = id
        self.createdSeq = createdSeq
        self.lotBox = lot.map(LotBox.init)
        self.lotSeq = lot?.commissionSeq ?? 0
        self.owner = owner
        self.possessor = possessor
        self.ownerSince = ownerSince
    }

    /// A record as commissioned at `createdSeq`, pointing to a lot already boxed (shared with the other units of
    /// its commission).
    init(id: UnitID, createdSeq: UInt64, lotBox: LotBox, owner: String, possessor: String, ownerSince: UInt64) {
        self.id = id
        self.createdSeq = createdSeq
        self.lotBox = lotBox
        self.lotSeq = createdSeq
        self.owner = owner
        self.possessor = possessor
        self.ownerSince = ownerSince
    }

    /// A short state name: active, in-transit, or the decommission reason.
    public var stateName: String {
        if case .decommissioned = status { return status.name }
        return shipment == nil ? "active" : "in-transit"
    }
}

/// An immutable lot without its commission's sequence number (which each record keeps), shared by the records
/// of one commission and of consecutive commissions of the same lot; compared and hashed by value.
final class LotBox: Sendable, Hashable {
    let gtin: String
    let lot: String
    let expiry: String
    let product: ProductMaster

    convenience init(_ info: LotInfo) {
        self.init(gtin: info.gtin, lot: info.lot, expiry: info.expiry, product: info.product)
    }

    init(gtin: String, lot: String, expiry: String, product: ProductMaster) {
        self.gtin = gtin
        self.lot = lot
        self.expiry = expiry
        self.product = product
    }

    /// The lot as commissioned at `commissionSeq`.
    func info(commissionSeq: UInt64) -> LotInfo {
        LotInfo(gtin: gtin, lot: lot, expiry: expiry, product: product, commissionSeq: commissionSeq)
    }

    /// True when `body` commissions this lot (the same GTIN, lot, expiry and product).
    func isLot(of body: CommissionBody) -> Bool {
        isLot(gtin: body.gtin, lot: body.lot, expiry: body.expiry, product: body.product)
    }

    private func isLot(gtin: String, lot: String, expiry: String, product: ProductMaster) -> Bool {
        self.gtin == gtin && self.lot == lot && self.expiry == expiry && self.product == product
    }

    static func == (lhs: LotBox, rhs: LotBox) -> Bool {
        lhs === rhs || lhs.isLot(gtin: rhs.gtin, lot: rhs.lot, expiry: rhs.expiry, product: rhs.product)
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(gtin)
        hasher.combine(lot)
        hasher.combine(expiry)
        hasher.combine(product)
    }
}

/// A shipment not yet received.
public struct OpenShipment: Sendable, Hashable {
    public var hash: String
    public var seq: UInt64
    public var kind: CustodyBodyType
    public var from: String
    public var to: String
    public var items: [UnitID]

    public init(hash: String, seq: UInt64, kind: CustodyBodyType, from: String, to: String, items: [UnitID]) {
        self.hash = hash
        self.seq = seq
        self.kind = kind
        self.from = from
        self.to = to
        self.items = items
    }
}

/// Read access to committed custody state kept elsewhere (the SQLite index), under `CustodyState`'s overlay.
public protocol CustodyBacking: Sendable {
    /// The committed record of `id`, with its children, or nil.
    func unit(_ id: UnitID) -> UnitRecord?
    /// The committed open shipment with entry hash `hash`, or nil.
    func shipment(_ hash: String) -> OpenShipment?
    /// The entry hash of the transfer or return at `seq`, or nil.
    func transferHash(_ seq: UInt64) -> String?
}

/// One unit touched by one entry: the index's unit-event row, with the unit's state after the entry.
public struct UnitEvent: Sendable, Hashable {
    public var unit: UnitID
    public var seq: UInt64
    /// The top-level container through which the entry reached the unit, or nil when it named the unit.
    public var via: UnitID?
    public var owner: String
    public var possessor: String?
    public var state: String
    public var parent: UnitID?
}

/// A unit put into (`parent`) or taken out of (`parent == nil`) a container by entry `seq`.
public struct ContainmentChange: Sendable, Hashable {
    public var child: UnitID
    public var parent: UnitID?
    public var seq: UInt64
}

/// The custody state of every identifier, built by replaying custody entries; checks the rules.
///
/// `apply` checks an entry against the current state and, only if every rule holds, applies it. A batch is
/// made atomic with `beginBatch` / `rollbackBatch` / `commitBatch`, which journal what changed.
///
/// Without a backing store the state lives in memory (`units`, `shipments`, `transferHashes` hold all of
/// it). With one, those dictionaries are an overlay of changes over the committed state; `takeChanges()`
/// hands them to the store after a durable append and empties the overlay.
public struct CustodyState: Sendable {
    /// Units changed since the last `takeChanges()` (without a backing store: every unit).
    public private(set) var units = UnitTable()
    /// Open shipments added since the last `takeChanges()` (without a backing store: every open shipment).
    public private(set) var shipments: [String: OpenShipment] = [:]
    /// Shipments received since the last `takeChanges()` that the backing store may still hold.
    public private(set) var closedShipments: Set<String> = []
    /// Entry hash (hex) of each transfer or return, by sequence number (overlay, as `units`).
    public private(set) var transferHashes: [UInt64: String] = [:]
    /// Unit events of the applied entries, when `recordsEvents` (for the index).
    public private(set) var events: [UnitEvent] = []
    /// Containment changes of the applied entries, when `recordsEvents` (for the index).
    public private(set) var containmentChanges: [ContainmentChange] = []
    /// The applied entries that keep an EPCIS event with its hash, when `recordsEvents` (for the index).
    public private(set) var epcisEvents: [EPCISEventRecord] = []
    /// Whether `apply` records `events`.
    public var recordsEvents: Bool
    let backing: (any CustodyBacking)?

    private enum Change: Sendable {
        case unit(UnitID, UnitRecord?)
        case shipment(String, OpenShipment?, wasClosed: Bool)
        case transferHash(UInt64, String?)
    }
    private var journal: [Change]?
    /// Whether `units` was empty at `beginBatch` (the ledger's overlay always is, after `takeChanges`): units
    /// are then not journaled, and a rollback empties `units` again; a large batch keeps no copy of its records.
    private var unitsEmptyAtBatchStart = false
    private var eventsAtBatchStart = 0
    private var containmentAtBatchStart = 0
    private var epcisEventsAtBatchStart = 0
    /// The identifiers the entry being applied names as moved items (for `UnitEvent.via`).
    private var currentItems: Set<UnitID> = []
    /// The lot of the last commission applied: the units of a commission of the same GTIN, lot, expiry and
    /// product point to it too (consecutive commissions of one lot share one box and one copy of its strings, and
    /// a commission of one serial allocates nothing for its lot).
    private var lastLot: LotBox?

    /// An empty in-memory state, or an overlay over `backing`.
    public init(backing: (any CustodyBacking)? = nil, recordsEvents: Bool = false) {
        self.backing = backing
        self.recordsEvents = recordsEvents
    }

    // MARK: Batches

    /// Starts journaling changes so they can be undone.
    public mutating func beginBatch() {
        journal = []
        unitsEmptyAtBatchStart = units.isEmpty
        eventsAtBatchStart = events.count
        containmentAtBatchStart = containmentChanges.count
        epcisEventsAtBatchStart = epcisEvents.count
    }
    /// Keeps the changes since `beginBatch`.
    public mutating func commitBatch() {
        journal = nil
        unitsEmptyAtBatchStart = false
    }
    /// Undoes every change since `beginBatch`.
    public mutating func rollbackBatch() {
        for change in (journal ?? []).reversed() {
            switch change {
            case .unit(let id, let old): units[id] = old
            case .shipment(let hash, let old, let wasClosed):
                shipments[hash] = old
                if wasClosed { closedShipments.insert(hash) } else { closedShipments.remove(hash) }
            case .transferHash(let seq, let old): transferHashes[seq] = old
            }
        }
        if journal != nil && unitsEmptyAtBatchStart { units.removeAll() }
        unitsEmptyAtBatchStart = false
        if events.count > eventsAtBatchStart { events.removeSubrange(eventsAtBatchStart...) }
        if containmentChanges.count > containmentAtBatchStart { containmentChanges.removeSubrange(containmentAtBatchStart...) }
        if epcisEvents.count > epcisEventsAtBatchStart { epcisEvents.removeSubrange(epcisEventsAtBatchStart...) }
        journal = nil
    }

    /// The unit events, containment changes and kept EPCIS events recorded since the last call, leaving the
    /// state itself in place (a bulk rebuild streams these out while the whole state stays in memory).
    public mutating func takeEvents() -> (events: [UnitEvent], containment: [ContainmentChange], epcisEvents: [EPCISEventRecord]) {
        defer {
            events = []
            containmentChanges = []
            epcisEvents = []
        }
        return (events, containmentChanges, epcisEvents)
    }

    /// The changes since the last call, for the backing store to persist; empties the overlay.
    public mutating func takeChanges() -> Changes {
        let records = units.removeAllValues()
        defer {
            shipments = [:]
            closedShipments = []
            transferHashes = [:]
            events = []
            containmentChanges = []
            epcisEvents = []
        }
        return Changes(units: records, openShipments: Array(shipments.values), closedShipments: closedShipments,
                       transferHashes: transferHashes, events: events, containment: containmentChanges, epcisEvents: epcisEvents)
    }

    /// What changed since the last `takeChanges()`.
    public struct Changes: Sendable {
        public var units: [UnitRecord]
        public var openShipments: [OpenShipment]
        public var closedShipments: Set<String>
        /// Entry hashes (hex) of the transfers and returns applied, by sequence number.
        public var transferHashes: [UInt64: String]
        public var events: [UnitEvent]
        public var containment: [ContainmentChange]
        /// The entries that keep an EPCIS event with its hash.
        public var epcisEvents: [EPCISEventRecord]
    }

    private mutating func contain(_ child: UnitID, in parent: UnitID?, seq: UInt64) {
        if recordsEvents { containmentChanges.append(ContainmentChange(child: child, parent: parent, seq: seq)) }
    }

    /// The record of `id`: changed in the overlay, else committed in the backing store.
    public func record(_ id: UnitID) -> UnitRecord? {
        if let changed = units[id] { return changed }
        return backing?.unit(id)
    }

    /// The open shipment with entry hash `hash`.
    public func openShipment(_ hash: String) -> OpenShipment? {
        if closedShipments.contains(hash) { return nil }
        if let open = shipments[hash] { return open }
        return backing?.shipment(hash)
    }

    /// The entry hash (hex) of the transfer or return at `seq`.
    public func transferHash(_ seq: UInt64) -> String? {
        transferHashes[seq] ?? backing?.transferHash(seq)
    }

    /// Stores `record` (moved into the table, not copied), journaling the record it replaces and recording its
    /// unit event. Loops that store many records drain their array in order (`reverseByMoving()`, then `popLast()`), so
    /// each record moves into the table rather than being copied (a copy retains each of its strings and collections).
    private mutating func set(_ record: consuming UnitRecord, seq: UInt64) {
        if !unitsEmptyAtBatchStart { journal?.append(.unit(record.id, units[record.id])) }
        if recordsEvents {
            // Reached through a container named in the entry: the nearest such ancestor.
            var via: UnitID?
            if !currentItems.contains(record.id) {
                var next = record.parent
                var depth = 0
                while let parent = next, depth < 64 {
                    if currentItems.contains(parent) { via = parent; break }
                    next = self.record(parent)?.parent
                    depth += 1
                }
            }
            events.append(UnitEvent(unit: record.id, seq: seq, via: via, owner: record.owner, possessor: record.possessor,
                                    state: record.stateName, parent: record.parent))
        }
        // After the event: its walk up reads only ancestors, never the record itself.
        units.store(record)
    }

    private mutating func setShipment(_ hash: String, _ shipment: OpenShipment?) {
        journal?.append(.shipment(hash, shipments[hash], wasClosed: closedShipments.contains(hash)))
        if let shipment {
            shipments[hash] = shipment
            closedShipments.remove(hash)
        } else {
            shipments[hash] = nil
            if backing != nil { closedShipments.insert(hash) }
        }
    }

    private mutating func setTransferHash(_ seq: UInt64, _ hash: String) {
        journal?.append(.transferHash(seq, transferHashes[seq]))
        transferHashes[seq] = hash
    }

    // MARK: Queries

    /// The unit and everything inside it, depth first (the unit first; siblings in no particular order).
    public func descendants(of id: UnitID) -> [UnitID] {
        var out: [UnitID] = []
        var stack = [id]
        while let next = stack.popLast() {
            out.append(next)
            if let record = self.record(next), !record.children.isEmpty { stack.append(contentsOf: record.children) }
        }
        return out
    }

    /// The records of `id` and everything inside it, in `descendants(of:)`'s order, one lookup each; an
    /// identifier without a record is left out, and the first such is `missing`, with the count of records before it.
    private func walk(_ id: UnitID) -> (records: [UnitRecord], missing: (id: UnitID, position: Int)?) {
        var records: [UnitRecord] = []
        var missing: (id: UnitID, position: Int)?
        var stack = [id]
        while let next = stack.popLast() {
            guard let record = self.record(next) else {
                if missing == nil { missing = (next, records.count) }
                continue
            }
            if !record.children.isEmpty { stack.append(contentsOf: record.children) }
            records.append(record)
        }
        return (records, missing)
    }

    /// The chain of parents above `id`, nearest first.
    public func ancestors(of id: UnitID) -> [UnitID] {
        var out: [UnitID] = []
        var current = self.record(id)?.parent
        while let parent = current, !out.contains(parent) {
            out.append(parent)
            current = self.record(parent)?.parent
        }
        return out
    }

    /// TI product lines for shipping `items`: packages (SGTINs without contents) grouped by GTIN and lot.
    public func transactionProducts(for items: [UnitID]) -> [TransactionProduct] {
        Self.products(of: items.flatMap { descendants(of: $0) }.compactMap { record($0) })
    }

    /// TI product lines of `records` (an item and everything inside it): packages grouped by GTIN and lot.
    static func products(of records: [UnitRecord]) -> [TransactionProduct] {
        var counts: [String: (LotBox, Int64)] = [:]
        // Units of one commission share one lot and mostly come together: count runs of the same lot, then
        // group the runs by GTIN and lot.
        var run: (lot: LotBox, count: Int64)?
        for record in records where record.children.isEmpty {
            guard let box = record.lotBox else { continue }
            if let current = run, current.lot === box {
                run?.count += 1
                continue
            }
            if let run { counts[run.lot.gtin + "\u{1}" + run.lot.lot, default: (run.lot, 0)].1 += run.count }
            run = (box, 1)
        }
        if let run { counts[run.lot.gtin + "\u{1}" + run.lot.lot, default: (run.lot, 0)].1 += run.count }
        return counts.values.map { TransactionProduct(gtin: $0.0.gtin, master: $0.0.product, lot: $0.0.lot, expiry: $0.0.expiry, quantity: $0.1) }
            .sorted()
    }

    /// TH for shipping `items`: hashes of every prior transfer or return of them or their contents, in ledger order.
    public func transactionHistory(for items: [UnitID]) -> [String] {
        history(of: items.flatMap { descendants(of: $0) }.compactMap { record($0) })
    }

    /// TH of `records`: the hashes of their transfers and returns, in ledger order.
    func history(of records: [UnitRecord]) -> [String] {
        var seqs = Set<UInt64>()
        for record in records { seqs.formUnion(record.transfers) }
        return seqs.sorted().compactMap { transferHash($0) }
    }

    /// Fills in a transfer's TI products and TH from the state, as the ledger will check them.
    public func completing(_ body: TransferBody) -> TransferBody {
        var body = body
        if body.products.isEmpty { body.products = transactionProducts(for: body.items) }
        if body.history.isEmpty { body.history = transactionHistory(for: body.items) }
        return body
    }

    // MARK: Rules

    /// Checks a custody entry by `signer` against the rules and, if it passes, applies it.
    ///
    /// - Parameters:
    ///   - entry: the entry (its `seq` and `appendedAt` are used).
    ///   - hash: the entry hash, the shipment's key for transfers, ships and returns.
    ///   - body: the parsed body.
    ///   - registry: the registry at this entry (partner roles).
    public mutating func apply(_ body: CustodyBody, entry: Entry, hash: [UInt8], registry: Registry) throws(CustodyError) {
        try apply(body, entry: entry, hash: hash, registry: registry, signerRole: registry.partners[entry.submission.signer]?.role)
    }

    /// `apply(_:entry:hash:registry:)` with the signer's role already looked up in `registry` (nil when the signer
    /// is not a registered partner), for a caller that remembers it between entries (`RegistryLookupCache`).
    public mutating func apply(_ body: CustodyBody, entry: Entry, hash: [UInt8], registry: Registry, signerRole: PartnerRole?) throws(CustodyError) {
        try apply(body, entry: entry, hashHex: { Hex.encode(hash) }, registry: registry, signerRole: signerRole)
    }

    /// `apply(_:entry:hash:registry:signerRole:)` with the entry hash as an inline digest (the verifier's form: no
    /// array is made for it, and its hex only for the entries that key a shipment).
    public mutating func apply(_ body: CustodyBody, entry: Entry, hash: Digest32, registry: Registry, signerRole: PartnerRole?) throws(CustodyError) {
        try apply(body, entry: entry, hashHex: { Hex.encode(hash) }, registry: registry, signerRole: signerRole)
    }

    private mutating func apply(_ body: CustodyBody, entry: Entry, hashHex: () -> String, registry: Registry, signerRole: PartnerRole?) throws(CustodyError) {
        let signer = entry.submission.signer
        switch body {
        case .transfer(let body): currentItems = Set(body.items)
        case .ship(let body): currentItems = Set(body.items)
        case .return(let body): currentItems = Set(body.items)
        case .decommission(let body): currentItems = Set(body.items)
        case .receive(let body): currentItems = Set(openShipment(body.shipment)?.items ?? [])
        default: if !currentItems.isEmpty { currentItems = [] }
        }
        guard let role = signerRole else {
            throw CustodyError(.unknownPartner, "signer \(signer) is not a registered partner")
        }
        switch body {
        case .commission(let body): try commission(body, signer: signer, role: role, seq: entry.seq)
        case .aggregate(let body): try aggregate(body, signer: signer, seq: entry.seq)
        case .disaggregate(let body): try disaggregate(body, signer: signer, seq: entry.seq)
        case .transfer(let body): try transfer(body, signer: signer, entry: entry, hash: hashHex(), registry: registry)
        case .ship(let body): try ship(body, signer: signer, seq: entry.seq, hash: hashHex(), registry: registry)
        case .receive(let body): try receive(body, signer: signer, seq: entry.seq)
        case .return(let body): try returnItems(body, signer: signer, seq: entry.seq, hash: hashHex(), registry: registry)
        case .decommission(let body): try decommission(body, signer: signer, role: role, seq: entry.seq)
        }
        if recordsEvents, let eventHash = body.epcis?.eventHash { epcisEvents.append(EPCISEventRecord(eventHash: eventHash, seq: entry.seq)) }
    }

    private func existing(_ id: UnitID) throws(CustodyError) -> UnitRecord {
        guard let record = self.record(id) else { throw Self.neverCommissioned(id) }
        return record
    }

    private static func neverCommissioned(_ id: UnitID) -> CustodyError {
        CustodyError(.unknownUnit, "\(id) was never commissioned", unit: id.canonical)
    }

    private func requireActive(_ record: UnitRecord) throws(CustodyError) {
        if case .decommissioned(let reason, let seq) = record.status {
            throw CustodyError(.decommissioned, "\(record.id) was decommissioned (\(reason.rawValue)) at entry \(seq); nothing moves after decommissioning",
                               unit: record.id.canonical, conflictingSeq: seq)
        }
    }

    private func requireHeld(_ record: UnitRecord, by signer: String) throws(CustodyError) {
        try requireActive(record)
        if let shipment = record.shipment {
            throw CustodyError(.inTransit, "\(record.id) is in transit in shipment \(shipment.prefix(16))… (entry \(openShipment(shipment)?.seq ?? 0)) and must be received first",
                               unit: record.id.canonical, conflictingSeq: openShipment(shipment)?.seq)
        }
        guard record.possessor == signer else {
            throw CustodyError(.notPossessor, "\(record.id) is held by \(record.possessor ?? "nobody"), not by \(signer)",
                               unit: record.id.canonical, conflictingSeq: record.ownerSince)
        }
    }

    private func requireOwned(_ record: UnitRecord, by signer: String) throws(CustodyError) {
        guard record.owner == signer else {
            throw CustodyError(.notOwner, "\(record.id) is owned by \(record.owner) (since entry \(record.ownerSince)), not by \(signer)",
                               unit: record.id.canonical, conflictingSeq: record.ownerSince)
        }
    }

    private func requireTopLevel(_ record: UnitRecord) throws(CustodyError) {
        if let parent = record.parent {
            throw CustodyError(.insideContainer, "\(record.id) is inside \(parent) (packed at entry \(record.parentSince ?? 0)); ship the container or unpack it first",
                               unit: record.id.canonical, conflictingSeq: record.parentSince)
        }
    }

    /// `signer` is the partner's GLN (the key of `Registry.partners`).
    private mutating func commission(_ body: CommissionBody, signer: String, role: PartnerRole, seq: UInt64) throws(CustodyError) {
        guard role == .manufacturer || role == .repackager else {
            throw CustodyError(.notManufacturer, "\(signer) is a \(role.rawValue); only a manufacturer or repackager commissions serials")
        }
        if let ndc = body.product.ndc, !Self.ndcMatches(ndc, gtin: body.gtin) {
            throw CustodyError(.badBody, "product.ndc \(ndc) is not the NDC embedded in GTIN \(body.gtin) (indicator, 03, NDC10, check digit)")
        }
        // The identifiers are `body.units`, made one at a time rather than into an array.
        for serial in body.serials {
            let id = UnitID.sgtin(gtin: body.gtin, serial: serial)
            if let record = self.record(id) {
                throw CustodyError(.alreadyCommissioned, "\(id) was already commissioned at entry \(record.createdSeq)",
                                   unit: id.canonical, conflictingSeq: record.createdSeq)
            }
        }
        guard let first = body.serials.first else { return }
        let lot: LotBox
        if let last = lastLot, last.isLot(of: body) {
            lot = last
        } else {
            lot = LotBox(gtin: body.gtin, lot: body.lot, expiry: body.expiry, product: body.product)
            lastLot = lot
        }
        // Copies of one record share its lot.
        var record = UnitRecord(id: .sgtin(gtin: lot.gtin, serial: first), createdSeq: seq, lotBox: lot, owner: signer, possessor: signer, ownerSince: seq)
        for serial in body.serials {
            record.id = .sgtin(gtin: lot.gtin, serial: serial)
            set(record, seq: seq)
        }
    }

    /// True when `ndc` is a hyphenated NDC10 (4-4-2, 5-3-2 or 5-4-1 digits) embedded in `gtin` (indicator, 03,
    /// NDC10, check digit). Compared byte by byte: a valid GTIN is ASCII, so anything else does not match.
    static func ndcMatches(_ ndc: String, gtin: String) -> Bool {
        let ndc = ndc.utf8, gtin = Array(gtin.utf8)
        guard gtin.count == 14, gtin[1] == UInt8(ascii: "0"), gtin[2] == UInt8(ascii: "3") else { return false }
        var segments: [Int] = [0]
        var digits = 3
        for byte in ndc {
            if byte == UInt8(ascii: "-") {
                segments.append(0)
                continue
            }
            guard digits < 13, byte == gtin[digits] else { return false }
            digits += 1
            segments[segments.count - 1] += 1
        }
        return digits == 13 && [[4, 4, 2], [5, 3, 2], [5, 4, 1]].contains(segments)
    }

    private mutating func aggregate(_ body: AggregateBody, signer: String, seq: UInt64) throws(CustodyError) {
        var parent: UnitRecord
        if let record = self.record(body.parent) {
            try requireHeld(record, by: signer)
            parent = record
        } else if body.parent.isSSCC {
            // A new logistic unit belongs to the owner of what goes in it (a 3PL builds pallets of its client's goods).
            let owner = self.record(body.children[0])?.owner ?? signer
            parent = UnitRecord(id: body.parent, createdSeq: seq, lot: nil, owner: owner, possessor: signer, ownerSince: seq)
        } else {
            throw CustodyError(.unknownUnit, "parent \(body.parent) was never commissioned (only an SSCC comes into existence by packing)",
                               unit: body.parent.canonical)
        }
        let above = Set(ancestors(of: body.parent) + [body.parent])
        var children: [UnitRecord] = []
        for id in body.children {
            let child = try existing(id)
            try requireHeld(child, by: signer)
            if let current = child.parent {
                throw CustodyError(.alreadyInParent, "\(id) is already inside \(current) (packed at entry \(child.parentSince ?? 0)); a child is in at most one parent",
                                   unit: id.canonical, conflictingSeq: child.parentSince)
            }
            if above.contains(id) {
                throw CustodyError(.containmentCycle, "\(id) cannot go inside \(body.parent): it contains it", unit: id.canonical)
            }
            guard child.owner == parent.owner else {
                throw CustodyError(.notOwner, "\(id) is owned by \(child.owner) but \(body.parent) by \(parent.owner); a container has one owner",
                                   unit: id.canonical, conflictingSeq: child.ownerSince)
            }
            children.append(child)
        }
        children.reverseByMoving()
        while var child = children.popLast() {
            child.parent = body.parent
            child.parentSince = seq
            contain(child.id, in: body.parent, seq: seq)
            parent.children.insert(child.id)
            set(child, seq: seq)
        }
        set(parent, seq: seq)
    }

    private mutating func disaggregate(_ body: DisaggregateBody, signer: String, seq: UInt64) throws(CustodyError) {
        var parent = try existing(body.parent)
        try requireHeld(parent, by: signer)
        let ids = body.children ?? parent.children.sorted()
        for id in ids where !parent.children.contains(id) {
            throw CustodyError(.notInParent, "\(id) is not inside \(body.parent)", unit: id.canonical)
        }
        for id in ids {
            var child = try existing(id)
            child.parent = nil
            child.parentSince = nil
            contain(id, in: nil, seq: seq)
            parent.children.remove(id)
            set(child, seq: seq)
        }
        set(parent, seq: seq)
    }

    /// Checks that `signer` may move `items` (top level, active, held by `holder`, not in transit; owned by
    /// the signer when `owned`).
    private func movable(_ items: [UnitID], signer: String, holder: String? = nil, owned: Bool) throws(CustodyError) -> [UnitRecord] {
        var all: [UnitRecord] = []
        for item in items {
            let (records, missing) = walk(item)
            if missing?.position == 0 { throw Self.neverCommissioned(item) }
            try requireTopLevel(records[0])
            for record in records[..<(missing?.position ?? records.count)] {
                try requireActive(record)
                if owned { try requireOwned(record, by: signer) }
                try requireHeld(record, by: holder ?? signer)
            }
            if let missing { throw Self.neverCommissioned(missing.id) }
            if all.isEmpty { all = records } else { all.append(contentsOf: records) }
        }
        return all
    }

    private func registered(_ gln: String, _ registry: Registry, as what: String) throws(CustodyError) -> Partner {
        guard let partner = registry.partners[gln] else {
            throw CustodyError(.unknownPartner, "\(what) \(gln) is not a registered partner")
        }
        return partner
    }

    private mutating func transfer(_ body: TransferBody, signer: String, entry: Entry, hash: String, registry: Registry) throws(CustodyError) {
        guard body.seller.gln == signer else {
            throw CustodyError(.sellerMismatch, "seller.gln \(body.seller.gln) is not the signer \(signer): only the owner sells")
        }
        let buyer = try registered(body.buyer.gln, registry, as: "buyer")
        guard buyer.role != .thirdPartyLogistics else {
            throw CustodyError(.wrongRole, "buyer \(buyer.gln) is a 3PL: a 3PL takes possession, never ownership (name it in \"via\")")
        }
        guard buyer.gln != signer else { throw CustodyError(.wrongRole, "buyer and seller are both \(signer)") }
        if let via = body.via {
            let logistics = try registered(via, registry, as: "via")
            guard logistics.role == .thirdPartyLogistics else {
                throw CustodyError(.wrongRole, "via \(via) is a \(logistics.role.rawValue), not a 3PL")
            }
        }
        // Goods the seller keeps at the 3PL named in `via` are sold where they lie: the 3PL ships them on later.
        let heldAtLogistics = body.via != nil && body.items.allSatisfy { record($0)?.possessor == body.via }
        var records = try movable(body.items, signer: signer, holder: heldAtLogistics ? body.via : nil, owned: true)
        // Expiry is a calendar date, good through its end: compare it with the transaction's own local date
        // (the date-time's first ten characters), not with the UTC instant.
        let transactionTime = Timestamp.parse(String(body.transactionDate.prefix(10))) ?? entry.appendedAt
        if body.expiredOverride == nil {
            // Parsed once for each run of units sharing a lot.
            var parsed: (lot: LotBox, expiry: Int64?)?
            for record in records {
                guard let box = record.lotBox else { continue }
                if parsed?.lot !== box { parsed = (box, Timestamp.parse(box.expiry)) }
                guard let expiry = parsed?.expiry else { continue }
                if expiry + 86_400_000 <= transactionTime {
                    throw CustodyError(.expiredNeedsOverride, "\(record.id) expired on \(box.expiry), before the transaction date; shipping it needs \"expiredOverride\" with a reason",
                                       unit: record.id.canonical, conflictingSeq: record.lotSeq)
                }
            }
        }
        // `records` already holds every item and everything inside it: no second walk for TI and TH.
        let products = Self.products(of: records)
        // A body made by `completing` lists its products in order already: sorting it again would be wasted.
        guard (body.products.isSorted ? body.products : body.products.sorted()) == products else {
            throw CustodyError(.transactionInfoMismatch, "products (TI) do not match what was commissioned for these items; expected \(JSONValue.array(products.map(\.json)).canonicalString)")
        }
        let history = history(of: records)
        guard body.history == history else {
            throw CustodyError(.historyMismatch, "history (TH) must list the \(history.count) prior transfers of these products in ledger order: \(history)")
        }
        records.reverseByMoving()
        while var record = records.popLast() {
            record.owner = body.buyer.gln
            record.ownerSince = entry.seq
            record.lastSeller = signer
            if !heldAtLogistics {
                record.possessor = nil
                record.shipment = hash
            }
            record.transfers.append(entry.seq)
            set(record, seq: entry.seq)
        }
        setTransferHash(entry.seq, hash)
        if !heldAtLogistics {
            setShipment(hash, OpenShipment(hash: hash, seq: entry.seq, kind: .transfer, from: signer, to: body.via ?? body.buyer.gln, items: body.items))
        }
    }

    private mutating func ship(_ body: ShipBody, signer: String, seq: UInt64, hash: String, registry: Registry) throws(CustodyError) {
        _ = try registered(body.to, registry, as: "to")
        guard body.to != signer else { throw CustodyError(.wrongRole, "a shipment from \(signer) to itself") }
        var records = try movable(body.items, signer: signer, owned: false)
        records.reverseByMoving()
        while var record = records.popLast() {
            record.possessor = nil
            record.shipment = hash
            set(record, seq: seq)
        }
        setShipment(hash, OpenShipment(hash: hash, seq: seq, kind: .ship, from: signer, to: body.to, items: body.items))
    }

    private mutating func receive(_ body: ReceiveBody, signer: String, seq: UInt64) throws(CustodyError) {
        guard let shipment = openShipment(body.shipment) else {
            throw CustodyError(.noOpenShipment, "no open shipment with entry hash \(body.shipment): never shipped, or already received")
        }
        guard shipment.to == signer else {
            throw CustodyError(.notReceiver, "shipment of entry \(shipment.seq) goes to \(shipment.to), not to \(signer)", conflictingSeq: shipment.seq)
        }
        for item in shipment.items {
            var records = walk(item).records
            records.reverseByMoving()
            while var record = records.popLast() {
                guard record.shipment == body.shipment else { continue }
                record.shipment = nil
                if case .active = record.status { record.possessor = signer }
                set(record, seq: seq)
            }
        }
        setShipment(body.shipment, nil)
    }

    private mutating func returnItems(_ body: ReturnBody, signer: String, seq: UInt64, hash: String, registry: Registry) throws(CustodyError) {
        _ = try registered(body.to, registry, as: "to")
        var records = try movable(body.items, signer: signer, owned: true)
        for record in records where record.lastSeller != body.to {
            throw CustodyError(.returnNotToSeller, "\(record.id) was sold to \(signer) by \(record.lastSeller ?? "nobody (never transferred)"), so it returns there, not to \(body.to)",
                               unit: record.id.canonical, conflictingSeq: record.ownerSince)
        }
        records.reverseByMoving()
        while var record = records.popLast() {
            record.owner = body.to
            record.ownerSince = seq
            record.lastSeller = signer
            record.possessor = nil
            record.shipment = hash
            record.transfers.append(seq)
            set(record, seq: seq)
        }
        setTransferHash(seq, hash)
        setShipment(hash, OpenShipment(hash: hash, seq: seq, kind: .return, from: signer, to: body.to, items: body.items))
    }

    private mutating func decommission(_ body: DecommissionBody, signer: String, role: PartnerRole, seq: UInt64) throws(CustodyError) {
        // Reasons a holder or a receiver may report for goods it does not own; the rest are the owner's acts.
        let lossReasons: Set<DecommissionReason> = [.stolen, .lost, .destroyed, .damaged]
        var affected: [UnitRecord] = []
        for item in body.items {
            let record = try existing(item)
            try requireActive(record)
            if body.reason == .dispensed, role != .dispenser {
                throw CustodyError(.wrongRole, "\(signer) is a \(role.rawValue); only a dispenser dispenses \(item) to a patient", unit: item.canonical)
            }
            if record.owner != signer, !lossReasons.contains(body.reason) {
                throw CustodyError(.notOwner, "\(item) is owned by \(record.owner); only the owner records \(body.reason.rawValue) (a holder may report it stolen, lost, destroyed or damaged)",
                                   unit: item.canonical, conflictingSeq: record.ownerSince)
            }
            guard record.owner == signer || record.possessor == signer || (record.shipment != nil && openShipment(record.shipment!)?.to == signer) else {
                throw CustodyError(.notOwner, "\(item) is owned by \(record.owner) and held by \(record.possessor ?? "a carrier"); \(signer) may not decommission it",
                                   unit: item.canonical, conflictingSeq: record.ownerSince)
            }
            if record.shipment != nil, !lossReasons.contains(body.reason) {
                throw CustodyError(.inTransit, "\(item) is in transit; only stolen, lost, destroyed or damaged apply before it is received",
                                   unit: item.canonical, conflictingSeq: openShipment(record.shipment!)?.seq)
            }
            let (records, missing) = walk(item)
            for inner in records[..<(missing?.position ?? records.count)] {
                try requireActive(inner)
                affected.append(inner)
            }
            if let missing { throw Self.neverCommissioned(missing.id) }
        }
        affected.reverseByMoving()
        while var record = affected.popLast() {
            record.status = .decommissioned(body.reason, seq: seq)
            if record.shipment != nil {
                // Lost in transit: it leaves the shipment, which no longer carries it.
                record.shipment = nil
                record.possessor = nil
            }
            set(record, seq: seq)
        }
        // A decommissioned item leaves its container (e.g. a unit dispensed from a case).
        for item in body.items {
            guard var record = self.record(item), let parentID = record.parent, var parent = self.record(parentID) else { continue }
            parent.children.remove(item)
            set(parent, seq: seq)
            record.parent = nil
            record.parentSince = nil
            contain(item, in: nil, seq: seq)
            set(record, seq: seq)
        }
    }
}

extension Array where Element: Comparable {
    /// True when no element is less than the one before it.
    var isSorted: Bool { indices.dropFirst().allSatisfy { !(self[$0] < self[$0 - 1]) } }
}

extension Array {
    /// Reverses the elements by moving them (`reverse()` swaps by copying, which retains what each element holds).
    mutating func reverseByMoving() { withUnsafeMutableBufferPointer { $0.reverse() } }
}
