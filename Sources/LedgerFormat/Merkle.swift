import LedgerCrypto

/// Where the Merkle functions read complete subtree hashes from: `node(level:index:)` is the hash of leaves
/// `index·2^level ..< (index+1)·2^level` (level 0: leaf hashes).
public protocol MerkleNodeSource {
    func node(level: Int, index: UInt64) throws -> [UInt8]
}

/// The RFC 9162 §2.1 Merkle tree over the log's entries (the leaf of an entry is its canonical bytes):
/// hashes, roots, inclusion and consistency proofs from stored complete subtrees (O(log n) reads), and
/// their verification exactly as RFC 9162 §2.1.3.2 and §2.1.4.2 specify.
public enum Merkle {
    /// SHA-256 of the empty string: the root of the empty tree.
    public static let emptyRoot = SHA256.hash([UInt8]())

    /// SHA-256(0x00 ‖ leaf).
    public static func leafHash<Bytes: Collection>(_ leaf: Bytes) -> [UInt8] where Bytes.Element == UInt8 {
        SHA256.hash(prefix: 0x00, leaf)
    }

    /// SHA-256(0x01 ‖ left ‖ right).
    public static func nodeHash(_ left: [UInt8], _ right: [UInt8]) -> [UInt8] {
        SHA256.hash(prefix: 0x01, left, right)
    }

    /// SHA-256(0x00 ‖ leaf) as an inline digest (no allocation: the verifier's per-entry leaf hash).
    public static func leafDigest(_ leaf: UnsafeRawBufferPointer) -> Digest32 {
        SHA256.digest(prefix: 0x00, leaf)
    }

    /// SHA-256(0x01 ‖ left ‖ right) as an inline digest (no allocation).
    public static func nodeDigest(_ left: Digest32, _ right: Digest32) -> Digest32 {
        SHA256.digest(prefix: 0x01, left, right)
    }

    /// The largest power of two smaller than `n` (n ≥ 2).
    static func split(_ n: UInt64) -> UInt64 {
        var k: UInt64 = 1
        while k << 1 < n { k <<= 1 }
        return k
    }

    /// MTH(D[start:end]) from stored complete subtrees.
    public static func hash(of source: MerkleNodeSource, from start: UInt64, to end: UInt64) throws -> [UInt8] {
        let n = end - start
        if n & (n - 1) == 0, start % n == 0 {
            return try source.node(level: n.trailingZeroBitCount, index: start / n)
        }
        let k = split(n)
        return nodeHash(try hash(of: source, from: start, to: start + k), try hash(of: source, from: start + k, to: end))
    }

    /// The root of the tree of the first `size` leaves.
    public static func root(of source: MerkleNodeSource, size: UInt64) throws -> [UInt8] {
        size == 0 ? emptyRoot : try hash(of: source, from: 0, to: size)
    }

    /// PATH(index, D[size]): the inclusion proof of leaf `index` in the tree of `size` leaves.
    public static func inclusionProof(of source: MerkleNodeSource, index: UInt64, size: UInt64) throws -> [[UInt8]] {
        precondition(index < size, "leaf index beyond the tree")
        func path(_ m: UInt64, _ start: UInt64, _ end: UInt64) throws -> [[UInt8]] {
            let n = end - start
            if n == 1 { return [] }
            let k = split(n)
            if m < k { return try path(m, start, start + k) + [try hash(of: source, from: start + k, to: end)] }
            return try path(m - k, start + k, end) + [try hash(of: source, from: start, to: start + k)]
        }
        return try path(index, 0, size)
    }

    /// PROOF(first, D[second]): the consistency proof between the trees of `first` and `second` leaves.
    public static func consistencyProof(of source: MerkleNodeSource, first: UInt64, second: UInt64) throws -> [[UInt8]] {
        precondition(first <= second, "the first tree is larger than the second")
        if first == 0 || first == second { return [] }
        func subproof(_ m: UInt64, _ start: UInt64, _ end: UInt64, _ whole: Bool) throws -> [[UInt8]] {
            let n = end - start
            if m == n { return whole ? [] : [try hash(of: source, from: start, to: end)] }
            let k = split(n)
            if m <= k { return try subproof(m, start, start + k, whole) + [try hash(of: source, from: start + k, to: end)] }
            return try subproof(m - k, start + k, end, false) + [try hash(of: source, from: start, to: start + k)]
        }
        return try subproof(first, 0, second, true)
    }

    /// RFC 9162 §2.1.3.2: does `proof` show the leaf with `leafHash` at `index` in the tree of `size` with `root`?
    public static func verifyInclusion(leafHash: [UInt8], index: UInt64, size: UInt64, proof: [[UInt8]], root: [UInt8]) -> Bool {
        guard index < size else { return false }
        var fn = index
        var sn = size - 1
        var r = leafHash
        for p in proof {
            guard sn != 0 else { return false }
            if fn & 1 == 1 || fn == sn {
                r = nodeHash(p, r)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                r = nodeHash(r, p)
            }
            fn >>= 1
            sn >>= 1
        }
        return sn == 0 && r == root
    }

    /// RFC 9162 §2.1.4.2: does `proof` show the tree of `first` leaves with `firstRoot` is a prefix of the
    /// tree of `second` leaves with `secondRoot`? (Equal sizes need an empty proof and equal roots.)
    public static func verifyConsistency(first: UInt64, second: UInt64, firstRoot: [UInt8], secondRoot: [UInt8], proof: [[UInt8]]) -> Bool {
        guard first <= second else { return false }
        if first == second { return proof.isEmpty && firstRoot == secondRoot }
        if first == 0 { return proof.isEmpty }
        guard !proof.isEmpty else { return false }
        var path = proof
        if first & (first - 1) == 0 { path.insert(firstRoot, at: 0) }
        var fn = first - 1
        var sn = second - 1
        while fn & 1 == 1 {
            fn >>= 1
            sn >>= 1
        }
        var fr = path[0]
        var sr = path[0]
        for c in path.dropFirst() {
            guard sn != 0 else { return false }
            if fn & 1 == 1 || fn == sn {
                fr = nodeHash(c, fr)
                sr = nodeHash(c, sr)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                sr = nodeHash(sr, c)
            }
            fn >>= 1
            sn >>= 1
        }
        return fr == firstRoot && sr == secondRoot && sn == 0
    }
}

/// The right edge of a growing Merkle tree: computes the root of everything appended so far, in O(log n)
/// memory (the verifier's streaming root). Its hashes are inline digests: appending a leaf allocates nothing.
public struct MerkleFrontier: Sendable {
    /// Complete subtree hashes, largest first, with their levels.
    private var stack: [(level: Int, hash: Digest32)] = []
    /// Leaves appended.
    public private(set) var size: UInt64 = 0

    public init() {}

    /// Appends one leaf hash (32 bytes).
    public mutating func append(leafHash: [UInt8]) {
        guard let leaf = Digest32(bytes: leafHash) else { preconditionFailure("a leaf hash is 32 bytes, not \(leafHash.count)") }
        append(leaf: leaf)
    }

    /// Appends one leaf hash.
    public mutating func append(leaf: Digest32) {
        var node = (level: 0, hash: leaf)
        while let last = stack.last, last.level == node.level {
            stack.removeLast()
            node = (level: node.level + 1, hash: Merkle.nodeDigest(last.hash, node.hash))
        }
        stack.append(node)
        size += 1
    }

    /// The root of the tree of the leaves appended so far.
    public var root: [UInt8] { rootDigest?.bytes ?? Merkle.emptyRoot }

    /// The root as an inline digest; nil for the empty tree (whose root is `Merkle.emptyRoot`).
    private var rootDigest: Digest32? {
        guard var hash = stack.last?.hash else { return nil }
        for node in stack.dropLast().reversed() { hash = Merkle.nodeDigest(node.hash, hash) }
        return hash
    }
}
