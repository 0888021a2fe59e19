import COpenSSL

/// Checks many signatures on one thread, keeping each key's OpenSSL verification context between calls.
///
/// `PublicKey.isValidSignature` sets up a fresh context per signature, and OpenSSL 3 then looks up the
/// algorithm's implementation under a lock every thread shares: with every core verifying at once, threads
/// queue on that lock. A checker sets a key's context up once and only resets it between signatures
/// (Ed25519: `EVP_DigestVerifyInit` with no key, which OpenSSL documents as keeping the parameters; P-256: the
/// message's SHA-256 checked with `EVP_PKEY_verify` on a context initialised once, as `openssl speed` does).
///
/// A message may also be handed over in pieces (`isValid(_:by:message:)`), so the caller never builds it: P-256
/// hashes the pieces as they come, Ed25519 (which needs the whole message at once) gathers them into a buffer the
/// checker keeps. A good signature then costs no heap allocation: the digest and the DER signature live on the stack.
///
/// A P-256 key that has signed `keyTableThreshold` of the messages checked here gets its own `P256KeyTable`, and its
/// later signatures cost about half as much: the same ECDSA equation on OpenSSL's numbers and points, with `u2·Q`
/// taken from the table (its verdicts are tested against Wycheproof's edge cases and OpenSSL's own verification).
///
/// It gives the verdicts of `PublicKey.isValidSignature`: a signature the kept context or the table does not accept
/// is checked again the one-shot way, so an OpenSSL that handles a reused context differently can only cost time
/// on bad signatures, never turn a good one bad. Not thread-safe: use it from one thread at a time.
public final class SignatureChecker {
    /// An Ed25519 `EVP_MD_CTX` or a P-256 `EVP_PKEY_CTX`, with the key it was made for (kept alive with it), and
    /// for P-256 how often the key was used and its `P256KeyTable` once it has earned one.
    private final class Context {
        let key: EVPKey
        let algorithm: SignatureAlgorithm
        let pointer: OpaquePointer
        var uses = 0
        var table: P256KeyTable?
        /// OpenSSL could not build the table: do not try again.
        var tableRefused = false

        init(key: EVPKey, algorithm: SignatureAlgorithm, pointer: OpaquePointer) {
            self.key = key
            self.algorithm = algorithm
            self.pointer = pointer
        }
    }

    /// A message's bytes, handed in order to the sink it is given.
    public typealias MessageWriter = (_ sink: (UnsafeRawBufferPointer) -> Void) -> Void

    private var contexts: [ObjectIdentifier: Context] = [:]
    /// SHA-256 of P-256 messages, fed piece by piece.
    private let hasher = SHA256()
    /// Ed25519 messages gathered from their pieces; kept between signatures.
    private var gathered: [UInt8] = []
    /// Contexts kept before the cache is emptied (a registry of many keys must not make it grow without bound).
    private let limit = 64
    /// The largest gathering buffer kept after a signature (a rare huge body must not pin its memory).
    private let keptCapacity = 1 << 20
    /// Signatures a P-256 key must have had on this checker before it gets its own `P256KeyTable`.
    public let keyTableThreshold: Int
    /// How many `P256KeyTable`s this checker has built so far.
    public private(set) var keyTablesBuilt = 0

    /// A checker that builds a P-256 key's `P256KeyTable` once the key has signed `keyTableThreshold` of the
    /// messages checked here (default 1,024: a table costs about 400 verifications to build, and saves about half
    /// of each one after); `Int.max` never builds one.
    public init(keyTableThreshold: Int = 1_024) {
        self.keyTableThreshold = keyTableThreshold
    }

    deinit { removeAll() }

    /// Checks a signature in the ledger's fixed form (Ed25519: 64 bytes; P-256: 64 bytes `r ‖ s`) by `key`.
    public func isValid(_ signature: [UInt8], for message: [UInt8], by key: PublicKey) -> Bool {
        message.withUnsafeBytes { whole in check(signature, by: key, whole: whole) { $0(whole) } }
    }

    /// Checks a signature in the ledger's fixed form over the message that `message` hands, in pieces, to the sink
    /// it is given (the message is their concatenation; `message` may be called again and must hand the same bytes).
    public func isValid(_ signature: [UInt8], by key: PublicKey, message: MessageWriter) -> Bool {
        check(signature, by: key, whole: nil, message)
    }

    /// `whole`: the message in one piece when the caller has it so (Ed25519 then copies nothing).
    private func check(_ signature: [UInt8], by key: PublicKey, whole: UnsafeRawBufferPointer?, _ message: MessageWriter) -> Bool {
        switch key.algorithm {
        case .ed25519:
            guard signature.count == 64, let context = context(for: key)?.pointer else { return false }
            // Resets the state and keeps the key: one-shot verification may not run twice on one state (OpenSSL ≥ 3.2).
            guard EVP_DigestVerifyInit(context, nil, nil, nil, nil) == 1 else {
                ERR_clear_error()
                drop(key)
                return key.isValidSignature(signature, for: Self.collect(message))
            }
            let verified: Bool
            if let whole {
                verified = EVP_DigestVerify(context, signature, signature.count, whole.baseAddress, whole.count) == 1
            } else {
                var buffer = gathered
                gathered = []
                buffer.removeAll(keepingCapacity: true)
                message { buffer.append(contentsOf: $0.assumingMemoryBound(to: UInt8.self)) }
                verified = EVP_DigestVerify(context, signature, signature.count, buffer, buffer.count) == 1
                if buffer.capacity <= keptCapacity { gathered = buffer }
            }
            if verified { return true }
        case .p256:
            guard signature.count == 64, let context = context(for: key) else { return false }
            message { hasher.update($0) }
            let digest = hasher.finalizeDigest()
            let verified = table(of: context, key)?.verdict(signature, digest: digest) ?? digest.withUnsafeBytes { hash in
                ECDSASignature.withDER(fromRaw: signature) { der in
                    EVP_PKEY_verify(context.pointer, der.baseAddress, der.count, hash.baseAddress, hash.count) == 1
                } ?? false
            }
            if verified { return true }
        }
        ERR_clear_error()
        return key.isValidSignature(signature, for: Self.collect(message))
    }

    /// The whole message from its pieces (only for the one-shot re-check of a rejected signature).
    private static func collect(_ message: MessageWriter) -> [UInt8] {
        var bytes: [UInt8] = []
        message { bytes.append(contentsOf: $0.assumingMemoryBound(to: UInt8.self)) }
        return bytes
    }

    /// The key's table, built when this use makes `keyTableThreshold`; nil until then (or if OpenSSL refused it).
    private func table(of context: Context, _ key: PublicKey) -> P256KeyTable? {
        if let table = context.table { return table }
        context.uses += 1
        guard context.uses >= keyTableThreshold, !context.tableRefused else { return nil }
        context.table = P256KeyTable(key)
        context.tableRefused = context.table == nil
        if context.table != nil { keyTablesBuilt += 1 }
        return context.table
    }

    private func context(for key: PublicKey) -> Context? {
        let id = ObjectIdentifier(key.key)
        if let found = contexts[id] { return found }
        if contexts.count >= limit { removeAll() }
        let made: OpaquePointer?
        switch key.algorithm {
        case .ed25519:
            made = EVP_MD_CTX_new()
            if let made, EVP_DigestVerifyInit(made, nil, nil, nil, key.key.pointer) != 1 {
                EVP_MD_CTX_free(made)
                ERR_clear_error()
                return nil
            }
        case .p256:
            made = EVP_PKEY_CTX_new(key.key.pointer, nil)
            if let made, EVP_PKEY_verify_init(made) != 1 {
                EVP_PKEY_CTX_free(made)
                ERR_clear_error()
                return nil
            }
        }
        guard let made else { return nil }
        let context = Context(key: key.key, algorithm: key.algorithm, pointer: made)
        contexts[id] = context
        return context
    }

    private func drop(_ key: PublicKey) {
        guard let context = contexts.removeValue(forKey: ObjectIdentifier(key.key)) else { return }
        free(context)
    }

    private func free(_ context: Context) {
        if context.algorithm == .ed25519 { EVP_MD_CTX_free(context.pointer) } else { EVP_PKEY_CTX_free(context.pointer) }
    }

    private func removeAll() {
        for context in contexts.values { free(context) }
        contexts = [:]
    }
}
