import COpenSSL

/// Checks many signatures on one thread, keeping each key's OpenSSL verification context between calls.
///
/// `PublicKey.isValidSignature` sets up a fresh context per signature, and OpenSSL 3 then looks up the
/// algorithm's implementation under a lock every thread shares: with every core verifying at once, threads
/// queue on that lock. A checker sets a key's context up once and only resets it between signatures
/// (Ed25519: `EVP_DigestVerifyInit` with no key, which OpenSSL documents as keeping the parameters; P-256: the
/// message's SHA-256 checked with `EVP_PKEY_verify` on a context initialised once, as `openssl speed` does).
///
/// It gives exactly the verdicts of `PublicKey.isValidSignature`: a signature the kept context does not accept is
/// checked again the one-shot way, so an OpenSSL that handles a reused context differently can only cost time
/// on bad signatures, never turn a good one bad. Not thread-safe: use it from one thread at a time.
public final class SignatureChecker {
    /// An Ed25519 `EVP_MD_CTX` or a P-256 `EVP_PKEY_CTX`, with the key it was made for (kept alive with it).
    private struct Context {
        let key: EVPKey
        let algorithm: SignatureAlgorithm
        let pointer: OpaquePointer
    }

    private var contexts: [ObjectIdentifier: Context] = [:]
    private let hasher = SHA256()
    /// Contexts kept before the cache is emptied (a registry of many keys must not make it grow without bound).
    private let limit = 64

    public init() {}

    deinit { removeAll() }

    /// Checks a signature in the ledger's fixed form (Ed25519: 64 bytes; P-256: 64 bytes `r ‖ s`) by `key`.
    public func isValid(_ signature: [UInt8], for message: [UInt8], by key: PublicKey) -> Bool {
        switch key.algorithm {
        case .ed25519:
            guard signature.count == 64, let context = context(for: key) else { return false }
            // Resets the state and keeps the key: one-shot verification may not run twice on one state (OpenSSL ≥ 3.2).
            guard EVP_DigestVerifyInit(context, nil, nil, nil, nil) == 1 else {
                ERR_clear_error()
                drop(key)
                return key.isValidSignature(signature, for: message)
            }
            if EVP_DigestVerify(context, signature, signature.count, message, message.count) == 1 { return true }
            ERR_clear_error()
            return key.isValidSignature(signature, for: message)
        case .p256:
            guard let der = ECDSASignature.der(fromRaw: signature), let context = context(for: key) else { return false }
            hasher.update(message)
            let digest = hasher.finalize()
            if EVP_PKEY_verify(context, der, der.count, digest, digest.count) == 1 { return true }
            ERR_clear_error()
            return key.isValidSignature(signature, for: message)
        }
    }

    private func context(for key: PublicKey) -> OpaquePointer? {
        let id = ObjectIdentifier(key.key)
        if let found = contexts[id] { return found.pointer }
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
        contexts[id] = Context(key: key.key, algorithm: key.algorithm, pointer: made)
        return made
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
