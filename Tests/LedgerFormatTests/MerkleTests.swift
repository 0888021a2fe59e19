import Foundation
import LedgerCrypto
import LedgerFormat
import Testing

/// Published RFC 9162 / Certificate Transparency and C2SP signed-note vectors (Resources/merkle-vectors.json,
/// each with its source), and exhaustive proofs for every tree size up to 64.
struct MerkleVectors: Decodable {
    struct Root: Decodable { var size: UInt64; var rootHex: String }
    struct Inclusion: Decodable { var size: UInt64; var index: UInt64; var pathHex: [String] }
    struct Consistency: Decodable { var size1: UInt64; var size2: UInt64; var proofHex: [String] }
    struct Note: Decodable { var verifierKey: String; var signerKey: String?; var text: String; var signedNote: String; var valid: Bool }
    var leaves: [String]
    var roots: [Root]
    var emptyRootHex: String
    var inclusion: [Inclusion]
    var consistency: [Consistency]
    var signedNotes: [Note]

    static let loaded: MerkleVectors = {
        let url = Bundle.module.url(forResource: "merkle-vectors", withExtension: "json", subdirectory: "Resources")!
        return try! JSONDecoder().decode(MerkleVectors.self, from: Data(contentsOf: url))
    }()
}

/// A tree held in memory: every complete subtree computed naively from the leaves.
struct MemoryTree: MerkleNodeSource {
    var levels: [[[UInt8]]] = []

    init(leaves: [[UInt8]]) {
        var level = leaves.map { Merkle.leafHash($0) }
        while !level.isEmpty {
            levels.append(level)
            level = stride(from: 0, to: level.count - 1, by: 2).map { Merkle.nodeHash(level[$0], level[$0 + 1]) }
        }
    }

    func node(level: Int, index: UInt64) throws -> [UInt8] { levels[level][Int(index)] }

    /// RFC 9162 MTH computed directly by recursion over the leaves, independent of the stored-node shortcut.
    static func referenceRoot(_ leaves: ArraySlice<[UInt8]>) -> [UInt8] {
        if leaves.isEmpty { return SHA256.hash([UInt8]()) }
        if leaves.count == 1 { return Merkle.leafHash(leaves.first!) }
        var k = 1
        while k << 1 < leaves.count { k <<= 1 }
        return Merkle.nodeHash(referenceRoot(leaves.prefix(k)), referenceRoot(leaves.dropFirst(k)))
    }
}

func hex(_ text: String) -> [UInt8] { Hex.decode(text)! }

@Suite("RFC 9162 Merkle tree and C2SP signed notes")
struct MerkleTests {
    let vectors = MerkleVectors.loaded

    @Test("roots of the CT test tree for sizes 0 to 8")
    func roots() throws {
        let leaves = vectors.leaves.map(hex)
        #expect(Merkle.emptyRoot == hex(vectors.emptyRootHex))
        let tree = MemoryTree(leaves: leaves)
        for root in vectors.roots {
            #expect(try Merkle.root(of: tree, size: root.size) == hex(root.rootHex), "size \(root.size)")
            var frontier = MerkleFrontier()
            for leaf in leaves.prefix(Int(root.size)) { frontier.append(leafHash: Merkle.leafHash(leaf)) }
            #expect(frontier.root == hex(root.rootHex))
        }
        #expect(MerkleFrontier().root == Merkle.emptyRoot)
    }

    @Test("published inclusion proofs: generated equal and verify; altered ones fail")
    func inclusionVectors() throws {
        let tree = MemoryTree(leaves: vectors.leaves.map(hex))
        for vector in vectors.inclusion {
            let proof = try Merkle.inclusionProof(of: tree, index: vector.index, size: vector.size)
            #expect(proof == vector.pathHex.map(hex), "index \(vector.index) size \(vector.size)")
            let root = try Merkle.root(of: tree, size: vector.size)
            let leaf = try tree.node(level: 0, index: vector.index)
            #expect(Merkle.verifyInclusion(leafHash: leaf, index: vector.index, size: vector.size, proof: proof, root: root))
            if !proof.isEmpty {
                var bad = proof
                bad[0][0] ^= 1
                #expect(!Merkle.verifyInclusion(leafHash: leaf, index: vector.index, size: vector.size, proof: bad, root: root))
            }
        }
    }

    @Test("published consistency proofs: generated equal and verify; altered ones fail")
    func consistencyVectors() throws {
        let tree = MemoryTree(leaves: vectors.leaves.map(hex))
        for vector in vectors.consistency {
            let proof = try Merkle.consistencyProof(of: tree, first: vector.size1, second: vector.size2)
            #expect(proof == vector.proofHex.map(hex), "\(vector.size1) → \(vector.size2)")
            let first = try Merkle.root(of: tree, size: vector.size1)
            let second = try Merkle.root(of: tree, size: vector.size2)
            #expect(Merkle.verifyConsistency(first: vector.size1, second: vector.size2, firstRoot: first, secondRoot: second, proof: proof))
            if !proof.isEmpty {
                var bad = proof
                bad[bad.count - 1][31] ^= 0x80
                #expect(!Merkle.verifyConsistency(first: vector.size1, second: vector.size2, firstRoot: first, secondRoot: second, proof: bad))
                #expect(!Merkle.verifyConsistency(first: vector.size1, second: vector.size2, firstRoot: second, secondRoot: first, proof: proof))
            }
        }
    }

    @Test("every inclusion and consistency proof of every tree up to 64 leaves, against a reference recursion")
    func exhaustive() throws {
        let leaves = (0..<64).map { [UInt8]("leaf \($0)".utf8) }
        let tree = MemoryTree(leaves: leaves)
        let roots = (0...64).map { MemoryTree.referenceRoot(leaves.prefix($0)) }
        for size in UInt64(1)...64 {
            #expect(try Merkle.root(of: tree, size: size) == roots[Int(size)])
            for index in 0..<size {
                let proof = try Merkle.inclusionProof(of: tree, index: index, size: size)
                let leaf = Merkle.leafHash(leaves[Int(index)])
                #expect(Merkle.verifyInclusion(leafHash: leaf, index: index, size: size, proof: proof, root: roots[Int(size)]))
                if size > 1 {
                    #expect(!Merkle.verifyInclusion(leafHash: leaf, index: (index + 1) % size, size: size, proof: proof, root: roots[Int(size)]))
                }
            }
            for first in 0...size {
                let proof = try Merkle.consistencyProof(of: tree, first: first, second: size)
                #expect(Merkle.verifyConsistency(first: first, second: size, firstRoot: roots[Int(first)], secondRoot: roots[Int(size)], proof: proof),
                        "\(first) → \(size)")
                if first > 0, first < size {
                    #expect(!Merkle.verifyConsistency(first: first, second: size, firstRoot: roots[Int(first - 1)], secondRoot: roots[Int(size)], proof: proof))
                }
            }
        }
    }

    @Test("random proofs in large trees", arguments: [UInt64(1000), 4097, 65_536])
    func large(size: UInt64) throws {
        let leaves = (0..<size).map { [UInt8]("entry \($0)".utf8) }
        let tree = MemoryTree(leaves: leaves)
        var frontier = MerkleFrontier()
        for leaf in leaves { frontier.append(leafHash: Merkle.leafHash(leaf)) }
        let root = try Merkle.root(of: tree, size: size)
        #expect(frontier.root == root)
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<50 {
            let index = UInt64.random(in: 0..<size, using: &generator)
            let proof = try Merkle.inclusionProof(of: tree, index: index, size: size)
            #expect(proof.count <= 17)
            #expect(Merkle.verifyInclusion(leafHash: Merkle.leafHash(leaves[Int(index)]), index: index, size: size, proof: proof, root: root))
            let first = UInt64.random(in: 1...size, using: &generator)
            let consistency = try Merkle.consistencyProof(of: tree, first: first, second: size)
            #expect(Merkle.verifyConsistency(first: first, second: size, firstRoot: try Merkle.root(of: tree, size: first), secondRoot: root, proof: consistency))
        }
    }

    @Test("C2SP signed-note vectors verify (or not) as published; our signatures equal the published ones")
    func signedNotes() throws {
        for vector in vectors.signedNotes {
            let verifier = try NoteVerifierKey(parsing: vector.verifierKey)
            #expect(verifier.description == vector.verifierKey)
            let note = try SignedNote(parsing: vector.signedNote)
            #expect(note.text == vector.text)
            #expect(note.isSigned(by: verifier) == vector.valid, "\(vector.verifierKey)")
            if let signer = vector.signerKey, vector.valid, note.signatures.count == 1 {
                // PRIVATE+KEY+name+hash+base64(0x01 ‖ seed)
                let parts = signer.split(separator: "+", maxSplits: 4)
                let seed = try #require(Base64.decode(String(parts[4])))
                let key = try PrivateKey(ed25519Seed: Array(seed.dropFirst()))
                #expect(try SignedNote.sign(text: vector.text, name: String(parts[2]), key: key) == vector.signedNote)
            }
        }
    }

    @Test("checkpoints: sign, parse, and refuse a wrong key, an altered size or root")
    func checkpoints() throws {
        let key = try PrivateKey.generate(.ed25519)
        let verifier = try NoteVerifierKey(name: "example.com/log", publicKey: key.publicKey)
        let checkpoint = Checkpoint(origin: "example.com/log", size: 42, rootHash: SHA256.hash(Array("root".utf8)))
        let note = try checkpoint.signed(with: key)
        #expect(note.hasPrefix("example.com/log\n42\n"))
        #expect(try Checkpoint(note: note, verifier: verifier) == checkpoint)
        #expect(try NoteVerifierKey(parsing: verifier.description) == verifier)
        let other = try NoteVerifierKey(name: "example.com/log", publicKey: try PrivateKey.generate(.ed25519).publicKey)
        #expect(throws: NoteError.self) { try Checkpoint(note: note, verifier: other) }
        #expect(throws: NoteError.self) { try Checkpoint(note: note.replacingOccurrences(of: "\n42\n", with: "\n43\n"), verifier: verifier) }
        #expect(throws: NoteError.self) { try NoteVerifierKey(parsing: "name+00000000+" + verifier.description.split(separator: "+")[2]) }
        #expect(throws: NoteError.self) { try SignedNote(parsing: "no signature\n") }
    }
}
