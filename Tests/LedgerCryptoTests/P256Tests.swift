import LedgerCrypto
import Testing

@Suite("ECDSA P-256")
struct P256Tests {
    @Test("Wycheproof DER cases verify exactly when valid", arguments: VectorFile.shared.p256Verify)
    func wycheproof(_ vector: VectorFile.P256DERVector) throws {
        let key = try PublicKey(p256Uncompressed: hex(vector.publicKeyUncompressedHex))
        #expect(key.algorithm == .p256)
        let message = hex(vector.messageHex)
        let der = hex(vector.signatureDerHex)
        #expect(key.isValidECDSASignature(der: der, for: message) == vector.valid)
        if vector.valid {
            // A valid DER signature also verifies in the ledger's fixed r ‖ s form.
            let raw = try #require(ECDSASignature.raw(fromDER: der))
            #expect(raw.count == 64)
            #expect(key.isValidSignature(raw, for: message))
            #expect(!key.isValidSignature(raw, for: message + [0]))
        }
    }

    @Test("raw(fromDER:) is strict: whatever it accepts re-encodes to the same DER", arguments: VectorFile.shared.p256Verify)
    func rawFromDERIsStrict(_ vector: VectorFile.P256DERVector) {
        let der = hex(vector.signatureDerHex)
        guard let raw = ECDSASignature.raw(fromDER: der) else { return }
        #expect(ECDSASignature.der(fromRaw: raw) == der, "accepted non-canonical DER: \(vector.comment)")
    }

    @Test("raw(fromDER:) refuses trailing bytes, truncation and garbage")
    func rawFromDERRefusals() throws {
        let key = try PrivateKey.generate(.p256)
        let der = try #require(ECDSASignature.der(fromRaw: try key.signature(for: [1, 2, 3])))
        #expect(ECDSASignature.raw(fromDER: der) != nil)
        #expect(ECDSASignature.raw(fromDER: der + [0]) == nil)
        #expect(ECDSASignature.raw(fromDER: Array(der.dropLast())) == nil)
        #expect(ECDSASignature.raw(fromDER: []) == nil)
        #expect(ECDSASignature.raw(fromDER: [0x30, 0x00]) == nil)
        #expect(ECDSASignature.raw(fromDER: pseudoRandomBytes(70, seed: 7)) == nil)
    }

    @Test("CAVP raw r ‖ s cases verify exactly when valid", arguments: VectorFile.shared.p256VerifyRaw)
    func cavp(_ vector: VectorFile.P256RawVector) throws {
        let key = try PublicKey(p256Uncompressed: hex(vector.publicKeyUncompressedHex))
        let message = hex(vector.messageHex)
        let raw = hex(vector.rHex) + hex(vector.sHex)
        try #require(raw.count == 64)
        let der = try #require(ECDSASignature.der(fromRaw: raw))
        #expect(ECDSASignature.raw(fromDER: der) == raw)
        #expect(key.isValidECDSASignature(der: der, for: message) == vector.valid)
        #expect(key.isValidSignature(raw, for: message) == vector.valid)
    }

    @Test("sign then verify round trip with 64-byte signatures")
    func signVerify() throws {
        let key = try PrivateKey.generate(.p256)
        let other = try PrivateKey.generate(.p256)
        #expect(key.algorithm == .p256)
        #expect(key.publicKey.rawRepresentation.count == 65)
        #expect(key.publicKey.rawRepresentation.first == 0x04)
        for length in [0, 1, 55, 64, 1000] {
            let message = pseudoRandomBytes(length, seed: UInt64(length))
            let signature = try key.signature(for: message)
            #expect(signature.count == SignatureAlgorithm.p256.signatureByteCount)
            #expect(key.publicKey.isValidSignature(signature, for: message))
            #expect(!other.publicKey.isValidSignature(signature, for: message))
            #expect(!key.publicKey.isValidSignature(signature, for: message + [0x2a]))
            #expect(!key.publicKey.isValidSignature(flipping(signature, byte: 10), for: message))
            #expect(!key.publicKey.isValidSignature(flipping(signature, byte: 50), for: message))
            #expect(!key.publicKey.isValidSignature(Array(signature.dropLast()), for: message))
            let der = try #require(ECDSASignature.der(fromRaw: signature))
            #expect(key.publicKey.isValidECDSASignature(der: der, for: message))
            #expect(ECDSASignature.raw(fromDER: der) == signature)
        }
    }

    @Test("the public key survives the raw point round trip")
    func uncompressedRoundTrip() throws {
        let key = try PrivateKey.generate(.p256)
        let again = try PublicKey(p256Uncompressed: key.publicKey.rawRepresentation)
        #expect(again == key.publicKey)
        #expect(again.spkiDER == key.publicKey.spkiDER)
        #expect(again.keyID == key.publicKey.keyID)
    }

    @Test("raw ⇄ DER keeps short integers and high bits exact")
    func rawDERRoundTrip() throws {
        let cases: [[UInt8]] = [
            [UInt8](repeating: 0, count: 31) + [1] + [UInt8](repeating: 0, count: 31) + [2],
            [0x80] + [UInt8](repeating: 0x11, count: 31) + [0xff] + [UInt8](repeating: 0xee, count: 31),
            [0x00, 0x7f] + [UInt8](repeating: 0x22, count: 30) + [0x00, 0x00, 0x80] + [UInt8](repeating: 0x33, count: 29),
            pseudoRandomBytes(64, seed: 42),
        ]
        for raw in cases {
            let der = try #require(ECDSASignature.der(fromRaw: raw))
            #expect(der.first == 0x30)
            #expect(ECDSASignature.raw(fromDER: der) == raw)
        }
        let small = try #require(ECDSASignature.der(fromRaw: cases[0]))
        #expect(small == [0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x02])
        let high = try #require(ECDSASignature.der(fromRaw: cases[1]))
        #expect(high.count == 2 + 2 + 33 + 2 + 33, "a high bit needs a leading zero byte")
        #expect(Array(high[2..<5]) == [0x02, 0x21, 0x00])
    }

    @Test("der(fromRaw:) writes strict DER for any r and s: fewest bytes, a zero byte only before a high bit, OpenSSL reads it back")
    func derFromRawIsStrict() throws {
        // Integers with long runs of leading zeros and every top bit, zero itself included.
        var cases: [[UInt8]] = [[UInt8](repeating: 0, count: 64), [UInt8](repeating: 0xff, count: 64)]
        for seed in 0..<600 {
            var raw = pseudoRandomBytes(64, seed: UInt64(1000 + seed))
            for (base, zeros) in [(0, seed % 33), (32, (seed / 33) % 33)] where zeros > 0 {
                for index in base..<base + min(zeros, 32) { raw[index] = 0 }
            }
            cases.append(raw)
        }
        for raw in cases {
            let der = try #require(ECDSASignature.der(fromRaw: raw))
            #expect(der[0] == 0x30 && Int(der[1]) == der.count - 2)
            var offset = 2
            for half in 0..<2 {
                #expect(der[offset] == 0x02)
                let length = Int(der[offset + 1])
                let content = Array(der[(offset + 2)..<(offset + 2 + length)])
                #expect(!content.isEmpty)
                #expect(content[0] & 0x80 == 0, "a DER INTEGER here is non-negative")
                if content.count > 1 { #expect(content[0] != 0 || content[1] & 0x80 != 0, "a leading zero byte only before a high bit") }
                let value = Array(raw[(half * 32)..<(half * 32 + 32)])
                let padded = [UInt8](repeating: 0, count: 32 - min(32, content.count)) + content.suffix(32)
                #expect(padded == value)
                offset += 2 + length
            }
            #expect(offset == der.count)
            #expect(ECDSASignature.raw(fromDER: der) == raw, "OpenSSL's d2i reads back what was written")
        }
    }

    @Test("der(fromRaw:) and withDER(fromRaw:) refuse anything but 64 bytes")
    func derFromRawLengths() {
        for count in [0, 32, 63, 65, 128] {
            #expect(ECDSASignature.der(fromRaw: [UInt8](repeating: 1, count: count)) == nil)
            var called = false
            #expect(ECDSASignature.withDER(fromRaw: [UInt8](repeating: 1, count: count)) { _ in called = true } == nil)
            #expect(!called)
        }
    }

    @Test("the longest DER (both integers with a high bit) fits withDER's buffer exactly")
    func longestDER() throws {
        let raw = [UInt8](repeating: 0x80, count: 64)
        let der = try #require(ECDSASignature.withDER(fromRaw: raw) { Array($0) })
        #expect(der.count == ECDSASignature.maxDERByteCount)
        let integer: [UInt8] = [0x02, 33, 0x00] + [UInt8](repeating: 0x80, count: 32)
        let expected: [UInt8] = [0x30, 70] + integer + integer
        #expect(der == expected)
    }

    @Test("a malformed uncompressed point is refused")
    func badPoints() throws {
        let point = try PrivateKey.generate(.p256).publicKey.rawRepresentation
        #expect(throws: CryptoError("use a P-256 public key", reason: "an uncompressed point is 65 bytes starting 0x04")) {
            try PublicKey(p256Uncompressed: Array(point.dropLast()))
        }
        #expect(throws: CryptoError("use a P-256 public key", reason: "an uncompressed point is 65 bytes starting 0x04")) {
            try PublicKey(p256Uncompressed: point + [0])
        }
        #expect(throws: CryptoError("use a P-256 public key", reason: "an uncompressed point is 65 bytes starting 0x04")) {
            try PublicKey(p256Uncompressed: [0x02] + point.dropFirst())
        }
        // Off the curve: OpenSSL refuses it when parsing.
        let error = thrownError { try PublicKey(p256Uncompressed: flipping(point, byte: 64)) }
        let cryptoError = try #require(error as? CryptoError)
        #expect(cryptoError.operation == "parse a DER public key (SubjectPublicKeyInfo)")
        #expect(!cryptoError.reason.isEmpty)
    }
}
