import LedgerCrypto
import LedgerFormat
#if canImport(Glibc)
import Glibc
#endif

/// The stored Merkle tree of the log: `merkle/level-KK` holds, as 32-byte records, the hash of every complete
/// subtree of 2^KK leaves in order, so any root or proof costs O(log n) positioned reads.
///
/// It is derived from the log (leaf = an entry's canonical bytes): `open` cuts it back or extends it to the
/// log's length, hashing the missing entries, so a crash between the log and this store loses nothing.
public final class MerkleStore: MerkleNodeSource {
    public let directory: String
    private var descriptors: [Int32] = []
    private var counts: [UInt64] = []
    /// The left sibling waiting for its right partner, per level.
    private var pending: [[UInt8]?] = []

    /// Leaves stored.
    public var size: UInt64 { counts.first ?? 0 }

    /// The Merkle directory of a data directory.
    public static func directory(in layout: StoreLayout) -> String { layout.directory + "/merkle" }

    /// Opens the store and brings it level with the log in `layout`, which holds `logSize` entries (the
    /// writer's head + 1). Only the writer (lock holder) may call this.
    public init(layout: StoreLayout, logSize: UInt64) throws {
        directory = Self.directory(in: layout)
        try POSIX.makeDirectory(directory)
        try openLevels()
        if size > logSize { try truncate(to: logSize) }
        if size < logSize {
            var leaves: [[UInt8]] = []
            try LedgerReader(layout: layout).forEach(fromSeq: size) { appended in
                leaves.append(Merkle.leafHash(appended.entry.canonicalBytes))
                if leaves.count >= 65_536 {
                    try append(leafHashes: leaves)
                    leaves.removeAll(keepingCapacity: true)
                }
                return true
            }
            try append(leafHashes: leaves)
        }
    }

    deinit { for fd in descriptors { close(fd) } }

    private func path(_ level: Int) -> String { MerkleFiles.path(directory, level) }

    private func openLevels() throws {
        var level = 0
        while level == 0 || POSIX.exists(path(level)) {
            let fd = try POSIX.open(path(level), O_RDWR | O_CREAT, 0o644)
            let bytes = try POSIX.fileSize(fd, path: path(level))
            descriptors.append(fd)
            counts.append(UInt64(bytes / 32))
            pending.append(nil)
            level += 1
        }
        try loadPending()
    }

    /// Rebuilds the pending left siblings from the stored counts (a level with an odd count has one).
    private func loadPending() throws {
        for level in counts.indices {
            pending[level] = counts[level] % 2 == 1 ? try node(level: level, index: counts[level] - 1) : nil
        }
    }

    private func truncate(to leaves: UInt64) throws {
        var count = leaves
        for level in counts.indices {
            guard ftruncate(descriptors[level], off_t(count * 32)) == 0 else { throw StoreIOError("truncate", path: path(level)) }
            counts[level] = count
            count /= 2
        }
        try loadPending()
    }

    /// Appends leaf hashes, computing every parent that becomes complete; one write per level.
    public func append(leafHashes: [[UInt8]]) throws {
        var buffers: [[UInt8]] = Array(repeating: [], count: counts.count)
        func add(_ hash: [UInt8], level: Int) {
            if level == counts.count {
                counts.append(0)
                pending.append(nil)
                buffers.append([])
            }
            buffers[level] += hash
            counts[level] += 1
            if let left = pending[level] {
                pending[level] = nil
                add(Merkle.nodeHash(left, hash), level: level + 1)
            } else {
                pending[level] = hash
            }
        }
        for leaf in leafHashes { add(leaf, level: 0) }
        for level in buffers.indices where !buffers[level].isEmpty {
            if level >= descriptors.count {
                descriptors.append(try POSIX.open(path(level), O_RDWR | O_CREAT, 0o644))
            }
            let offset = off_t((counts[level] - UInt64(buffers[level].count / 32)) * 32)
            let written = buffers[level].withUnsafeBytes { pwrite(descriptors[level], $0.baseAddress, $0.count, offset) }
            guard written == buffers[level].count else { throw StoreIOError("write", path: path(level)) }
        }
    }

    public func node(level: Int, index: UInt64) throws -> [UInt8] {
        guard level < counts.count, index < counts[level] else {
            throw StoreIOError("read", path: path(level), reason: "no node \(index) at level \(level) (the tree has \(size) leaves)")
        }
        return try MerkleFiles.readNode(descriptors[level], index, path: path(level))
    }

    /// The root of the tree of the first `size` leaves (default: all).
    public func root(size: UInt64? = nil) throws -> [UInt8] { try Merkle.root(of: self, size: size ?? self.size) }
}

/// Read-only access to the stored Merkle tree (for proofs while a writer may be appending).
public final class MerkleReader: MerkleNodeSource {
    let directory: String
    private var descriptors: [Int: Int32] = [:]

    public init(layout: StoreLayout) { directory = MerkleStore.directory(in: layout) }
    deinit { for fd in descriptors.values { close(fd) } }

    /// Leaves stored.
    public func size() throws -> UInt64 {
        let fd = try descriptor(0)
        return UInt64(try POSIX.fileSize(fd, path: MerkleFiles.path(directory, 0)) / 32)
    }

    private func descriptor(_ level: Int) throws -> Int32 {
        if let fd = descriptors[level] { return fd }
        let fd = try POSIX.open(MerkleFiles.path(directory, level), O_RDONLY)
        descriptors[level] = fd
        return fd
    }

    public func node(level: Int, index: UInt64) throws -> [UInt8] {
        try MerkleFiles.readNode(try descriptor(level), index, path: MerkleFiles.path(directory, level))
    }
}

/// The naming and reading of `merkle/level-KK` files, shared by the writer and the reader.
enum MerkleFiles {
    static func path(_ directory: String, _ level: Int) -> String {
        directory + "/level-" + (level < 10 ? "0" : "") + String(level)
    }

    /// Node `index` (32 bytes at `index × 32`) of an open level file.
    static func readNode(_ fd: Int32, _ index: UInt64, path: String) throws -> [UInt8] {
        var hash = [UInt8](repeating: 0, count: 32)
        let read = hash.withUnsafeMutableBytes { pread(fd, $0.baseAddress, 32, off_t(index * 32)) }
        guard read == 32 else { throw StoreIOError("read", path: path, reason: "no Merkle node \(index) in this level") }
        return hash
    }
}
