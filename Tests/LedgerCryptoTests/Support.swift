import Foundation
import LedgerCrypto
import Testing

/// The published vectors in `Resources/vectors.json`.
struct VectorFile: Decodable, Sendable {
    struct SHA256Vector: Decodable, Sendable, CustomTestStringConvertible {
        var source: String
        var messageHex: String
        var repeatCount: Int
        var digestHex: String
        enum CodingKeys: String, CodingKey {
            case source, messageHex, digestHex
            case repeatCount = "repeat"
        }
        /// The whole message: `messageHex` repeated `repeatCount` times.
        var message: [UInt8] {
            let unit = hex(messageHex)
            var out: [UInt8] = []
            out.reserveCapacity(unit.count * repeatCount)
            for _ in 0..<repeatCount { out += unit }
            return out
        }
        var testDescription: String { "\(messageHex.prefix(16))… ×\(repeatCount)" }
    }

    struct Ed25519Vector: Decodable, Sendable, CustomTestStringConvertible {
        var source: String
        var secretKeyHex: String
        var publicKeyHex: String
        var messageHex: String
        var signatureHex: String
        var testDescription: String { String(source.prefix(while: { $0 != "(" })) }
    }

    struct P256DERVector: Decodable, Sendable, CustomTestStringConvertible {
        var source: String
        var publicKeyUncompressedHex: String
        var messageHex: String
        var signatureDerHex: String
        var valid: Bool
        var comment: String
        var testDescription: String { "\(comment) [\(valid ? "valid" : "invalid")] \(signatureDerHex.prefix(12))" }
    }

    struct P256RawVector: Decodable, Sendable, CustomTestStringConvertible {
        var source: String
        var publicKeyUncompressedHex: String
        var messageHex: String
        var rHex: String
        var sHex: String
        var valid: Bool
        var testDescription: String { "CAVP r=\(rHex.prefix(12))… [\(valid ? "valid" : "invalid")]" }
    }

    var sha256: [SHA256Vector]
    var ed25519: [Ed25519Vector]
    var p256Verify: [P256DERVector]
    var p256VerifyRaw: [P256RawVector]

    /// Loaded once; empty lists when the file is missing, which `vectorFileIsComplete` reports.
    static let shared: VectorFile = {
        guard let url = Bundle.module.url(forResource: "vectors", withExtension: "json", subdirectory: "Resources"),
              let data = try? Data(contentsOf: url),
              let file = try? JSONDecoder().decode(VectorFile.self, from: data) else {
            return VectorFile(sha256: [], ed25519: [], p256Verify: [], p256VerifyRaw: [])
        }
        return file
    }()
}

/// Bytes from hex in test data; traps on bad hex, which is a broken fixture rather than a test failure.
func hex(_ text: String) -> [UInt8] {
    guard let bytes = Hex.decode(text) else { fatalError("bad hex in test data: \(text.prefix(40))") }
    return bytes
}

/// `bytes` with bit `bit` of byte `index` flipped.
func flipping(_ bytes: [UInt8], byte index: Int, bit: Int = 0) -> [UInt8] {
    var copy = bytes
    copy[index] ^= UInt8(1) << UInt8(bit)
    return copy
}

/// Deterministic pseudo-random bytes (SplitMix64), so failures reproduce.
func pseudoRandomBytes(_ count: Int, seed: UInt64) -> [UInt8] {
    var state = seed
    var out: [UInt8] = []
    out.reserveCapacity(count)
    while out.count < count {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        for shift in stride(from: 0, to: 64, by: 8) where out.count < count { out.append(UInt8(truncatingIfNeeded: z >> UInt64(shift))) }
    }
    return out
}

/// Keys made by the `openssl` command-line tool in a temporary directory, once per test run.
struct OpenSSLKeys: Sendable {
    var rsaPrivatePEM: String
    var rsaPublicPEM: String
    var secp384PrivatePEM: String
    var secp384PublicPEM: String
    var ed25519PrivatePEM: String
    var ed25519PublicPEM: String
    var ed25519EncryptedPEM: String
    var p256TraditionalPEM: String
    var p256PublicPEM: String

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static let shared: Result<OpenSSLKeys, Failure> = {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("ledger-crypto-tests-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString)")
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            func run(_ arguments: [String]) throws {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
                process.arguments = ["openssl"] + arguments
                process.currentDirectoryURL = directory
                process.standardOutput = FileHandle.nullDevice
                process.standardError = FileHandle.nullDevice
                process.standardInput = FileHandle.nullDevice
                try process.run()
                process.waitUntilExit()
                guard process.terminationStatus == 0 else {
                    throw Failure(description: "openssl \(arguments.joined(separator: " ")) exited with \(process.terminationStatus)")
                }
            }
            func read(_ name: String) throws -> String {
                try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
            }
            try run(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024", "-out", "rsa.pem"])
            try run(["pkey", "-in", "rsa.pem", "-pubout", "-out", "rsa.pub.pem"])
            try run(["ecparam", "-name", "secp384r1", "-genkey", "-noout", "-out", "ec384.trad.pem"])
            try run(["pkcs8", "-topk8", "-nocrypt", "-in", "ec384.trad.pem", "-out", "ec384.pem"])
            try run(["pkey", "-in", "ec384.pem", "-pubout", "-out", "ec384.pub.pem"])
            try run(["genpkey", "-algorithm", "ED25519", "-out", "ed.pem"])
            try run(["pkey", "-in", "ed.pem", "-pubout", "-out", "ed.pub.pem"])
            try run(["pkcs8", "-topk8", "-v2", "aes-256-cbc", "-passout", "pass:secret", "-in", "ed.pem", "-out", "ed.enc.pem"])
            try run(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "p256.trad.pem"])
            try run(["pkey", "-in", "p256.trad.pem", "-pubout", "-out", "p256.pub.pem"])
            return .success(OpenSSLKeys(
                rsaPrivatePEM: try read("rsa.pem"), rsaPublicPEM: try read("rsa.pub.pem"),
                secp384PrivatePEM: try read("ec384.pem"), secp384PublicPEM: try read("ec384.pub.pem"),
                ed25519PrivatePEM: try read("ed.pem"), ed25519PublicPEM: try read("ed.pub.pem"),
                ed25519EncryptedPEM: try read("ed.enc.pem"),
                p256TraditionalPEM: try read("p256.trad.pem"), p256PublicPEM: try read("p256.pub.pem")))
        } catch let failure as Failure {
            return .failure(failure)
        } catch {
            return .failure(Failure(description: "\(error)"))
        }
    }()
}

/// The error `body` throws, or nil when it does not throw.
func thrownError<T>(_ body: () throws -> T) -> (any Error)? {
    do {
        _ = try body()
        return nil
    } catch {
        return error
    }
}
