import Custody

/// The custody rules' replay within a memory budget, for a caller that walks the log itself (the index audit):
/// apply entries to `state` like any `CustodyState` and call `spillIfNeeded()` after each one; then read the
/// result back with `record`, `forEachUnit` and `openShipments`. `close()` removes the scratch file.
public final class BoundedReplay {
    /// The replayed state: an overlay over the scratch file.
    public var state: CustodyState
    let spill: ReplaySpill

    /// An empty replay that spills beyond `budget`.
    public init(budget: ReplayBudget) {
        spill = ReplaySpill(budget: budget)
        state = CustodyState(backing: spill)
    }

    deinit { spill.close() }

    /// Removes the scratch file, if one was made.
    public func close() { spill.close() }

    /// Times the replay spilled.
    public var spills: Int { spill.flushes }

    /// Spills the overlay when it has reached the budget; throws if the scratch file failed.
    public func spillIfNeeded() throws(ReplaySpillError) {
        _ = try spill.spillIfNeeded(&state)
    }

    /// The replayed record of `id`.
    public func record(_ id: UnitID) -> UnitRecord? { state.record(id) }

    /// Every replayed identifier once, in the scratch file's key order (SGTINs by GTIN and serial, then SSCCs)
    /// whether or not the replay spilled.
    public func forEachUnit(_ body: (UnitID) throws -> Void) throws {
        if spill.flushes == 0 {
            let ids = state.units.keys.map { (ReplayCodec.key($0), $0) }.sorted { $0.0.lexicographicallyPrecedes($1.0) }
            for (_, id) in ids { try body(id) }
            return
        }
        try spill.flush(state.takeChanges())
        try spill.forEachUnit(body)
    }

    /// The replayed open shipments, by hash (in transit: they do not grow with the log's history).
    public func openShipments() throws -> [String: OpenShipment] {
        if spill.flushes == 0 { return state.shipments }
        try spill.flush(state.takeChanges())
        return try spill.allShipments()
    }
}
