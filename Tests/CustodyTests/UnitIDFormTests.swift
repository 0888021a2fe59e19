import Custody
import LedgerFormat
import Testing

@Suite("UnitID: reading the canonical form by byte offsets agrees with reading it by characters")
struct UnitIDFormTests {
    /// Printable ASCII texts near the canonical forms: prefixes, lengths and separators slightly off.
    static func randomText(_ random: inout SplitMix) -> String {
        let pieces = ["(00)", "(01)", "(21)", "(0", "(", ")", "00312345678906", "106141412345678908", "0031234567890", "S1", "A(21)B", " ", "x", "7", "(01)0031234567890(21)"]
        var text = random.pick(["(00)", "(01)00312345678906(21)", "(01)", ""])
        for _ in 0..<random.below(4) { text += random.pick(pieces) }
        if random.chance(30), !text.isEmpty {
            var bytes = Array(text.utf8)
            bytes[random.below(bytes.count)] = UInt8(0x20 + random.below(0x5F))
            text = String(decoding: bytes, as: UTF8.self)
        }
        return text
    }

    @Test("generated printable-ASCII texts: the same parts or the same refusal")
    func generated() {
        var random = SplitMix(state: 21)
        var formed = 0
        for _ in 0..<20_000 {
            let text = Self.randomText(&random)
            let byBytes = UnitID.form(printableASCII: Array(text.utf8))
            #expect(byBytes == UnitID.form(characters: text), "\(text)")
            if byBytes != nil { formed += 1 }
        }
        // Both outcomes are well represented.
        #expect(formed > 2_000 && formed < 18_000, "\(formed) formed")
    }

    @Test("texts that are not printable ASCII are read by characters, errors unchanged")
    func otherTexts() {
        // A combining mark after `(00)` makes `)́` one character: not the form at all, whatever the bytes say.
        for text in ["(00)\u{301}106141412345678908", "(01)00312345678906(21)S\u{1}", "(01)0031234567890\u{E9}(21)S1", "(00)\r\n"] {
            let error = #expect(throws: CustodyError.self) { try UnitID(canonical: text) }
            #expect(error?.code == .badIdentifier)
        }
        let marked = #expect(throws: CustodyError.self) { try UnitID(canonical: "(00)\u{301}106141412345678908") }
        #expect(marked?.message.contains("is not an identifier of the form") == true, "\(String(describing: marked))")
        #expect(UnitID.form(characters: "(00)\u{301}1") == nil)
        #expect(throws: Never.self) { try UnitID(canonical: "(01)00312345678906(21)S1") }
    }
}

@Suite("Bodies of every type, mutated: the one-pass parse and canonical verdict agree with parse + isCanonicalEncoding")
struct BodyMutationTests {
    @Test("byte mutations of every sample body", arguments: CustodyBodyType.allCases)
    func mutations(type: CustodyBodyType) {
        var random = SplitMix(state: 90 + UInt64(type.rawValue.utf8.count))
        let seed = SampleBodies.json(type).canonicalBytes
        let alphabet = Array(#" {}[],:"\0123456789-()TZabefnrtux/"#.utf8) + [0x7F, 0xC3, 0xA9, 0x09]
        var parsed = 0, canonical = 0, valid = 0
        for _ in 0..<1_500 {
            let bytes = random.mutate(seed, alphabet: alphabet)
            let text = String(decoding: bytes, as: UTF8.self)
            let noted = try? JSONValue.parseNotingCanonical(bytes)
            let value = try? JSONValue.parse(bytes)
            #expect(noted?.value == value, "\(text)")
            guard let noted, let value else { continue }
            parsed += 1
            #expect(noted.canonical == JSONValue.isCanonicalEncoding(bytes), "\(text)")
            #expect(noted.canonical == (value.canonicalBytes == bytes), "\(text)")
            if noted.canonical { canonical += 1 }
            if (try? CustodyBody.parse(type: type.rawValue, json: value)) != nil { valid += 1 }
        }
        // Mutations that still parse, some canonical and some valid bodies among them.
        #expect(parsed > 100 && canonical > 20 && valid > 20, "\(parsed) parsed, \(canonical) canonical, \(valid) valid")
    }
}
