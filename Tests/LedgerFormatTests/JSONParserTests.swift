import LedgerFormat
import Testing

@Suite("JSON parser")
struct JSONParserTests {
    @Test("accepts a document with every kind of value and insignificant whitespace")
    func acceptsDocument() throws {
        let text = " \t\r\n{ \"s\" : \"x\\\"y\\\\z\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00é\", \"i\": [0, -1, 9007199254740991, -9007199254740991],\n"
            + "\"b\": [true, false], \"n\": null, \"o\": {\"\": {}}, \"a\": [] } \n"
        let value = try JSONValue.parse(text)
        let expected: JSONValue = .object([
            "s": .string("x\"y\\z/\u{08}\u{0C}\n\r\té😀é"),
            "i": .array([.integer(0), .integer(-1), .integer(JSONValue.maxSafeInteger), .integer(-JSONValue.maxSafeInteger)]),
            "b": .array([.bool(true), .bool(false)]),
            "n": .null,
            "o": .object(["": .object([:])]),
            "a": .array([]),
        ])
        #expect(value == expected)
        #expect(value["s"]?.stringValue == "x\"y\\z/\u{08}\u{0C}\n\r\té😀é")
        #expect(value["i"]?.arrayValue?.count == 4)
        #expect(value["b"]?.arrayValue?.first?.boolValue == true)
        #expect(value["o"]?.objectValue?.keys.first == "")
        #expect(value["i"]?.arrayValue?[2].integerValue == 9_007_199_254_740_991)
        #expect(value["missing"] == nil)
        #expect(value["n"] == .null)
        #expect(JSONValue.integer(1)["s"] == nil)
        #expect(JSONValue.integer(1).stringValue == nil)
    }

    @Test("accepts any top-level value", arguments: ["0", "-7", "\"\"", "null", "true", "false", "[]", "{}"])
    func topLevelScalars(_ text: String) {
        #expect(jsonError(text) == nil)
    }

    @Test("keeps DEL, U+2028 and non-ASCII text as they are")
    func literalCharacters() throws {
        #expect(try JSONValue.parse("\"a\u{7F}b\u{2028}c\u{10FFFF}\"") == .string("a\u{7F}b\u{2028}c\u{10FFFF}"))
        #expect(try JSONValue.parse("\"\\u0000\"") == .string("\u{0}"))
    }

    // MARK: Refusals with their offset and reason

    @Test("duplicate member names, also when spelled with escapes")
    func duplicateKeys() throws {
        let plain = try #require(jsonError(#"{"a":1,"a":2}"#))
        #expect(plain.offset == 7)
        #expect(plain.reason == #"duplicate member name "a""#)
        let escaped = try #require(jsonError(#"{"a":1,"\u0061":2}"#))
        #expect(escaped.offset == 7)
        #expect(escaped.reason == #"duplicate member name "a""#)
        let nested = try #require(jsonError(#"{"o":{"k":1, "k":1}}"#))
        #expect(nested.offset == 13)
        #expect(jsonError(#"{"a":1,"A":2,"o":{"a":3}}"#) == nil, "case differs and nesting is a separate scope")
        #expect(plain.description == #"invalid JSON at byte 7: duplicate member name "a""#)
    }

    @Test("duplicate member names in large objects: repeating a first, a middle or the latest name", arguments: [0, 10, 15, 16, 39])
    func duplicateKeysInLargeObjects(repeated: Int) throws {
        let members = (0..<40).map { #""k\#($0)":\#($0)"# }
        let prefix = "{" + members.joined(separator: ",") + ","
        let error = try #require(jsonError(prefix + #""k\#(repeated)":0}"#))
        #expect(error.offset == prefix.utf8.count)
        #expect(error.reason == #"duplicate member name "k\#(repeated)""#)
        let value = try JSONValue.parse(prefix + #""k40":40}"#)
        #expect(value.objectValue?.count == 41)
        #expect(value.objectValue?["k39"] == .integer(39))
    }

    @Test("fractions and exponents", arguments: [
        ("1.5", 0), ("[1, 2.0]", 4), ("1e3", 0), ("1E3", 0), ("-1.5", 0), ("{\"x\":0.1}", 5), ("1e-3", 0), ("0.0", 0),
    ])
    func fractions(_ text: String, _ offset: Int) throws {
        let error = try #require(jsonError(text))
        #expect(error.offset == offset)
        #expect(error.reason == "only integer numbers are allowed (write fractions and decimals as strings)")
    }

    @Test("-0 is refused")
    func negativeZero() throws {
        let error = try #require(jsonError("[-0]"))
        #expect(error.offset == 1)
        #expect(error.reason == "-0 is not allowed")
        #expect(jsonError("-0")?.reason == "-0 is not allowed")
        #expect(jsonError("0") == nil)
    }

    @Test("leading zeros are refused", arguments: [("01", 0), ("-01", 0), ("00", 0), ("{\"n\":012}", 5), ("[0, 007]", 4)])
    func leadingZeros(_ text: String, _ offset: Int) throws {
        let error = try #require(jsonError(text))
        #expect(error.offset == offset)
        #expect(error.reason == "leading zeros are not allowed")
    }

    @Test("integers beyond ±(2^53 − 1) are refused", arguments: [
        "9007199254740992", "-9007199254740992", "9223372036854775807", "-9223372036854775808", "99999999999999999999999",
    ])
    func bigIntegers(_ text: String) throws {
        let error = try #require(jsonError(text))
        #expect(error.offset == 0)
        #expect(error.reason == "integer \(text) is outside ±(2^53 − 1)")
    }

    @Test("the largest safe integers are accepted")
    func safeIntegerBounds() throws {
        #expect(try JSONValue.parse("9007199254740991") == .integer(9_007_199_254_740_991))
        #expect(try JSONValue.parse("-9007199254740991") == .integer(-9_007_199_254_740_991))
    }

    @Test("malformed numbers", arguments: ["-", "+1", ".5", "-a", "1.", "0x10", "- 1", "--1"])
    func malformedNumbers(_ text: String) {
        #expect(jsonError(text) != nil)
    }

    @Test("lone and misordered surrogates")
    func loneSurrogates() throws {
        let high = try #require(jsonError(#""\ud800""#))
        #expect(high.offset == 7)
        #expect(high.reason == "lone high surrogate \\ud800")
        let highThenText = try #require(jsonError(#""\ud83dabcdefg""#))
        #expect(highThenText.reason == "lone high surrogate \\ud83d")
        let low = try #require(jsonError(#""\udc00""#))
        #expect(low.offset == 7)
        #expect(low.reason == "lone low surrogate \\udc00")
        let notLow = try #require(jsonError(#""\ud800\u0041""#))
        #expect(notLow.offset == 13)
        #expect(notLow.reason == "high surrogate not followed by a low surrogate")
        #expect(jsonError(#""\ude00\ud83d""#)?.reason == "lone low surrogate \\ude00")
        #expect(jsonError(#""\ud83d\ud83d""#)?.reason == "high surrogate not followed by a low surrogate")
        #expect(try JSONValue.parse(#""\uD83D\uDE00""#) == .string("😀"))
    }

    @Test("raw control characters in strings", arguments: Array(UInt8(0x00)...UInt8(0x1F)))
    func controlCharacters(_ byte: UInt8) throws {
        let error = try #require(jsonError([0x22, 0x61, byte, 0x62, 0x22]))
        #expect(error.offset == 2)
        #expect(error.reason == "control character 0x\(String(byte, radix: 16)) must be escaped in a string")
    }

    @Test("a byte-order mark is refused")
    func byteOrderMark() throws {
        let error = try #require(jsonError([0xEF, 0xBB, 0xBF] + Array("{}".utf8)))
        #expect(error.offset == 0)
        #expect(error.reason == "a byte-order mark is not allowed")
    }

    @Test("trailing data after the value", arguments: [("{} x", 3), ("1 2", 2), ("{}{}", 2), ("[1]]", 3), ("null,", 4), ("\"a\"\"b\"", 3)])
    func trailingData(_ text: String, _ offset: Int) throws {
        let error = try #require(jsonError(text))
        #expect(error.offset == offset)
        #expect(error.reason == "unexpected data after the JSON value")
    }

    @Test("nesting is bounded: a value may sit inside at most maxDepth containers")
    func depthLimit() throws {
        func nested(_ depth: Int) -> String {
            String(repeating: "[", count: depth) + "1" + String(repeating: "]", count: depth)
        }
        #expect(jsonError(nested(64)) == nil)
        let tooDeep = try #require(jsonError(nested(65)))
        #expect(tooDeep.offset == 65)
        #expect(tooDeep.reason == "nesting deeper than 64 levels")
        // A hostile depth fails cleanly instead of exhausting the stack.
        #expect(jsonError(String(repeating: "[", count: 100_000))?.reason == "nesting deeper than 64 levels")
        #expect(jsonError(String(repeating: "{\"a\":", count: 10_000))?.reason == "nesting deeper than 64 levels")
        // The limit is a parameter.
        #expect(jsonError(#"{"a":{"b":1}}"#, maxDepth: 2) == nil)
        let custom = try #require(jsonError(#"{"a":{"b":[1]}}"#, maxDepth: 2))
        #expect(custom.offset == 11)
        #expect(custom.reason == "nesting deeper than 2 levels")
    }

    @Test("bad escapes")
    func badEscapes() throws {
        let unknown = try #require(jsonError(#""\x""#))
        #expect(unknown.offset == 3)
        #expect(unknown.reason == "invalid escape '\\x'")
        #expect(jsonError(#""\'""#)?.reason == "invalid escape '\\''")
        #expect(jsonError(#""\U0041""#)?.reason == "invalid escape '\\U'")
        #expect(jsonError(#""\a""#)?.reason == "invalid escape '\\a'")
        let truncated = try #require(jsonError(#""\u12""#))
        #expect(truncated.offset == 3)
        #expect(truncated.reason == "truncated \\u escape")
        let badHex = try #require(jsonError(#""\u12G4""#))
        #expect(badHex.offset == 5)
        #expect(badHex.reason == "invalid hex digit in a \\u escape")
        let atEnd = try #require(jsonError(#""\"#))
        #expect(atEnd.offset == 0)
        #expect(atEnd.reason == "unterminated escape")
    }

    @Test("invalid UTF-8 is refused", arguments: [
        [0x22, 0xC3, 0x28, 0x22],          // bad continuation
        [0x22, 0xC0, 0xAF, 0x22],          // overlong '/'
        [0x22, 0xED, 0xA0, 0x80, 0x22],    // a surrogate encoded in UTF-8
        [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], // beyond U+10FFFF
        [0x22, 0xFF, 0x22],
        [0x22, 0xE2, 0x82, 0x22],          // truncated sequence
    ] as [[UInt8]])
    func invalidUTF8(_ bytes: [UInt8]) throws {
        let error = try #require(jsonError(bytes))
        #expect(error.offset == 0)
        #expect(error.reason == "invalid UTF-8 in a string")
    }

    @Test("structural errors", arguments: [
        ("", 0, "unexpected end of input"),
        ("   ", 3, "unexpected end of input"),
        ("[1,]", 3, "unexpected character ']'"),
        (#"{"a":1,}"#, 7, "expected a member name in quotes"),
        (#"{"a" 1}"#, 5, "expected ':' after member name"),
        ("{a:1}", 1, "expected a member name in quotes"),
        ("[1 2]", 3, "expected ',' or ']' in an array"),
        (#"{"a":1 "b":2}"#, 7, "expected ',' or '}' in an object"),
        ("[1", 2, "unexpected end of input in an array"),
        (#"{"a":1"#, 6, "unexpected end of input in an object"),
        (#""abc"#, 0, "unterminated string"),
        ("tru", 0, "invalid literal (expected true)"),
        ("nul", 0, "invalid literal (expected null)"),
        ("True", 0, "unexpected character 'T'"),
        ("NaN", 0, "unexpected character 'N'"),
        ("'a'", 0, "unexpected character '''"),
        ("\u{0C}1", 0, "unexpected character '0xc'"),
        ("\u{A0}1", 0, "unexpected character '0xc2'"),
    ])
    func structural(_ text: String, _ offset: Int, _ reason: String) throws {
        let error = try #require(jsonError(text))
        #expect(error.offset == offset)
        #expect(error.reason == reason)
    }

    @Test("kind names for error messages")
    func kindNames() {
        #expect(JSONValue.null.kindName == "null")
        #expect(JSONValue.bool(true).kindName == "a boolean")
        #expect(JSONValue.integer(1).kindName == "an integer")
        #expect(JSONValue.string("").kindName == "a string")
        #expect(JSONValue.array([]).kindName == "an array")
        #expect(JSONValue.object([:]).kindName == "an object")
    }
}
