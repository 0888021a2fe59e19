import LedgerCrypto

/// Why a signed note or checkpoint was refused.
public struct NoteError: Error, Sendable, Hashable, CustomStringConvertible {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

/// A C2SP signed-note verifier key (Ed25519): `name+hexkeyhash+base64(0x01 ‖ public key)`.
public struct NoteVerifierKey: Sendable, Hashable, CustomStringConvertible {
    public let name: String
    /// The first four bytes of SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key).
    public let keyHash: [UInt8]
    public let publicKey: PublicKey

    /// The verifier key for `publicKey` (Ed25519) under `name`.
    public init(name: String, publicKey: PublicKey) throws(NoteError) {
        guard publicKey.algorithm == .ed25519 else { throw NoteError("signed notes here use Ed25519 keys") }
        guard NoteVerifierKey.isValidName(name) else { throw NoteError("key name \"\(name)\" must be non-empty, without spaces or '+'") }
        self.name = name
        self.publicKey = publicKey
        keyHash = Array(SHA256.hash(Array(name.utf8) + [0x0A, 0x01] + publicKey.rawRepresentation).prefix(4))
    }

    /// Parses the `name+hash+base64` form; the hash must match the key.
    public init(parsing text: String) throws(NoteError) {
        let parts = text.split(separator: "+", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, let hash = Hex.decode(String(parts[1])), hash.count == 4,
              let raw = Base64.decode(String(parts[2])), raw.count == 33, raw[0] == 0x01 else {
            throw NoteError("verifier key \"\(text)\" is not name+8 hex digits+base64(0x01 ‖ 32-byte Ed25519 key)")
        }
        let key: PublicKey
        do { key = try PublicKey(ed25519Raw: Array(raw.dropFirst())) } catch { throw NoteError("verifier key: \(error)") }
        try self.init(name: String(parts[0]), publicKey: key)
        guard keyHash == hash else { throw NoteError("verifier key \"\(text)\": its key hash does not match its name and key") }
    }

    /// The `name+hash+base64` text.
    public var description: String { "\(name)+\(Hex.encode(keyHash))+\(Base64.encode([0x01] + publicKey.rawRepresentation))" }

    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.unicodeScalars.allSatisfy { $0.value > 0x20 && $0 != "+" && !$0.properties.isWhitespace }
    }
}

/// A C2SP signed note: a text ending in a newline, a blank line, and signature lines `— name base64(keyhash ‖ sig)`.
public struct SignedNote: Sendable, Hashable {
    public struct Signature: Sendable, Hashable {
        public var name: String
        public var keyHash: [UInt8]
        public var signature: [UInt8]
    }

    /// The signed text, including its final newline.
    public var text: String
    public var signatures: [Signature]

    /// Parses a note; at most 100 signature lines.
    public init(parsing note: String) throws(NoteError) {
        let bytes = Array(note.utf8)
        // The text ends at the last blank line: the last "\n\n".
        var split: Int?
        var index = bytes.count - 2
        while index >= 0 {
            if bytes[index] == 0x0A && bytes[index + 1] == 0x0A { split = index; break }
            index -= 1
        }
        guard let split else { throw NoteError("a signed note is a text, a blank line and signature lines") }
        text = String(decoding: bytes[...split], as: UTF8.self)
        guard bytes.last == 0x0A else { throw NoteError("a signed note ends with a newline") }
        let lines = String(decoding: bytes[(split + 2)...].dropLast(), as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        signatures = []
        for line in lines {
            guard line.hasPrefix("\u{2014} ") else { throw NoteError("signature line does not start with \"— \": \(line)") }
            let fields = line.dropFirst(2).split(separator: " ", omittingEmptySubsequences: false)
            guard fields.count == 2, let decoded = Base64.decode(String(fields[1])), decoded.count >= 5 else {
                throw NoteError("signature line is not \"— name base64\": \(line)")
            }
            signatures.append(Signature(name: String(fields[0]), keyHash: Array(decoded.prefix(4)), signature: Array(decoded.dropFirst(4))))
        }
        guard !signatures.isEmpty, signatures.count <= 100 else { throw NoteError("a signed note needs 1 to 100 signatures") }
        guard split > 0 else { throw NoteError("the note text is empty") }
    }

    /// Signs `text` (which must end with a newline) with `key` under `name`.
    public static func sign(text: String, name: String, key: PrivateKey) throws -> String {
        let verifier = try NoteVerifierKey(name: name, publicKey: key.publicKey)
        guard text.hasSuffix("\n") else { throw NoteError("the note text must end with a newline") }
        let signature = try key.signature(for: Array(text.utf8))
        return text + "\n\u{2014} \(name) \(Base64.encode(verifier.keyHash + signature))\n"
    }

    /// True when a signature by `verifier` (same name and key hash) verifies over the text.
    public func isSigned(by verifier: NoteVerifierKey) -> Bool {
        signatures.contains { $0.name == verifier.name && $0.keyHash == verifier.keyHash
            && verifier.publicKey.isValidSignature($0.signature, for: Array(text.utf8)) }
    }
}

/// A C2SP tlog-checkpoint: origin, tree size and root hash, signed by the log operator.
public struct Checkpoint: Sendable, Hashable {
    public var origin: String
    public var size: UInt64
    public var rootHash: [UInt8]

    public init(origin: String, size: UInt64, rootHash: [UInt8]) {
        self.origin = origin
        self.size = size
        self.rootHash = rootHash
    }

    /// The note text: `origin\nsize\nbase64(root)\n`.
    public var text: String { "\(origin)\n\(size)\n\(Base64.encode(rootHash))\n" }

    /// The signed note for this checkpoint, signed by the operator key under the origin as key name.
    public func signed(with key: PrivateKey) throws -> String {
        try SignedNote.sign(text: text, name: origin, key: key)
    }

    /// Parses a signed checkpoint and checks its signature by `verifier`.
    public init(note: String, verifier: NoteVerifierKey) throws(NoteError) {
        let signed = try SignedNote(parsing: note)
        guard signed.isSigned(by: verifier) else {
            throw NoteError("the checkpoint has no valid signature by \(verifier.name)+\(Hex.encode(verifier.keyHash))")
        }
        let lines = signed.text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        guard lines.count >= 3, let size = UInt64(lines[lines.startIndex + 1]),
              String(size) == lines[lines.startIndex + 1],
              let root = Base64.decode(String(lines[lines.startIndex + 2])), root.count == 32 else {
            throw NoteError("the checkpoint text is not origin, decimal size and base64 root hash")
        }
        self.init(origin: String(lines[lines.startIndex]), size: size, rootHash: root)
    }
}
