import LedgerCrypto
import Testing

@Suite("Hex")
struct HexTests {
    @Test("encodes lowercase, two digits per byte")
    func encode() {
        #expect(Hex.encode([]) == "")
        #expect(Hex.encode([0x00, 0x01, 0x7f, 0x80, 0xab, 0xff]) == "00017f80abff")
        #expect(Hex.encode(Array(UInt8(0)...UInt8(255))).count == 512)
        #expect(Hex.encode([UInt8](repeating: 0xcd, count: 3)[...]) == "cdcdcd")
    }

    @Test("round trips every byte value and random buffers")
    func roundTrip() {
        let all = Array(UInt8(0)...UInt8(255))
        #expect(Hex.decode(Hex.encode(all)) == all)
        for length in [0, 1, 2, 31, 32, 33, 1000] {
            let bytes = pseudoRandomBytes(length, seed: UInt64(length) + 100)
            #expect(Hex.decode(Hex.encode(bytes)) == bytes)
        }
    }

    @Test("decodes either case")
    func decodeCase() {
        #expect(Hex.decode("DEADbeef") == [0xde, 0xad, 0xbe, 0xef])
        #expect(Hex.decode("") == [])
        #expect(Hex.decode("0aF0") == [0x0a, 0xf0])
    }

    @Test("refuses odd lengths and non-hex characters", arguments: ["0", "abc", "0g", "g0", " 00", "00 ", "0x00", "-1", "éé", "0\n", "+0", "٠٠"])
    func refusals(_ text: String) {
        #expect(Hex.decode(text) == nil)
    }
}

@Suite("Base64")
struct Base64Tests {
    /// RFC 4648 §10.
    static let rfc4648: [(String, String)] = [
        ("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"),
        ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy"),
    ]

    @Test("RFC 4648 §10 test vectors, both ways")
    func rfcVectors() {
        for (plain, encoded) in Self.rfc4648 {
            #expect(Base64.encode(Array(plain.utf8)) == encoded)
            #expect(Base64.decode(encoded) == Array(plain.utf8))
        }
    }

    @Test("uses the standard alphabet with + and /")
    func alphabet() {
        #expect(Base64.encode([0xfb, 0xff, 0xbf]) == "+/+/")
        #expect(Base64.decode("+/+/") == [0xfb, 0xff, 0xbf])
        #expect(Base64.encode([0, 1, 2]) == "AAEC")
        #expect(Base64.encode([0x3e << 2]) == "+A==")
    }

    @Test("round trips every length from 0 to 100 and every byte value")
    func roundTrip() {
        for length in 0...100 {
            let bytes = pseudoRandomBytes(length, seed: UInt64(length) * 7 + 1)
            let encoded = Base64.encode(bytes)
            #expect(encoded.utf8.count == (length + 2) / 3 * 4)
            #expect(Base64.decode(encoded) == bytes, "length \(length)")
        }
        let all = Array(UInt8(0)...UInt8(255))
        #expect(Base64.decode(Base64.encode(all)) == all)
    }

    @Test("refuses characters outside the alphabet", arguments: [
        "Zm9v\n", "Zm 9v", " Zm9v", "Zm9-", "Zm9_", "Zm9v.", "Zm9é", "Zé==", "Zm9\u{0}",
    ])
    func badCharacters(_ text: String) {
        #expect(Base64.decode(text) == nil)
    }

    @Test("refuses bad padding and lengths", arguments: [
        "Z", "Zg", "Zg=", "Zm9", "Zg===", "Z===", "====", "=Zg=", "Zg=a", "Zm=v",
        "Zg==Zg==", "Zm8=Zm9v", "Zm9v====", "Zm9vYg", "Zm9vYg=",
    ])
    func badPadding(_ text: String) {
        #expect(Base64.decode(text) == nil)
    }

    @Test("refuses non-zero bits under the padding, so each value has one encoding", arguments: [
        "Zh==", "Zn==", "Zv==", "Zm9=", "Zm+=", "Zm9vYh==", "Zm9vYmF=", "AB==", "AAB=",
    ])
    func nonCanonicalTrailingBits(_ text: String) {
        #expect(Base64.decode(text) == nil)
    }

    @Test("the canonical neighbours of the refused encodings decode")
    func canonicalNeighbours() {
        #expect(Base64.decode("Zg==") == [0x66])
        #expect(Base64.decode("Zm8=") == [0x66, 0x6f])
        #expect(Base64.decode("AA==") == [0])
        #expect(Base64.decode("AAA=") == [0, 0])
    }
}
