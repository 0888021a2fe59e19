import LedgerCrypto
import LedgerFormat
import Testing

/// Deterministic pseudo-random bytes (SplitMix64), so failures reproduce.
func noise(_ count: Int, seed: UInt64) -> [UInt8] {
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

@Suite("Format properties over generated inputs")
struct FormatPropertyTests {
    /// Byte strings over `alphabet`, lengths 0..<maxLength.
    static func inputs(_ alphabet: [UInt8], count: Int, maxLength: Int, seed: UInt64) -> [[UInt8]] {
        let bytes = noise(count * (maxLength + 1), seed: seed)
        return (0..<count).map { index in
            let base = index * (maxLength + 1)
            return (0..<(Int(bytes[base]) % maxLength)).map { alphabet[Int(bytes[base + 1 + $0]) % alphabet.count] }
        }
    }

    @Test("JSON: random token soup never crashes; what parses re-serialises stably")
    func jsonSoup() throws {
        let tokens = Array(#"{}[],:"\-0123456789.eEtrufalsn u"#.utf8) + [0x00, 0x0A, 0xC3, 0xA9, 0xF0, 0x9F]
        var accepted = 0
        for input in Self.inputs(tokens, count: 30_000, maxLength: 12, seed: 11) {
            guard let value = try? JSONValue.parse(input) else { continue }
            accepted += 1
            let canonical = value.canonicalBytes
            #expect(try JSONValue.parse(canonical) == value)
            #expect(try JSONValue.parse(canonical).canonicalBytes == canonical)
        }
        #expect(accepted > 100)
    }

    @Test("JSON: every number text between the limits either parses to its value or is refused, never crashes")
    func jsonNumbers() {
        let digits = Array("-0123456789".utf8)
        for input in Self.inputs(digits, count: 20_000, maxLength: 22, seed: 12) {
            let text = String(decoding: input, as: UTF8.self)
            if let value = try? JSONValue.parse(input) {
                #expect(value.canonicalString == text, "\(text)")
            }
        }
        for text in ["-9223372036854775808", "9223372036854775807", "-9223372036854775809", "18446744073709551616"] {
            #expect(jsonError(text)?.reason == "integer \(text) is outside ±(2^53 − 1)")
        }
    }

    @Test("entries: a mutated entry either fails to decode or re-encodes to exactly the same bytes")
    func entryMutations() {
        let bytes = EntryTests.sample().canonicalBytes
        let random = noise(6000, seed: 13)
        var decoded = 0
        for round in 0..<2000 {
            var mutated = bytes
            mutated[Int(random[round * 3]) % bytes.count] = random[round * 3 + 1]
            if random[round * 3 + 2] < 32 { mutated.removeLast(Int(random[round * 3 + 2]) % 5) }
            guard let entry = try? Entry(canonicalBytes: mutated) else { continue }
            decoded += 1
            #expect(entry.canonicalBytes == mutated)
        }
        #expect(decoded > 100)
    }

    @Test("frames: parsing random buffers never crashes and frames stay inside the buffer")
    func frameSoup() {
        let random = noise(64 * 2000, seed: 14)
        for round in 0..<2000 {
            var buffer = Array(random[(round * 64)..<(round * 64 + 64)])
            if round % 2 == 0 { buffer.replaceSubrange(0..<5, with: Array("CLFR".utf8) + [UInt8(round % 3)]) }
            if round % 4 == 0 { buffer.replaceSubrange(5..<9, with: [0, 0, 0, UInt8(round % 30)]) }
            let parsed = buffer.withUnsafeBytes { Frame.parse($0, at: round % 10) }
            if case .frame(let entry, let hash, _, let length) = parsed {
                #expect(entry.lowerBound == round % 10 + Frame.headerSize)
                #expect(hash.upperBound <= buffer.count)
                #expect(hash.upperBound - (round % 10) == length)
            }
        }
    }

    @Test("timestamps: random text never crashes; what parses formats back to the same instant")
    func timestampSoup() {
        let alphabet = Array("0123456789-:T.Z+ 2".utf8)
        var accepted = 0
        for input in Self.inputs(alphabet, count: 30_000, maxLength: 30, seed: 15) {
            let text = String(decoding: input, as: UTF8.self)
            guard let ms = Timestamp.parse(text) else { continue }
            accepted += 1
            #expect(Timestamp.parse(Timestamp.iso8601(ms)) == ms, "\(text)")
        }
        let templates = ["2024-02-29T12:34:56.789Z", "1999-12-31T23:59:59+05:30", "2000-01-01"]
        let random = noise(3 * 30_000, seed: 16)
        for round in 0..<30_000 {
            var chars = Array(templates[round % 3].utf8)
            chars[Int(random[round * 3]) % chars.count] = alphabet[Int(random[round * 3 + 1]) % alphabet.count]
            let text = String(decoding: chars, as: UTF8.self)
            guard let ms = Timestamp.parse(text) else { continue }
            accepted += 1
            #expect(Timestamp.parse(Timestamp.iso8601(ms)) == ms, "\(text)")
        }
        #expect(accepted > 100)
    }
}
