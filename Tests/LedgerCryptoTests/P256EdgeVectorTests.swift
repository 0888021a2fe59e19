import COpenSSL
import Foundation
import LedgerCrypto
import Testing

/// The fixed vectors of `Resources/p256-edge-vectors.json` (made by `tools/p256-edge-vectors.py`): the doubling,
/// infinity, wrapped-x and u1 = 0 cases of ECDSA P-256 verification, each with its verdict.
struct P256EdgeVectors: Decodable, Sendable {
    struct Vector: Decodable, Sendable, CustomTestStringConvertible {
        var comment: String
        var publicKeyUncompressedHex: String
        /// Nil for a u1 = 0 vector: no message has a SHA-256 of 0 or n.
        var messageHex: String?
        var digestHex: String
        var rHex: String
        var sHex: String
        var valid: Bool
        var testDescription: String { "\(comment) [\(valid ? "valid" : "invalid")]" }
    }
    var source: String
    var vectors: [Vector]

    static let shared: Result<P256EdgeVectors, WycheproofP1363.Failure> = {
        guard let url = Bundle.module.url(forResource: "p256-edge-vectors", withExtension: "json", subdirectory: "Resources") else {
            return .failure(.init(reason: "Resources/p256-edge-vectors.json is not in the test bundle"))
        }
        do {
            return .success(try JSONDecoder().decode(P256EdgeVectors.self, from: Data(contentsOf: url)))
        } catch {
            return .failure(.init(reason: "Resources/p256-edge-vectors.json does not load: \(error)"))
        }
    }()

    static var all: [Vector] { (try? shared.get().vectors) ?? [] }
}

/// OpenSSL's own verdict on a signature over a digest (`EVP_PKEY_verify`, as `SignatureChecker` uses it): the only
/// way to ask OpenSSL about a digest no message hashes to.
private func openSSLVerdict(_ key: PublicKey, _ signature: [UInt8], _ digest: [UInt8]) throws -> Bool {
    let spki = try #require(Hex.decode("3059301306072a8648ce3d020106082a8648ce3d030107034200")) + key.rawRepresentation
    let pkey = try #require(spki.withUnsafeBufferPointer { buffer -> OpaquePointer? in
        var cursor = buffer.baseAddress
        return d2i_PUBKEY(nil, &cursor, buffer.count)
    })
    defer { EVP_PKEY_free(pkey) }
    let context = try #require(EVP_PKEY_CTX_new(pkey, nil))
    defer { EVP_PKEY_CTX_free(context) }
    try #require(EVP_PKEY_verify_init(context) == 1)
    let der = try #require(ECDSASignature.der(fromRaw: signature))
    let result = EVP_PKEY_verify(context, der, der.count, digest, digest.count)
    ERR_clear_error()
    return result == 1
}

@Suite("P-256 edge vectors: doubling, infinity, wrapped x, u1 = 0")
struct P256EdgeVectorTests {
    @Test("the file holds every kind of edge case, valid and invalid (a missing file fails here, not silently)")
    func loads() throws {
        let vectors = try P256EdgeVectors.shared.get().vectors
        #expect(vectors.count == 40)
        for kind in ["doubling", "infinity", "wrapped x", "u1 = 0"] {
            #expect(vectors.contains { $0.comment.hasPrefix(kind) && $0.valid }
                        || kind == "infinity", "no valid \(kind) vector")
            #expect(vectors.contains { $0.comment.hasPrefix(kind) && !$0.valid }, "no invalid \(kind) vector")
        }
    }

    @Test("the table, a checker with a table from the first signature, and OpenSSL's one-shot verify give each vector's verdict",
          arguments: P256EdgeVectors.all)
    func vector(_ vector: P256EdgeVectors.Vector) throws {
        let key = try PublicKey(p256Uncompressed: hex(vector.publicKeyUncompressedHex))
        let table = try #require(P256KeyTable(key))
        let signature = hex(vector.rHex) + hex(vector.sHex)
        let digest = try #require(Digest32(bytes: hex(vector.digestHex)))
        // The table alone: a false accept here would be accepted by the verifier with no second opinion.
        #expect(table.verdict(signature, digest: digest) == vector.valid)
        if let messageHex = vector.messageHex {
            let message = hex(messageHex)
            #expect(message.withUnsafeBytes { SHA256.digest($0) } == digest, "the digest is the message's SHA-256")
            let checker = SignatureChecker(keyTableThreshold: 0)
            #expect(checker.isValid(signature, for: message, by: key) == vector.valid)
            #expect(checker.keyTablesBuilt == 1, "the checker used its table")
            #expect(key.isValidSignature(signature, for: message) == vector.valid)
        } else {
            #expect(try openSSLVerdict(key, signature, hex(vector.digestHex)) == vector.valid)
        }
    }
}
