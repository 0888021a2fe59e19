import LedgerCrypto
import LedgerFormat
import LedgerStore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The operator's public key as a checker holds it (a receipt's, a report's): a PEM public key, or the C2SP
/// verifier key (`ledger operator-key`).
public enum OperatorKey: Sendable {
    /// The operator's Ed25519 public key (PEM); the checkpoint's key name is taken from the log's origin.
    case publicKey(PublicKey)
    /// The C2SP verifier key, name included.
    case verifierKey(NoteVerifierKey)

    /// `source` as given on a command line: a readable file is a PEM public key; anything else must be a
    /// `name+hash+base64` verifier key. Throws the key file's or the verifier key's error.
    public static func read(_ source: String) throws -> OperatorKey {
        if access(source, R_OK) == 0 { return .publicKey(try KeyFiles.readPublicKey(source)) }
        return .verifierKey(try NoteVerifierKey(parsing: source))
    }

    /// The signed-note verifier key for checkpoints of `origin`.
    public func verifier(origin: String) throws -> NoteVerifierKey {
        switch self {
        case .publicKey(let key): return try NoteVerifierKey(name: origin, publicKey: key)
        case .verifierKey(let key): return key
        }
    }

    /// The Ed25519 public key itself (a verifier key carries one).
    public var publicKey: PublicKey {
        switch self {
        case .publicKey(let key): return key
        case .verifierKey(let key): return key.publicKey
        }
    }
}

/// Inclusion and consistency proofs from the stored Merkle tree, and self-contained receipts.
public enum Proofs {
    /// The tree size to prove against: `size`, else the latest checkpoint's, else every stored leaf.
    static func treeSize(_ layout: StoreLayout, _ size: UInt64?, _ reader: MerkleReader) throws -> UInt64 {
        if let size { return size }
        if let note = try CheckpointFiles.latest(in: layout), let checkpoint = try? SignedNote(parsing: note),
           let line = checkpoint.text.split(separator: "\n").dropFirst().first, let size = UInt64(line) {
            return size
        }
        return try reader.size()
    }

    /// The inclusion proof of entry `seq` in the tree of `size` entries, as JSON (hashes in base64).
    public static func inclusion(layout: StoreLayout, seq: UInt64, size: UInt64?) throws -> JSONValue {
        let reader = MerkleReader(layout: layout)
        let treeSize = try treeSize(layout, size, reader)
        let stored = try reader.size()
        guard treeSize <= stored else { throw InputError(source: "--size", reason: "the tree has \(stored) entries, not \(treeSize)", code: "bad-size") }
        guard seq < treeSize else { throw InputError(source: "SEQ", reason: "entry \(seq) is not in a tree of \(treeSize) entries", code: "bad-seq") }
        let proof = try Merkle.inclusionProof(of: reader, index: seq, size: treeSize)
        return .object([
            "leafIndex": .integer(Int64(seq)), "treeSize": .integer(Int64(treeSize)),
            "leafHash": .string(Base64.encode(try reader.node(level: 0, index: seq))),
            "rootHash": .string(Base64.encode(try Merkle.root(of: reader, size: treeSize))),
            "inclusionProof": .array(proof.map { .string(Base64.encode($0)) }),
        ])
    }

    /// The consistency proof between the trees of `old` and `new` entries, as JSON.
    public static func consistency(layout: StoreLayout, old: UInt64, new: UInt64) throws -> JSONValue {
        let reader = MerkleReader(layout: layout)
        let stored = try reader.size()
        guard old <= new, new <= stored else {
            throw InputError(source: "OLD NEW", reason: "need OLD ≤ NEW ≤ \(stored) (the tree's size)", code: "bad-size")
        }
        let proof = try Merkle.consistencyProof(of: reader, first: old, second: new)
        return .object([
            "firstSize": .integer(Int64(old)), "secondSize": .integer(Int64(new)),
            "firstRoot": .string(Base64.encode(try Merkle.root(of: reader, size: old))),
            "secondRoot": .string(Base64.encode(try Merkle.root(of: reader, size: new))),
            "consistencyProof": .array(proof.map { .string(Base64.encode($0)) }),
        ])
    }

    /// A self-contained receipt for entry `seq`: the entry's bytes, the latest signed checkpoint and the
    /// inclusion proof against it. Anyone with the operator's public key can check it without the ledger.
    public static func receipt(layout: StoreLayout, seq: UInt64) throws -> JSONValue {
        let snapshot = try ReceiptSnapshot(layout: layout)
        guard seq < snapshot.size else {
            throw InputError(source: "SEQ", reason: "entry \(seq) is not covered by the latest checkpoint (size \(snapshot.size))", code: "bad-seq")
        }
        guard let entry = try LedgerReader(layout: layout).entry(seq) else {
            throw InputError(source: "SEQ", reason: "no entry \(seq)", code: "bad-seq")
        }
        var receipt = try snapshot.receipt(for: entry)
        receipt["checkpoint"] = .string(snapshot.note)
        return .object(receipt)
    }

    /// The latest signed checkpoint, read once, and receipts of many entries against it (a report's evidence:
    /// every receipt proves inclusion in the same tree).
    public struct ReceiptSnapshot {
        /// The signed checkpoint note.
        public let note: String
        /// The log's origin (the checkpoint's first line).
        public let origin: String
        /// The number of entries the checkpoint covers.
        public let size: UInt64
        let reader: MerkleReader

        /// Reads the latest checkpoint of `layout`; throws `no-checkpoint` when there is none.
        public init(layout: StoreLayout) throws {
            guard let note = try CheckpointFiles.latest(in: layout) else {
                throw InputError(source: "checkpoint", reason: "the ledger has no signed checkpoint yet (appends with the operator key write one)", code: "no-checkpoint")
            }
            let signed = try SignedNote(parsing: note)
            let lines = signed.text.split(separator: "\n")
            guard lines.count >= 3, let size = UInt64(lines[1]) else { throw NoteError("the stored checkpoint is malformed") }
            self.note = note
            origin = String(lines[0])
            self.size = size
            reader = MerkleReader(layout: layout)
        }

        /// The receipt members of `entry` (all but `checkpoint`); the entry must be covered (`seq < size`).
        public func receipt(for entry: AppendedEntry) throws -> [String: JSONValue] {
            [
                "version": .integer(1),
                "origin": .string(origin),
                "seq": .integer(Int64(entry.entry.seq)),
                "entry": .string(Base64.encode(entry.entry.canonicalBytes)),
                "entryHash": .string(Hex.encode(entry.hash)),
                "treeSize": .integer(Int64(size)),
                "inclusionProof": .array(try Merkle.inclusionProof(of: reader, index: entry.entry.seq, size: size).map { .string(Base64.encode($0)) }),
            ]
        }
    }

    /// What a verified receipt proves.
    public struct VerifiedReceipt: Sendable {
        public var entry: Entry
        public var checkpoint: Checkpoint
    }

    /// Checks a receipt with nothing but the operator's verifier key: the checkpoint's signature, the entry's
    /// hash, and the inclusion of the entry's leaf at its sequence number in the checkpoint's tree.
    public static func verifyReceipt(_ json: JSONValue, verifier: NoteVerifierKey) throws -> VerifiedReceipt {
        func field(_ name: String) throws -> JSONValue {
            guard let value = json[name] else { throw InputError(source: "receipt", reason: "missing \"\(name)\"", code: "bad-receipt") }
            return value
        }
        guard try field("version").integerValue == 1 else { throw InputError(source: "receipt", reason: "unknown receipt version", code: "bad-receipt") }
        guard let note = try field("checkpoint").stringValue else { throw InputError(source: "receipt", reason: "checkpoint must be a string", code: "bad-receipt") }
        let checkpoint: Checkpoint
        do { checkpoint = try Checkpoint(note: note, verifier: verifier) } catch {
            throw InputError(source: "receipt checkpoint", reason: error.reason, code: "bad-checkpoint")
        }
        guard let entryText = try field("entry").stringValue, let bytes = Base64.decode(entryText) else {
            throw InputError(source: "receipt", reason: "entry must be base64", code: "bad-receipt")
        }
        let entry: Entry
        do { entry = try Entry(canonicalBytes: bytes) } catch {
            throw InputError(source: "receipt entry", reason: "\(error)", code: "bad-entry")
        }
        guard let seqValue = try field("seq").integerValue, let seq = UInt64(exactly: seqValue) else {
            throw InputError(source: "receipt", reason: "seq must be a non-negative integer", code: "bad-receipt")
        }
        guard seq == entry.seq else {
            throw InputError(source: "receipt", reason: "seq does not match the entry's own sequence number", code: "bad-receipt")
        }
        guard try field("entryHash").stringValue == Hex.encode(EntryFormat.entryHash(ofCanonicalBytes: bytes)) else {
            throw InputError(source: "receipt", reason: "entryHash is not the hash of the entry's bytes", code: "bad-entry-hash")
        }
        guard let sizeValue = try field("treeSize").integerValue, let treeSize = UInt64(exactly: sizeValue) else {
            throw InputError(source: "receipt", reason: "treeSize must be a non-negative integer", code: "bad-receipt")
        }
        guard treeSize == checkpoint.size, try field("origin").stringValue == checkpoint.origin else {
            throw InputError(source: "receipt", reason: "treeSize or origin differ from the signed checkpoint", code: "bad-receipt")
        }
        guard let proofValues = try field("inclusionProof").arrayValue else {
            throw InputError(source: "receipt", reason: "inclusionProof must be an array", code: "bad-receipt")
        }
        var proof: [[UInt8]] = []
        for value in proofValues {
            guard let text = value.stringValue, let hash = Base64.decode(text), hash.count == 32 else {
                throw InputError(source: "receipt", reason: "inclusionProof holds something that is not a base64 SHA-256 hash", code: "bad-receipt")
            }
            proof.append(hash)
        }
        guard Merkle.verifyInclusion(leafHash: Merkle.leafHash(bytes), index: entry.seq, size: checkpoint.size, proof: proof, root: checkpoint.rootHash) else {
            throw InputError(source: "receipt", reason: "the inclusion proof does not lead from entry \(entry.seq) to the checkpoint's root", code: "bad-inclusion-proof")
        }
        return VerifiedReceipt(entry: entry, checkpoint: checkpoint)
    }
}
