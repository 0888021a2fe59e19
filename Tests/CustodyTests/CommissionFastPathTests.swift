import Custody
import LedgerFormat
import Testing

@Suite("Commission fast path: the same answer as the general path, or none")
struct CommissionFastPathTests {
    /// The general path's answer for a commission body whose bytes parse: canonical or not, and the parsed body or the error.
    static func general(_ bytes: [UInt8]) -> (canonical: Bool, body: Result<CustodyBody?, BodyError>)? {
        guard let value = try? JSONValue.parse(bytes) else { return nil }
        let canonical = JSONValue.isCanonicalEncoding(bytes)
        do throws(BodyError) { return (canonical, .success(try CustodyBody.parse(type: "commission", json: value))) } catch {
            return (canonical, .failure(error))
        }
    }

    /// Checks the fast path against the general path on `bytes`; true when the fast path answered.
    @discardableResult
    static func agree(_ bytes: [UInt8]) -> Bool {
        guard let fast = CommissionBody(plainCanonical: bytes) else { return false }
        let text = String(decoding: bytes, as: UTF8.self)
        guard let general = general(bytes) else {
            Issue.record("the fast path read a body the general path cannot parse: \(text)")
            return true
        }
        #expect(general.canonical, "the fast path took a non-canonical text: \(text)")
        switch general.body {
        case .success(let body): #expect(body == .commission(fast), "\(text)")
        case .failure(let error): Issue.record("the fast path read a body the general path refuses (\(error)): \(text)")
        }
        return true
    }

    static let plainStrings = ["A", "Amoxicillin Capsules USP", "500 mg", "x y", "!%&'()*+,-./:;<=>?_", "~`@#$^{|}[]", "0"]
    static let oddStrings = [" ", "", " lead", "tab\there", "quote\"d", "back\\slash", "é", "😀", "line\nfeed", "\u{7F}", "\u{1}"]
    /// Set 82 but `"` (escaped in JSON, so left to the general path; `declines` covers it).
    static let serialCharacters = Array("ABCXYZabcxyz0123456789!%&'()*+,-./:;<=>?_".utf8)

    /// A commission body as JSON: mostly valid and plain, with every kind of departure now and then.
    static func randomBody(_ random: inout SplitMix) -> JSONValue {
        func text(_ length: Int, from characters: [UInt8]) -> String {
            String(decoding: (0..<length).map { _ in random.pick(characters) }, as: UTF8.self)
        }
        func string(_ maxLength: Int) -> JSONValue {
            if random.chance(2) { return .string(random.pick(oddStrings)) }
            if random.chance(1) { return random.pick([.null, .integer(7), .bool(true), .array([]), .object([:])]) }
            if random.chance(2) { return .string(String(repeating: "w", count: maxLength + random.below(2))) }
            return .string(random.pick(plainStrings))
        }
        func serial() -> JSONValue {
            if random.chance(3) { return .string(random.pick(oddStrings + ["#1", "a b", String(repeating: "7", count: 21)])) }
            if random.chance(1) { return .integer(1) }
            return .string(text(1 + random.below(random.chance(5) ? 21 : 12), from: serialCharacters))
        }
        var members: [String: JSONValue] = [:]
        if !random.chance(2) {
            let gtins = ["00312345678906", "00312345678907", "0031234567890", "003123456789066", "0031234567890A", "10312345678903"]
            members["gtin"] = random.chance(90) ? .string(random.chance(70) ? gtins[0] : random.pick(gtins)) : string(14)
        }
        if !random.chance(2) {
            var serials: [JSONValue] = (0..<(random.chance(3) ? 0 : 1 + random.below(random.chance(10) ? 30 : 3))).map { _ in serial() }
            if random.chance(5), let first = serials.first { serials.append(first) }
            members["serials"] = random.chance(97) ? .array(serials) : random.pick([.null, .string("S1"), .object([:])])
        }
        if !random.chance(2) { members["lot"] = random.chance(90) ? .string(text(1 + random.below(random.chance(5) ? 21 : 8), from: serialCharacters)) : string(20) }
        if !random.chance(2) {
            members["expiry"] = random.chance(85) ? .string(random.chance(70) ? "2028-06-30" : random.pick(["2028-02-29", "2027-02-29", "2028-13-01", "2028-6-30", "2028-06-30T00:00Z"]))
                : string(10)
        }
        if !random.chance(2) {
            var product: [String: JSONValue] = [:]
            for (key, maxLength) in [("name", 200), ("strength", 100), ("dosageForm", 100), ("containerSize", 100)] where !random.chance(2) {
                product[key] = string(maxLength)
            }
            if random.chance(30) { product["ndc"] = random.chance(80) ? .string(random.pick(["0312-3456-78", "12345-6789-01"])) : string(13) }
            if random.chance(2) { product["brand"] = .string("X") }
            members["product"] = random.chance(97) ? .object(product) : .string("product")
        }
        if random.chance(30) {
            members["eventTime"] = random.chance(85) ? .string(random.pick(["2026-03-02T14:30:00-05:00", "2026-03-02T14:30Z", "2026-03-02", "2026-03-02T25:30Z"]))
                : string(40)
        }
        if random.chance(3) { members["epcis"] = .object(["event": .string("{}")]) }
        if random.chance(2) { members["note"] = .string("unknown member") }
        return .object(members)
    }

    @Test("generated bodies: whenever the fast path answers, the general path gives that body, canonical")
    func generated() {
        var random = SplitMix(state: 6)
        var answered = 0, valid = 0
        for _ in 0..<6_000 {
            let bytes = Self.randomBody(&random).canonicalBytes
            if Self.agree(bytes) { answered += 1 }
            if case .success? = Self.general(bytes)?.body { valid += 1 }
        }
        // Both outcomes are well represented, and the fast path takes most bodies the general path accepts.
        #expect(valid > 600 && valid < 5_000, "\(valid) valid")
        #expect(answered * 10 > valid * 8, "fast path answered \(answered) of \(valid) valid bodies")
    }

    @Test("byte mutations of plain bodies: whenever the fast path answers, the general path agrees")
    func mutations() {
        var random = SplitMix(state: 60)
        let alphabet = Array(#" {}[],:"\0123456789-TZabegilnoprstuxyz"#.utf8) + [0x7F, 0xC3, 0xA9, 0x09]
        let seeds: [[UInt8]] = [
            Array(#"{"expiry":"2028-06-30","gtin":"00312345678906","lot":"LOT7","product":{"containerSize":"bottle of 100","dosageForm":"capsule","name":"Amoxicillin","strength":"500 mg"},"serials":["SN1","SN2"]}"#.utf8),
            Array(#"{"eventTime":"2026-03-02T14:30:00-05:00","expiry":"2028-02-29","gtin":"00312345678906","lot":"L","product":{"containerSize":"c","dosageForm":"d","name":"n","ndc":"0312-3456-78","strength":"s"},"serials":["A","B","a"]}"#.utf8),
        ]
        var answered = 0, changed = 0
        for seed in seeds {
            #expect(Self.agree(seed), "the seed itself is taken by the fast path")
            for _ in 0..<6_000 {
                let bytes = random.mutate(seed, alphabet: alphabet)
                guard bytes != seed else { continue }
                changed += 1
                if Self.agree(bytes) { answered += 1 }
            }
        }
        // Many mutations keep a valid plain body (a changed letter in a name, a serial); most do not.
        #expect(answered > 500 && answered < changed / 2, "\(answered) of \(changed)")
    }

    @Test("what the fast path leaves to the general path")
    func declines() {
        let plain = #"{"expiry":"2028-06-30","gtin":"00312345678906","lot":"L1","product":{"containerSize":"c","dosageForm":"d","name":"n","strength":"s"},"serials":["S1"]}"#
        #expect(CommissionBody(plainCanonical: Array(plain.utf8)) == CommissionBody(
            gtin: "00312345678906", serials: ["S1"], lot: "L1", expiry: "2028-06-30",
            product: ProductMaster(name: "n", strength: "s", dosageForm: "d", containerSize: "c")))
        let declined = [
            // Valid bodies in a shape it does not read: whitespace, an escape, non-ASCII, an imported event, a null.
            plain.replacing(#""lot":"L1""#, with: #""lot": "L1""#),
            plain.replacing(#""name":"n""#, with: #""name":"n\"q""#),
            plain.replacing(#"["S1"]"#, with: #"["S\"1"]"#),
            plain.replacing(#""name":"n""#, with: #""name":"né""#),
            plain.replacing("{\"expiry\"", with: #"{"epcis":{"event":"{}"},"expiry""#),
            plain.replacing("{\"expiry\"", with: #"{"eventTime":null,"expiry""#),
            // Members out of order, or refused by the general path.
            plain.replacing(#""gtin":"00312345678906","lot":"L1""#, with: #""lot":"L1","gtin":"00312345678906""#),
            plain.replacing("00312345678906", with: "00312345678907"),
            plain.replacing(#"["S1"]"#, with: #"["S1","S1"]"#),
            plain.replacing(#"["S1"]"#, with: #"["S 1"]"#),
            plain.replacing("2028-06-30", with: "2028-06-31"),
            plain.replacing(#""strength":"s""#, with: #""strength":" ""#),
        ]
        for text in declined {
            #expect(CommissionBody(plainCanonical: Array(text.utf8)) == nil, "\(text)")
            // Each is still judged by the general path as before.
            #expect(Self.general(Array(text.utf8)) != nil, "\(text)")
        }
    }
}
