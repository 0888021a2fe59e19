/// A JSON value, as the ledger reads and writes entry bodies.
///
/// The ledger accepts a strict subset of RFC 8259: numbers must be integers in the IEEE-754
/// exactly-representable range (±(2^53 − 1)), object keys must be unique, and nesting is bounded.
/// `canonicalBytes` is the RFC 8785 (JCS) serialisation of such a value, so any JCS library
/// reproduces the bytes a partner signs.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case integer(Int64)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// The largest magnitude an integer may have (2^53 − 1), so every JSON implementation reads it exactly.
    public static let maxSafeInteger: Int64 = 9_007_199_254_740_991

    /// The member `key` of an object, or nil.
    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    /// The string, if this is one.
    public var stringValue: String? { if case .string(let s) = self { return s } else { return nil } }
    /// The integer, if this is one.
    public var integerValue: Int64? { if case .integer(let i) = self { return i } else { return nil } }
    /// The bool, if this is one.
    public var boolValue: Bool? { if case .bool(let b) = self { return b } else { return nil } }
    /// The elements, if this is an array.
    public var arrayValue: [JSONValue]? { if case .array(let a) = self { return a } else { return nil } }
    /// The members, if this is an object.
    public var objectValue: [String: JSONValue]? { if case .object(let o) = self { return o } else { return nil } }

    /// A short name of the value's kind, for error messages.
    public var kindName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .integer: "an integer"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

/// Why a JSON text was refused, and where (byte offset).
public struct JSONError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Byte offset into the text where the problem was found.
    public var offset: Int
    /// What is wrong there.
    public var reason: String
    public var description: String { "invalid JSON at byte \(offset): \(reason)" }
}

extension JSONValue {
    /// Parses a JSON text strictly (see the type's documentation); `maxDepth` bounds nesting.
    public static func parse(_ bytes: [UInt8], maxDepth: Int = 64) throws(JSONError) -> JSONValue {
        var parser = JSONParser(bytes: bytes, maxDepth: maxDepth, builder: LedgerJSONBuilder())
        return try parser.parseDocument()
    }

    /// Parses a JSON text as `parse` does and tells, in the same pass, whether the bytes are exactly the
    /// canonical form of the value: `canonical` is `isCanonicalEncoding(bytes)` (the verifier asks both of
    /// every body, and one pass costs less than two).
    public static func parseNotingCanonical(_ bytes: [UInt8], maxDepth: Int = 64) throws(JSONError) -> (value: JSONValue, canonical: Bool) {
        var parser = JSONParser(bytes: bytes, maxDepth: maxDepth, builder: LedgerJSONBuilder())
        let value = try parser.parseDocument()
        return (value, parser.canonical)
    }

    /// Parses a JSON text given as a Swift string.
    public static func parse(_ text: String, maxDepth: Int = 64) throws(JSONError) -> JSONValue {
        try parse(Array(text.utf8), maxDepth: maxDepth)
    }

    /// The RFC 8785 canonical form: no whitespace, object members sorted by the UTF-16 code units of
    /// their keys, strings with only the mandatory escapes, integers in plain decimal.
    public var canonicalBytes: [UInt8] {
        var out: [UInt8] = []
        writeCanonical(into: &out)
        return out
    }

    /// The canonical form as a string.
    public var canonicalString: String { String(decoding: canonicalBytes, as: UTF8.self) }

    func writeCanonical(into out: inout [UInt8]) {
        switch self {
        case .null: out += Array("null".utf8)
        case .bool(let b): out += Array((b ? "true" : "false").utf8)
        case .integer(let i): out += Array(String(i).utf8)
        case .string(let s): JSONValue.writeString(s, into: &out)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                element.writeCanonical(into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            let keys = members.keys.sorted { $0.utf16.lexicographicallyPrecedes($1.utf16) }
            for (index, key) in keys.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                JSONValue.writeString(key, into: &out)
                out.append(UInt8(ascii: ":"))
                members[key]!.writeCanonical(into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Appends `s` as a JSON string as RFC 8785 writes it (only `"`, `\\` and control characters escaped);
    /// the EPCIS module writes its strings with it too.
    package static func writeString(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        // Fast path: nothing to escape (the common case) is one bulk copy.
        var plain = s
        let copied: Bool = plain.withUTF8 { bytes in
            guard !bytes.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) else { return false }
            out.append(contentsOf: bytes)
            return true
        }
        if copied {
            out.append(UInt8(ascii: "\""))
            return
        }
        let hex = Array("0123456789abcdef".utf8)
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case 0x08: out += [UInt8(ascii: "\\"), UInt8(ascii: "b")]
            case 0x09: out += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case 0x0A: out += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case 0x0C: out += [UInt8(ascii: "\\"), UInt8(ascii: "f")]
            case 0x0D: out += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case 0x00..<0x20:
                out += Array("\\u00".utf8)
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0xf)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}

/// What a `JSONParser` builds values with: the ledger's `JSONValue` (integers only, members unordered), or
/// another value type (EPCIS keeps members in order and numbers as written).
public protocol JSONBuilder {
    /// The values built.
    associatedtype Value
    /// An object under construction.
    associatedtype Object
    /// A value for a number literal of RFC 8259 grammar (`isInteger` when it has no fraction or exponent);
    /// throws the reason when the builder does not accept it.
    func number(_ literal: ArraySlice<UInt8>, isInteger: Bool) throws(JSONBuilderRefusal) -> Value
    func string(_ text: String) -> Value
    func bool(_ flag: Bool) -> Value
    func null() -> Value
    func array(_ elements: [Value]) -> Value
    func newObject() -> Object
    /// Adds a member; false when the object already has `key`.
    func add(_ key: String, _ value: Value, to object: inout Object) -> Bool
    func object(_ object: Object) -> Value
}

/// Why a builder refused a number.
public struct JSONBuilderRefusal: Error {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
}

/// Builds the ledger's `JSONValue`: integers within ±(2^53 − 1) only.
struct LedgerJSONBuilder: JSONBuilder {
    func number(_ literal: ArraySlice<UInt8>, isInteger: Bool) throws(JSONBuilderRefusal) -> JSONValue {
        guard isInteger else { throw JSONBuilderRefusal("only integer numbers are allowed (write fractions and decimals as strings)") }
        let text = String(decoding: literal, as: UTF8.self)
        // `magnitude`, not `abs`: abs(Int64.min) traps.
        guard let value = Int64(text), value.magnitude <= JSONValue.maxSafeInteger.magnitude else {
            throw JSONBuilderRefusal("integer \(text) is outside ±(2^53 − 1)")
        }
        if value == 0, literal.first == UInt8(ascii: "-") { throw JSONBuilderRefusal("-0 is not allowed") }
        return .integer(value)
    }
    func string(_ text: String) -> JSONValue { .string(text) }
    func bool(_ flag: Bool) -> JSONValue { .bool(flag) }
    func null() -> JSONValue { .null }
    func array(_ elements: [JSONValue]) -> JSONValue { .array(elements) }
    func newObject() -> PendingObject { PendingObject() }
    func add(_ key: String, _ value: JSONValue, to object: inout PendingObject) -> Bool { object.add(key, value) }
    func object(_ object: PendingObject) -> JSONValue { .object(object.dictionary) }

    /// An object's members as they arrive, made a dictionary once complete: sized once rather than grown
    /// member by member (the objects of entry bodies have a handful of members).
    struct PendingObject {
        var members: [(key: String, value: JSONValue)] = []
        /// The names so far, once there are too many to compare one by one.
        var names: Set<String>?

        static let linearLimit = 16

        /// Adds a member; false when the object already has `key`.
        mutating func add(_ key: String, _ value: JSONValue) -> Bool {
            if members.isEmpty { members.reserveCapacity(8) }
            if names == nil, members.count >= Self.linearLimit {
                names = Set(minimumCapacity: 2 * Self.linearLimit)
                for member in members { names!.insert(member.key) }
            }
            if names != nil {
                guard names!.insert(key).inserted else { return false }
            } else if members.contains(where: { $0.key == key }) {
                return false
            }
            members.append((key, value))
            return true
        }

        var dictionary: [String: JSONValue] {
            var dictionary = [String: JSONValue](minimumCapacity: members.count)
            for member in members { dictionary[member.key] = member.value }
            return dictionary
        }
    }
}

/// A recursive-descent parser over UTF-8 bytes: strict RFC 8259 (no byte-order mark, unique member names,
/// bounded nesting), building values with `Builder`.
public struct JSONParser<Builder: JSONBuilder> {
    let bytes: [UInt8]
    let maxDepth: Int
    let builder: Builder
    var index = 0
    /// Whether everything parsed so far is written exactly as RFC 8785 writes it (no whitespace, members in
    /// UTF-16 order of their names, only the mandatory escapes in their one spelling); integers are always
    /// written canonically once `LedgerJSONBuilder` accepts them (no fraction, exponent, leading zero or `-0`).
    public private(set) var canonical = true
    /// Whether the last string parsed was ASCII without an escape (its bytes are its text, in UTF-16 order).
    var lastStringRaw = true

    /// A parser of `bytes` nesting at most `maxDepth` levels.
    public init(bytes: [UInt8], maxDepth: Int, builder: Builder) {
        self.bytes = bytes
        self.maxDepth = maxDepth
        self.builder = builder
    }

    func fail(_ reason: String, at offset: Int? = nil) -> JSONError {
        JSONError(offset: offset ?? index, reason: reason)
    }

    /// Parses the whole text as one value.
    public mutating func parseDocument() throws(JSONError) -> Builder.Value {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { throw fail("a byte-order mark is not allowed") }
        skipWhitespace()
        let value = try parseValue(depth: 0)
        skipWhitespace()
        guard index == bytes.count else { throw fail("unexpected data after the JSON value") }
        return value
    }

    mutating func skipWhitespace() {
        while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) {
            index += 1
            canonical = false
        }
    }

    mutating func parseValue(depth: Int) throws(JSONError) -> Builder.Value {
        guard depth <= maxDepth else { throw fail("nesting deeper than \(maxDepth) levels") }
        guard index < bytes.count else { throw fail("unexpected end of input") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try parseObject(depth: depth)
        case UInt8(ascii: "["): return try parseArray(depth: depth)
        case UInt8(ascii: "\""): return builder.string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return builder.bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return builder.bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return builder.null()
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw fail("unexpected character '\(Self.printable(bytes[index]))'")
        }
    }

    static func printable(_ byte: UInt8) -> String {
        (0x20..<0x7F).contains(byte) ? String(UnicodeScalar(byte)) : String(format: byte)
    }

    mutating func expectLiteral(_ literal: String) throws(JSONError) {
        let expected = Array(literal.utf8)
        guard bytes.count - index >= expected.count, Array(bytes[index..<index + expected.count]) == expected else {
            throw fail("invalid literal (expected \(literal))")
        }
        index += expected.count
    }

    mutating func parseObject(depth: Int) throws(JSONError) -> Builder.Value {
        index += 1
        var members = builder.newObject()
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return builder.object(members) }
        // The previous member's name, for the canonical order: its text, and its bytes when written raw.
        var previous: (key: String, raw: Range<Int>?)?
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw fail("expected a member name in quotes") }
            let keyOffset = index
            let key = try parseString()
            if canonical {
                let raw = lastStringRaw ? (keyOffset + 1)..<(index - 1) : nil
                if let previous, !precedes(previous, (key, raw)) { canonical = false }
                previous = (key, raw)
            }
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw fail("expected ':' after member name") }
            index += 1
            skipWhitespace()
            guard builder.add(key, try parseValue(depth: depth + 1), to: &members) else {
                throw fail("duplicate member name \"\(key)\"", at: keyOffset)
            }
            skipWhitespace()
            guard index < bytes.count else { throw fail("unexpected end of input in an object") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "}") { index += 1; return builder.object(members) }
            throw fail("expected ',' or '}' in an object")
        }
    }

    mutating func parseArray(depth: Int) throws(JSONError) -> Builder.Value {
        index += 1
        var elements: [Builder.Value] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return builder.array(elements) }
        while true {
            skipWhitespace()
            elements.append(try parseValue(depth: depth + 1))
            skipWhitespace()
            guard index < bytes.count else { throw fail("unexpected end of input in an array") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "]") { index += 1; return builder.array(elements) }
            throw fail("expected ',' or ']' in an array")
        }
    }

    /// A number of RFC 8259 grammar, handed to the builder as written.
    mutating func parseNumber() throws(JSONError) -> Builder.Value {
        let start = index
        func digits() -> Int {
            let from = index
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
            return index - from
        }
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        let digitsStart = index
        let integerDigits = digits()
        guard integerDigits > 0 else { throw fail("a number needs digits", at: start) }
        var isInteger = true
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            isInteger = false
            guard digits() > 0 else { throw fail("a fraction needs digits", at: start) }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            isInteger = false
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard digits() > 0 else { throw fail("an exponent needs digits", at: start) }
        }
        do throws(JSONBuilderRefusal) {
            let value = try builder.number(bytes[start..<index], isInteger: isInteger)
            if bytes[digitsStart] == UInt8(ascii: "0"), integerDigits > 1 { throw JSONBuilderRefusal("leading zeros are not allowed") }
            return value
        } catch {
            throw fail(error.reason, at: start)
        }
    }

    mutating func parseString() throws(JSONError) -> String {
        let start = index
        // Most strings hold no escape: find the closing quote and take the bytes between as they are.
        var end = start + 1
        var ascii = true
        while end < bytes.count {
            let byte = bytes[end]
            if byte == UInt8(ascii: "\"") {
                lastStringRaw = ascii
                let decoded: String? = bytes.withUnsafeBufferPointer { buffer in
                    let content = UnsafeBufferPointer(rebasing: buffer[(start + 1)..<end])
                    // ASCII is valid UTF-8 as it stands; anything else is validated.
                    return ascii ? String(decoding: content, as: UTF8.self) : String(validating: content, as: UTF8.self)
                }
                guard let decoded else { throw fail("invalid UTF-8 in a string", at: start) }
                index = end + 1
                return decoded
            }
            if byte == UInt8(ascii: "\\") || byte < 0x20 { break }
            if byte >= 0x80 { ascii = false }
            end += 1
        }
        // An escape, a control character or no closing quote: byte by byte, failing where the error is.
        lastStringRaw = false
        index += 1
        var utf8: [UInt8] = []
        while true {
            guard index < bytes.count else { throw fail("unterminated string", at: start) }
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                break
            }
            if byte < 0x20 { throw fail("control character 0x\(String(byte, radix: 16)) must be escaped in a string") }
            guard byte == UInt8(ascii: "\\") else {
                utf8.append(byte)
                index += 1
                continue
            }
            index += 1
            guard index < bytes.count else { throw fail("unterminated escape", at: start) }
            let escape = bytes[index]
            index += 1
            let scalar: UnicodeScalar
            switch escape {
            case UInt8(ascii: "\""): scalar = "\""
            case UInt8(ascii: "\\"): scalar = "\\"
            case UInt8(ascii: "/"): scalar = "/"; canonical = false
            case UInt8(ascii: "b"): scalar = "\u{08}"
            case UInt8(ascii: "f"): scalar = "\u{0C}"
            case UInt8(ascii: "n"): scalar = "\n"
            case UInt8(ascii: "r"): scalar = "\r"
            case UInt8(ascii: "t"): scalar = "\t"
            case UInt8(ascii: "u"):
                // Canonical only for a control character without a short escape, in lowercase hex.
                if canonical, !Self.isCanonicalUnicodeEscape(bytes[index..<min(index + 4, bytes.count)]) { canonical = false }
                let unit = try parseHex4()
                if (0xD800..<0xDC00).contains(unit) {
                    guard index + 6 <= bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                        throw fail("lone high surrogate \\u\(String(unit, radix: 16))")
                    }
                    index += 2
                    let low = try parseHex4()
                    guard (0xDC00..<0xE000).contains(low) else { throw fail("high surrogate not followed by a low surrogate") }
                    scalar = UnicodeScalar(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))!
                } else if (0xDC00..<0xE000).contains(unit) {
                    throw fail("lone low surrogate \\u\(String(unit, radix: 16))")
                } else {
                    scalar = UnicodeScalar(unit)!
                }
            default: throw fail("invalid escape '\\\(Self.printable(escape))'")
            }
            utf8 += Array(String(scalar).utf8)
        }
        guard let decoded = String(validating: utf8, as: UTF8.self) else { throw fail("invalid UTF-8 in a string", at: start) }
        return decoded
    }

    /// Whether the four hex digits after `\u` are the canonical form's: `00` and two lowercase hex digits naming a
    /// control character that has no short escape.
    static func isCanonicalUnicodeEscape(_ digits: ArraySlice<UInt8>) -> Bool {
        guard digits.count == 4, digits.first == UInt8(ascii: "0"), digits[digits.startIndex + 1] == UInt8(ascii: "0") else { return false }
        func lowerHex(_ byte: UInt8) -> UInt8? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
            default: nil
            }
        }
        guard let high = lowerHex(digits[digits.startIndex + 2]), let low = lowerHex(digits[digits.startIndex + 3]) else { return false }
        let code = high << 4 | low
        return code < 0x20 && ![0x08, 0x09, 0x0A, 0x0C, 0x0D].contains(code)
    }

    /// Whether member name `first` sorts strictly before `second` in UTF-16 code units; names written raw
    /// in ASCII compare by their bytes (the same order), without walking the strings' UTF-16 views.
    func precedes(_ first: (key: String, raw: Range<Int>?), _ second: (key: String, raw: Range<Int>?)) -> Bool {
        if let a = first.raw, let b = second.raw {
            return bytes.withUnsafeBufferPointer { buffer in
                UnsafeBufferPointer(rebasing: buffer[a]).lexicographicallyPrecedes(UnsafeBufferPointer(rebasing: buffer[b]))
            }
        }
        return first.key.utf16.lexicographicallyPrecedes(second.key.utf16)
    }

    mutating func parseHex4() throws(JSONError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw fail("truncated \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[index]
            let digit: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(c - UInt8(ascii: "A") + 10)
            default: throw fail("invalid hex digit in a \\u escape")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }
}

private extension String {
    init(format byte: UInt8) { self = "0x" + String(byte, radix: 16) }
}

extension JSONValue {
    /// Human-readable JSON: two-space indentation, members sorted as in the canonical form.
    public var prettyString: String {
        var out: [UInt8] = []
        writePretty(into: &out, indent: 0)
        return String(decoding: out, as: UTF8.self)
    }

    func writePretty(into out: inout [UInt8], indent: Int) {
        let pad = { (level: Int) -> [UInt8] in [UInt8](repeating: 0x20, count: level * 2) }
        switch self {
        case .array(let elements) where !elements.isEmpty:
            out += Array("[\n".utf8)
            for (index, element) in elements.enumerated() {
                out += pad(indent + 1)
                element.writePretty(into: &out, indent: indent + 1)
                out += Array((index < elements.count - 1 ? ",\n" : "\n").utf8)
            }
            out += pad(indent) + [UInt8(ascii: "]")]
        case .object(let members) where !members.isEmpty:
            out += Array("{\n".utf8)
            let keys = members.keys.sorted { $0.utf16.lexicographicallyPrecedes($1.utf16) }
            for (index, key) in keys.enumerated() {
                out += pad(indent + 1)
                JSONValue.writeString(key, into: &out)
                out += Array(": ".utf8)
                members[key]!.writePretty(into: &out, indent: indent + 1)
                out += Array((index < keys.count - 1 ? ",\n" : "\n").utf8)
            }
            out += pad(indent) + [UInt8(ascii: "}")]
        default:
            writeCanonical(into: &out)
        }
    }
}
