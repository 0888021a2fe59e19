import LedgerCrypto
import Testing

@Suite("Encoding properties over generated inputs")
struct EncodingPropertyTests {
    /// Strings over `alphabet` with lengths 0..<maxLength, deterministic.
    static func strings(_ alphabet: String, count: Int, maxLength: Int, seed: UInt64) -> [String] {
        let chars = Array(alphabet)
        let noise = pseudoRandomBytes(count * (maxLength + 1), seed: seed)
        return (0..<count).map { index in
            let base = index * (maxLength + 1)
            let length = Int(noise[base]) % maxLength
            return String((0..<length).map { chars[Int(noise[base + 1 + $0]) % chars.count] })
        }
    }

    @Test("base64: whatever decodes re-encodes to the same text (one encoding per value)")
    func base64Canonical() {
        var accepted = 0
        for text in Self.strings("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/==AQgw", count: 20_000, maxLength: 13, seed: 1) {
            guard let bytes = Base64.decode(text) else { continue }
            accepted += 1
            #expect(Base64.encode(bytes) == text)
        }
        #expect(accepted > 1000, "the generator should produce many valid encodings")
    }

    @Test("hex: whatever decodes re-encodes to the same text, lowercased")
    func hexCanonical() {
        var accepted = 0
        for text in Self.strings("0123456789abcdefABCDEFxg", count: 5000, maxLength: 9, seed: 2) {
            guard let bytes = Hex.decode(text) else { continue }
            accepted += 1
            #expect(Hex.encode(bytes) == text.lowercased())
        }
        #expect(accepted > 100)
    }

    @Test("DER signatures: whatever raw(fromDER:) accepts re-encodes exactly")
    func derCanonical() throws {
        let key = try PrivateKey.generate(.p256)
        let der = try #require(ECDSASignature.der(fromRaw: try key.signature(for: [1])))
        let noise = pseudoRandomBytes(4000, seed: 3)
        for round in 0..<1000 {
            var mutated = der
            mutated[Int(noise[round * 4]) % der.count] = noise[round * 4 + 1]
            if noise[round * 4 + 2] & 1 == 1 { mutated.append(noise[round * 4 + 3]) }
            guard let raw = ECDSASignature.raw(fromDER: mutated) else { continue }
            #expect(ECDSASignature.der(fromRaw: raw) == mutated)
        }
    }
}
