import LedgerCrypto
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a key file could not be read or written.
public struct KeyFileError: Error, Sendable, Hashable, CustomStringConvertible {
    public var path: String
    public var reason: String
    public var description: String { "key file \(path): \(reason)" }
}

/// Reading and writing PEM key files. Private keys are written with mode 0600 and refused when group
/// or others may read them; their contents never appear in errors or output.
public enum KeyFiles {
    /// Writes `key` as PKCS#8 PEM to `path` (mode 0600, refusing to overwrite) and its public key to `path.pub`.
    public static func write(_ key: PrivateKey, to path: String) throws {
        let publicPath = path + ".pub"
        for existing in [path, publicPath] where access(existing, F_OK) == 0 {
            throw KeyFileError(path: existing, reason: "already exists; refusing to overwrite a key")
        }
        // The public half first: if the private one then fails, no orphan private key is left behind.
        try writeNew(publicPath, Array(key.publicKey.pem.utf8), mode: 0o644)
        do {
            try writeNew(path, Array(try key.pemPKCS8().utf8), mode: 0o600)
        } catch {
            unlink(publicPath)
            throw error
        }
    }

    /// Writes `bytes` to a file that must not exist yet, with `mode`, durably.
    static func writeNew(_ path: String, _ bytes: [UInt8], mode: mode_t) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode)
        guard fd >= 0 else { throw KeyFileError(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        _ = fchmod(fd, mode)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, bytes.count - offset) }
            guard written > 0 else { throw KeyFileError(path: path, reason: String(cString: strerror(errno))) }
            offset += written
        }
        guard fsync(fd) == 0 else { throw KeyFileError(path: path, reason: String(cString: strerror(errno))) }
    }

    /// Reads a private key; refuses a file that group or others can access (like ssh does).
    public static func readPrivateKey(_ path: String) throws -> PrivateKey {
        // Check the permissions of the file actually opened (fstat), not of whatever the path named before.
        let text = try readText(path) { fd in
            var info = stat()
            guard fstat(fd, &info) == 0 else { throw KeyFileError(path: path, reason: String(cString: strerror(errno))) }
            guard info.st_mode & 0o077 == 0 else {
                throw KeyFileError(path: path, reason: "permissions \(String(info.st_mode & 0o777, radix: 8)) are too open; a private key must be mode 0600 (chmod 600 \(path))")
            }
        }
        do { return try PrivateKey(pem: text) } catch {
            throw KeyFileError(path: path, reason: "is not a PEM Ed25519 or P-256 private key")
        }
    }

    /// Reads a PEM public key.
    public static func readPublicKey(_ path: String) throws -> PublicKey {
        let text = try readText(path)
        do { return try PublicKey(pem: text) } catch {
            throw KeyFileError(path: path, reason: "is not a PEM Ed25519 or P-256 public key (\(error))")
        }
    }

    static func readText(_ path: String, check: (Int32) throws -> Void = { _ in }) throws -> String {
        guard let file = fopen(path, "rb") else { throw KeyFileError(path: path, reason: String(cString: strerror(errno))) }
        defer { fclose(file) }
        try check(fileno(file))
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = fread(&buffer, 1, buffer.count, file)
            if count == 0 { break }
            bytes += buffer[0..<count]
            guard bytes.count <= 64 * 1024 else { throw KeyFileError(path: path, reason: "is larger than 64 KiB; not a key file") }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
