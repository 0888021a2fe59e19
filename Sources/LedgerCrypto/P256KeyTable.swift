import COpenSSL

/// ECDSA P-256 verification for one public key, with a table of that key's own multiples built once.
///
/// An ECDSA verification computes `R = u1·G + u2·Q` (SEC 1 §4.1.4). OpenSSL keeps a precomputed table of the
/// generator G's multiples, so `u1·G` is cheap, but works `u2·Q` out afresh for every signature: that is most of
/// its cost. A ledger's signatures come from few keys, each signing thousands of entries, so a table of Q's
/// multiples pays for itself: OpenSSL's own P-256 code builds it (`EC_GROUP_precompute_mult` on a copy of the curve
/// whose generator is Q) and then serves `u2·Q` the way it serves `u1·G`. Each verification then costs about half
/// of `EVP_PKEY_verify`'s. Building the table costs about as much as 400 verifications and it takes about 150 KiB.
///
/// The rest is the standard equation, on OpenSSL's numbers and points: refuse `r` or `s` outside `1…n−1`,
/// `w = s⁻¹`, `u1 = e·w`, `u2 = r·w` (mod n, `e` the whole SHA-256 digest), refuse `R = ∞`, accept exactly when
/// `R.x mod n = r`. Only public values are involved, so nothing needs to run in constant time.
///
/// Not thread-safe: use it from one thread at a time (it keeps OpenSSL's scratch numbers between calls).
public final class P256KeyTable {
    private let table: UnsafeMutablePointer<cl_p256_table>

    /// Builds the table for a P-256 key; nil for an Ed25519 key or when OpenSSL cannot build it.
    public init?(_ key: PublicKey) {
        guard key.algorithm == .p256 else { return nil }
        let point = key.rawRepresentation
        guard let table = cl_p256_table_new(point, point.count) else {
            ERR_clear_error()
            return nil
        }
        self.table = table
    }

    deinit { cl_p256_table_free(table) }

    /// Whether `signature` (64 bytes `r ‖ s`) is the key's signature of the message whose SHA-256 is `digest`;
    /// nil when OpenSSL failed along the way (ask `EVP_PKEY_verify` instead).
    public func verdict(_ signature: [UInt8], digest: Digest32) -> Bool? {
        guard signature.count == 64 else { return false }
        let result = signature.withUnsafeBufferPointer { signature in
            digest.withUnsafeBytes { digest in
                cl_p256_table_verify(table, signature.baseAddress, digest.baseAddress?.assumingMemoryBound(to: UInt8.self))
            }
        }
        switch result {
        case 1: return true
        case 0: return false
        default:
            ERR_clear_error()
            return nil
        }
    }
}
