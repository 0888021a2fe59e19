import COpenSSL
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// SHA-256 (FIPS 180-4) through OpenSSL's EVP interface.
///
/// `SHA256.hash(_:)` hashes one buffer; a `SHA256` value hashes a stream with `update(_:)` and `finalize()`.
/// A hasher is not thread-safe: use one per thread.
public final class SHA256 {
    /// The digest length in bytes.
    public static let byteCount = 32

    private let context: OpaquePointer

    /// Starts a new streaming hash.
    public init() {
        guard let context = EVP_MD_CTX_new() else { fatalError("OpenSSL: EVP_MD_CTX_new failed (out of memory)") }
        self.context = context
        reset()
    }

    deinit { EVP_MD_CTX_free(context) }

    /// Forgets everything hashed so far, so the hasher can be reused without reallocation.
    public func reset() {
        guard EVP_DigestInit_ex(context, SHA256Algorithm.shared.md, nil) == 1 else {
            fatalError("OpenSSL: cannot initialise SHA-256: \(CryptoError.openSSL("init SHA-256"))")
        }
    }

    /// Feeds bytes into the hash.
    public func update(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else { return }
        EVP_DigestUpdate(context, bytes.baseAddress, bytes.count)
    }

    /// Feeds bytes into the hash.
    public func update<Bytes: Collection>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        let done: Void? = bytes.withContiguousStorageIfAvailable { update(UnsafeRawBufferPointer($0)) }
        if done == nil { Array(bytes).withUnsafeBytes { update($0) } }
    }

    /// Returns the digest and resets the hasher for reuse.
    public func finalize() -> [UInt8] { finalizeDigest().bytes }

    /// Returns the digest as an inline value (no allocation) and resets the hasher for reuse.
    public func finalizeDigest() -> Digest32 {
        let digest = Digest32 { out in
            var length: UInt32 = 0
            _ = EVP_DigestFinal_ex(context, out.baseAddress?.assumingMemoryBound(to: UInt8.self), &length)
        }
        reset()
        return digest
    }

    /// Hashes one buffer.
    public static func hash<Bytes: Collection>(_ bytes: Bytes) -> [UInt8] where Bytes.Element == UInt8 {
        let hasher = SHA256.threadLocal
        hasher.update(bytes)
        return hasher.finalize()
    }

    /// Hashes one buffer.
    public static func hash(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        let hasher = SHA256.threadLocal
        hasher.update(bytes)
        return hasher.finalize()
    }

    /// `SHA-256(prefix ‖ bytes)`, copying nothing: RFC 9162's domain-separated leaf hash.
    public static func hash<Bytes: Collection>(prefix: UInt8, _ bytes: Bytes) -> [UInt8] where Bytes.Element == UInt8 {
        let hasher = SHA256.threadLocal
        withUnsafeBytes(of: prefix) { hasher.update($0) }
        hasher.update(bytes)
        return hasher.finalize()
    }

    /// `SHA-256(prefix ‖ first ‖ second)`, copying nothing: RFC 9162's domain-separated node hash.
    public static func hash(prefix: UInt8, _ first: [UInt8], _ second: [UInt8]) -> [UInt8] {
        first.withUnsafeBytes { first in second.withUnsafeBytes { second in digest(prefix: prefix, first, second).bytes } }
    }

    /// `SHA-256(bytes)` as an inline value: no allocation.
    public static func digest(_ bytes: UnsafeRawBufferPointer) -> Digest32 {
        let hasher = SHA256.threadLocal
        hasher.update(bytes)
        return hasher.finalizeDigest()
    }

    /// `SHA-256(first ‖ second)` as an inline value, joining nothing (a domain tag and the bytes it tags).
    public static func digest(_ first: UnsafeRawBufferPointer, _ second: UnsafeRawBufferPointer) -> Digest32 {
        let hasher = SHA256.threadLocal
        hasher.update(first)
        hasher.update(second)
        return hasher.finalizeDigest()
    }

    /// `SHA-256(prefix ‖ bytes)` as an inline value: RFC 9162's leaf hash, with no allocation.
    public static func digest(prefix: UInt8, _ bytes: UnsafeRawBufferPointer) -> Digest32 {
        let hasher = SHA256.threadLocal
        withUnsafeBytes(of: prefix) { hasher.update($0) }
        hasher.update(bytes)
        return hasher.finalizeDigest()
    }

    /// `SHA-256(prefix ‖ first ‖ second)` as an inline value: RFC 9162's node hash, with no allocation.
    public static func digest(prefix: UInt8, _ first: UnsafeRawBufferPointer, _ second: UnsafeRawBufferPointer) -> Digest32 {
        let hasher = SHA256.threadLocal
        withUnsafeBytes(of: prefix) { hasher.update($0) }
        hasher.update(first)
        hasher.update(second)
        return hasher.finalizeDigest()
    }

    /// `SHA-256(prefix ‖ first ‖ second)` of two digests: RFC 9162's node hash of two subtree hashes, with no allocation.
    public static func digest(prefix: UInt8, _ first: Digest32, _ second: Digest32) -> Digest32 {
        first.withUnsafeBytes { first in second.withUnsafeBytes { second in digest(prefix: prefix, first, second) } }
    }

    /// Hashes the concatenation of several buffers without joining them first.
    public static func hash(parts: [[UInt8]]) -> [UInt8] {
        let hasher = SHA256.threadLocal
        for part in parts { hasher.update(part) }
        return hasher.finalize()
    }

    /// One reusable hasher per thread, so one-shot hashing allocates no OpenSSL context.
    private static var threadLocal: SHA256 {
        ThreadLocalHasher.current
    }
}

/// The fetched SHA-256 implementation, fetched once per process (OpenSSL 3 fetches are costly).
struct SHA256Algorithm: @unchecked Sendable {
    let md: OpaquePointer
    static let shared: SHA256Algorithm = {
        guard let md = EVP_MD_fetch(nil, "SHA256", nil) else {
            fatalError("OpenSSL: SHA-256 unavailable: \(CryptoError.openSSL("fetch SHA-256"))")
        }
        return SHA256Algorithm(md: md)
    }()
}

/// A per-thread `SHA256` kept in POSIX thread-specific storage.
enum ThreadLocalHasher {
    private struct Key: @unchecked Sendable { var key: pthread_key_t }
    private static let key: Key = {
        var key = pthread_key_t()
        let status = pthread_key_create(&key) { pointer in
            if let pointer { Unmanaged<SHA256>.fromOpaque(pointer).release() }
        }
        precondition(status == 0, "pthread_key_create failed: \(status)")
        return Key(key: key)
    }()

    static var current: SHA256 {
        if let pointer = pthread_getspecific(key.key) {
            return Unmanaged<SHA256>.fromOpaque(pointer).takeUnretainedValue()
        }
        let hasher = SHA256()
        pthread_setspecific(key.key, Unmanaged.passRetained(hasher).toOpaque())
        return hasher
    }
}
