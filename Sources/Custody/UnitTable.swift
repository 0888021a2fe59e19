/// The unit records of a `CustodyState`, by identifier: a hash table of small slots over an array of records.
///
/// The records live in fixed-size chunks, in the order they were first stored (a removal moves the last record
/// into the gap), so storing more adds a chunk and never moves (nor copies into fresh pages) the records already
/// stored; each identifier's hash is computed once, when its record is first stored, and kept beside it.
/// The table itself holds only 8-byte slots (linear probing, at most half full), so growing it moves neither
/// records nor identifiers and hashes no identifier again: a replay that stores millions of records pays for
/// each one's hash once. The hash (`UnitID.tableHash`) is keyed with a per-process secret, so crafted serials
/// cannot make the probes long. Identifiers are told apart by their bytes, as the scratch store and the index
/// key them (for valid identifiers, all ASCII, the same as `==`).
public struct UnitTable: Sendable, Equatable {
    /// Record `i` is `chunks[i / recordsPerChunk][i % recordsPerChunk]`; every chunk but the last is full.
    private var chunks: [[UnitRecord]] = []
    /// Records in a chunk: a power of two.
    private let recordsPerChunk: Int
    /// `log2(recordsPerChunk)`.
    private let chunkShift: Int
    /// The records per chunk of a table made by `init()`: about 800 KiB of records a chunk.
    package static let defaultRecordsPerChunk = 4096
    /// Record `i`'s `id.tableHash()`.
    private var hashes: [UInt64] = []
    /// 0 when empty, else the upper 32 bits of the hash (a tag that spares most comparisons of identifiers)
    /// and the record's index plus one; the count is a power of two (or 0).
    private var slots: [UInt64] = []

    /// An empty table.
    public init() { self.init(recordsPerChunk: Self.defaultRecordsPerChunk) }

    /// An empty table whose records are kept `recordsPerChunk` (rounded up to a power of two) to a chunk (tests
    /// use tiny chunks to cross many chunk boundaries).
    package init(recordsPerChunk: Int) {
        var shift = 0
        while 1 << shift < recordsPerChunk { shift += 1 }
        chunkShift = shift
        self.recordsPerChunk = 1 << shift
    }

    /// Records stored.
    public var count: Int { hashes.count }

    /// True when no record is stored.
    public var isEmpty: Bool { hashes.isEmpty }

    /// The records, each identifier once, in no particular order (a copy: `removeAllValues()` moves them out).
    public var values: [UnitRecord] { chunks.count == 1 ? chunks[0] : Array(chunks.joined()) }

    /// Every stored identifier once, in the order of `values`.
    public var keys: LazyMapSequence<FlattenSequence<[[UnitRecord]]>, UnitID> { chunks.joined().lazy.map(\.id) }

    /// Record `index`, read or changed in place (read as a borrow: reading its `id` copies no record).
    private subscript(record index: Int) -> UnitRecord {
        _read { yield chunks[index >> chunkShift][index & (recordsPerChunk - 1)] }
        _modify { yield &chunks[index >> chunkShift][index & (recordsPerChunk - 1)] }
    }

    /// The record of `id`; setting nil removes it.
    public subscript(id: UnitID) -> UnitRecord? {
        get {
            guard let index = find(id, hash: id.tableHash()).index else { return nil }
            return self[record: index]
        }
        set {
            if let newValue {
                store(newValue)
            } else {
                remove(id)
            }
        }
    }

    /// Stores `record` under its identifier, replacing any record it had.
    public mutating func store(_ record: consuming UnitRecord) {
        let hash = record.id.tableHash()
        let found = find(record.id, hash: hash)
        if let index = found.index {
            self[record: index] = consume record
            return
        }
        let index = count
        if (index + 1) * 2 > slots.count {
            grow(to: index + 1)
            slots[find(record.id, hash: hash).slot] = Self.slot(hash: hash, index: index)
        } else {
            slots[found.slot] = Self.slot(hash: hash, index: index)
        }
        if index & (recordsPerChunk - 1) == 0 {
            var chunk: [UnitRecord] = []
            chunk.reserveCapacity(recordsPerChunk)
            chunks.append(chunk)
        }
        chunks[chunks.count - 1].append(consume record)
        hashes.append(hash)
    }

    /// Makes room for `count` records without growing the slots again.
    public mutating func reserveCapacity(_ count: Int) {
        hashes.reserveCapacity(count)
        if count * 2 > slots.count { grow(to: count) }
    }

    /// Removes every record, keeping nothing allocated.
    public mutating func removeAll() {
        chunks = []
        hashes = []
        slots = []
    }

    /// Removes every record and returns them (moved, not copied), in no particular order.
    public mutating func removeAllValues() -> [UnitRecord] {
        var taken = chunks
        removeAll()
        var out: [UnitRecord] = []
        out.reserveCapacity(taken.reduce(0) { $0 + $1.count })
        for index in taken.indices {
            while let record = taken[index].popLast() { out.append(record) }
            taken[index] = []  // frees the drained chunk now: the records are held once, plus one chunk at most
        }
        return out
    }

    /// Equal when both hold the same records, whatever their order.
    public static func == (lhs: UnitTable, rhs: UnitTable) -> Bool {
        lhs.count == rhs.count && lhs.chunks.joined().allSatisfy { rhs[$0.id] == $0 }
    }

    // MARK: Slots

    private static func slot(hash: UInt64, index: Int) -> UInt64 {
        (hash & 0xFFFF_FFFF_0000_0000) | UInt64(index + 1)
    }

    /// Where a hash's probe starts.
    private static func home(_ hash: UInt64, _ mask: Int) -> Int { Int(truncatingIfNeeded: hash) & mask }

    /// The index of `id`'s record, or nil and the empty slot where it would go.
    private func find(_ id: UnitID, hash: UInt64) -> (index: Int?, slot: Int) {
        guard !slots.isEmpty else { return (nil, 0) }
        let mask = slots.count - 1
        let tag = hash >> 32
        var position = Self.home(hash, mask)
        return slots.withUnsafeBufferPointer { slots in
            while true {
                let slot = slots[position]
                if slot == 0 { return (nil, position) }
                let index = Int(truncatingIfNeeded: slot & 0xFFFF_FFFF) - 1
                if slot >> 32 == tag, self[record: index].id.sameBytes(id) { return (index, position) }
                position = (position + 1) & mask
            }
        }
    }

    /// The slot that holds record `index`.
    private func slotPosition(ofIndex index: Int) -> Int {
        let mask = slots.count - 1
        var position = Self.home(hashes[index], mask)
        while Int(truncatingIfNeeded: slots[position] & 0xFFFF_FFFF) - 1 != index { position = (position + 1) & mask }
        return position
    }

    /// Rebuilds the slots for at least `count` records from the kept hashes.
    private mutating func grow(to count: Int) {
        var size = max(16, slots.count)
        while size < count * 2 { size *= 2 }
        slots = [UInt64](repeating: 0, count: size)
        let mask = size - 1
        slots.withUnsafeMutableBufferPointer { slots in
            for (index, hash) in hashes.enumerated() {
                var position = Self.home(hash, mask)
                while slots[position] != 0 { position = (position + 1) & mask }
                slots[position] = Self.slot(hash: hash, index: index)
            }
        }
    }

    private mutating func remove(_ id: UnitID) {
        let found = find(id, hash: id.tableHash())
        guard let index = found.index else { return }
        let last = count - 1
        let hole = found.slot
        if index != last {
            // The last record moves into the gap: its slot now names `index`.
            let moved = slotPosition(ofIndex: last)
            slots[moved] = Self.slot(hash: hashes[last], index: index)
            hashes.swapAt(index, last)
            self[record: index] = chunks[chunks.count - 1].removeLast()
        } else {
            chunks[chunks.count - 1].removeLast()
        }
        if chunks[chunks.count - 1].isEmpty { chunks.removeLast() }
        hashes.removeLast()
        // Backward-shift deletion: slots after the hole whose home is at or before it move up into it.
        let mask = slots.count - 1
        slots[hole] = 0
        var empty = hole
        var position = (hole + 1) & mask
        while slots[position] != 0 {
            let home = Self.home(hashes[Int(truncatingIfNeeded: slots[position] & 0xFFFF_FFFF) - 1], mask)
            // The entry may fill `empty` when its home is not cyclically within (empty, position].
            if (position - home) & mask >= (position - empty) & mask {
                slots[empty] = slots[position]
                slots[position] = 0
                empty = position
            }
            position = (position + 1) & mask
        }
    }
}
