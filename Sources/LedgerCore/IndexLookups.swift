import Custody
import CustodyIndex
import Synchronization

/// The custody index as the ledger's custody rules read it: every lookup goes to the index, and identifiers
/// the index does not hold are remembered until the next commit, so a batch that creates many new serials
/// and SSCCs asks SQLite about each one once rather than at every rule that looks it up.
///
/// Only the ledger's single writer commits to the index, and it calls `committed()` as it commits (after the log
/// write, before the index commit, with no lookup in between), so a remembered absence is never stale while the
/// rules use it.
final class IndexLookups: CustodyBacking, Sendable {
    /// The persistent index.
    let index: CustodyIndex
    /// Identifiers the index did not hold when last asked (since the last commit).
    private let absent = Mutex<Set<UnitID>>([])
    /// The most absences remembered before the set is emptied (bounds memory on huge batches).
    static let absentLimit = 1_000_000

    init(index: CustodyIndex) { self.index = index }

    func unit(_ id: UnitID) -> UnitRecord? {
        if absent.withLock({ $0.contains(id) }) { return nil }
        if let record = index.unit(id) { return record }
        absent.withLock { set in
            if set.count >= Self.absentLimit { set.removeAll(keepingCapacity: true) }
            set.insert(id)
        }
        return nil
    }

    func shipment(_ hash: String) -> OpenShipment? { index.shipment(hash) }

    func transferHash(_ seq: UInt64) -> String? { index.transferHash(seq) }

    /// Forgets every remembered absence: the index is about to be committed to.
    func committed() { absent.withLock { $0.removeAll() } }

    /// How many absences are remembered (for tests).
    var absentCount: Int { absent.withLock { $0.count } }
}
