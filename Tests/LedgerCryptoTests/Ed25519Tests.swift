import LedgerCrypto
import Testing

@Suite("Ed25519 (RFC 8032)")
struct Ed25519Tests {
    @Test("the key from the seed has the published public key", arguments: VectorFile.shared.ed25519)
    func publicKeyFromSeed(_ vector: VectorFile.Ed25519Vector) throws {
        let key = try PrivateKey(ed25519Seed: hex(vector.secretKeyHex))
        #expect(key.algorithm == .ed25519)
        #expect(key.publicKey.algorithm == .ed25519)
        #expect(Hex.encode(key.publicKey.rawRepresentation) == vector.publicKeyHex)
        #expect(key.publicKey.spkiDER == hex("302a300506032b6570032100") + hex(vector.publicKeyHex))
        let raw = try PublicKey(ed25519Raw: hex(vector.publicKeyHex))
        #expect(raw == key.publicKey)
        #expect(raw.keyID == key.publicKey.keyID)
    }

    @Test("the signature equals the published bytes and verifies", arguments: VectorFile.shared.ed25519)
    func signatureMatches(_ vector: VectorFile.Ed25519Vector) throws {
        let key = try PrivateKey(ed25519Seed: hex(vector.secretKeyHex))
        let message = hex(vector.messageHex)
        let signature = try key.signature(for: message)
        #expect(signature.count == SignatureAlgorithm.ed25519.signatureByteCount)
        #expect(Hex.encode(signature) == vector.signatureHex)
        let publicKey = try PublicKey(ed25519Raw: hex(vector.publicKeyHex))
        #expect(publicKey.isValidSignature(hex(vector.signatureHex), for: message))
    }

    @Test("a flipped message or signature bit fails", arguments: VectorFile.shared.ed25519)
    func flippedBitsFail(_ vector: VectorFile.Ed25519Vector) throws {
        let publicKey = try PublicKey(ed25519Raw: hex(vector.publicKeyHex))
        let message = hex(vector.messageHex)
        let signature = hex(vector.signatureHex)
        if message.isEmpty {
            #expect(!publicKey.isValidSignature(signature, for: [0]))
        } else {
            for index in Set([0, message.count / 2, message.count - 1]) {
                #expect(!publicKey.isValidSignature(signature, for: flipping(message, byte: index, bit: 3)), "message byte \(index)")
            }
            #expect(!publicKey.isValidSignature(signature, for: message + [0]))
            #expect(!publicKey.isValidSignature(signature, for: Array(message.dropLast())))
        }
        for index in [0, 31, 32, 63] {
            for bit in [0, 7] {
                #expect(!publicKey.isValidSignature(flipping(signature, byte: index, bit: bit), for: message), "signature byte \(index) bit \(bit)")
            }
        }
        #expect(!publicKey.isValidSignature(Array(signature.dropLast()), for: message))
        #expect(!publicKey.isValidSignature(signature + [0], for: message))
        #expect(!publicKey.isValidSignature([], for: message))
        #expect(!publicKey.isValidECDSASignature(der: signature, for: message), "DER verification is P-256 only")
    }

    @Test("a signature from another key does not verify")
    func otherKeyFails() throws {
        let vectors = VectorFile.shared.ed25519
        try #require(vectors.count >= 2)
        let signature = hex(vectors[0].signatureHex)
        let other = try PublicKey(ed25519Raw: hex(vectors[1].publicKeyHex))
        #expect(!other.isValidSignature(signature, for: hex(vectors[0].messageHex)))
    }

    @Test("generated keys sign and verify; signing is deterministic")
    func generatedRoundTrip() throws {
        let key = try PrivateKey.generate(.ed25519)
        let other = try PrivateKey.generate(.ed25519)
        #expect(key.publicKey != other.publicKey)
        let message = Array("custody".utf8)
        let signature = try key.signature(for: message)
        #expect(signature.count == 64)
        #expect(try key.signature(for: message) == signature)
        #expect(key.publicKey.isValidSignature(signature, for: message))
        #expect(!other.publicKey.isValidSignature(signature, for: message))
        #expect(key.publicKey.rawRepresentation.count == 32)
    }

    @Test("wrong-length seeds and raw public keys are refused")
    func wrongLengths() {
        for count in [0, 31, 33, 64] {
            #expect(throws: CryptoError("use an Ed25519 seed", reason: "it must be 32 bytes, not \(count)")) {
                try PrivateKey(ed25519Seed: [UInt8](repeating: 1, count: count))
            }
            #expect(throws: CryptoError("use an Ed25519 public key", reason: "it must be 32 bytes, not \(count)")) {
                try PublicKey(ed25519Raw: [UInt8](repeating: 1, count: count))
            }
        }
    }
}

@Suite("SignatureChecker (contexts kept between signatures)")
struct SignatureCheckerTests {
    @Test("same verdicts as PublicKey.isValidSignature, over both algorithms, many keys, in any order")
    func sameVerdicts() throws {
        let keys = try (0..<3).flatMap { _ in [try PrivateKey.generate(.ed25519), try PrivateKey.generate(.p256)] }
        let checker = SignatureChecker()
        for round in 0..<40 {
            let key = keys[round % keys.count]
            let message = Array("message \(round)".utf8)
            var signature = try key.signature(for: message)
            if round % 3 == 1 { signature[round % 64] ^= 0x01 }
            let other = keys[(round + 1) % keys.count].publicKey
            for (candidate, text) in [(key.publicKey, message), (other, message), (key.publicKey, message + [0])] {
                let expected = candidate.isValidSignature(signature, for: text)
                #expect(checker.isValid(signature, for: text, by: candidate) == expected)
                // The same message handed over in pieces (an empty one among them) gets the same verdict.
                let streamed = checker.isValid(signature, by: candidate) { sink in
                    text.withUnsafeBytes { bytes in
                        let cut = round % (bytes.count + 1)
                        sink(UnsafeRawBufferPointer(rebasing: bytes[..<cut]))
                        sink(UnsafeRawBufferPointer(start: nil, count: 0))
                        sink(UnsafeRawBufferPointer(rebasing: bytes[cut...]))
                    }
                }
                #expect(streamed == expected)
            }
            // A valid signature still verifies right after a failure on the same context.
            #expect(checker.isValid(try key.signature(for: message), for: message, by: key.publicKey))
            #expect(!checker.isValid(Array(signature.prefix(63)), for: message, by: key.publicKey))
        }
    }
}
