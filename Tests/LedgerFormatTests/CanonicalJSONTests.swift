import LedgerFormat
import Testing

@Suite("Canonical JSON (RFC 8785)")
struct CanonicalJSONTests {
    @Test("RFC 8785 §3.2.3: members sorted by UTF-16 code units, not code points")
    func rfcSortingExample() throws {
        let input = #"""
        {
          "\u20ac": "Euro Sign",
          "\r": "Carriage Return",
          "\ufb33": "Hebrew Letter Dalet With Dagesh",
          "1": "One",
          "\ud83d\ude00": "Emoji: Grinning Face",
          "\u0080": "Control",
          "\u00f6": "Latin Small Letter O With Diaeresis"
        }
        """#
        let expected = #"{"\r":"Carriage Return","1":"One","# + "\"\u{80}\":\"Control\","
            + "\"\u{F6}\":\"Latin Small Letter O With Diaeresis\",\"\u{20AC}\":\"Euro Sign\","
            + "\"\u{1F600}\":\"Emoji: Grinning Face\",\"\u{FB33}\":\"Hebrew Letter Dalet With Dagesh\"}"
        let value = try JSONValue.parse(input)
        #expect(value.canonicalString == expected)
        #expect(value.canonicalBytes == Array(expected.utf8))
    }

    @Test("the JCS reference 'weird' sample: </script>, DEL and a newline key")
    func jcsWeirdSample() throws {
        // cyberphone/json-canonicalization testdata input/weird.json and output/weird.json.
        let input = #"""
        {
          "\u20ac": "Euro Sign",
          "\r": "Carriage Return",
          "\u000a": "Newline",
          "1": "One",
          "\u0080": "Control\u007f",
          "\ud83d\ude02": "Smiley",
          "\u00f6": "Latin Small Letter O With Diaeresis",
          "\ufb33": "Hebrew Letter Dalet With Dagesh",
          "</script>": "Browser Challenge"
        }
        """#
        let expected = #"{"\n":"Newline","\r":"Carriage Return","1":"One","</script>":"Browser Challenge","#
            + "\"\u{80}\":\"Control\u{7F}\",\"\u{F6}\":\"Latin Small Letter O With Diaeresis\",\"\u{20AC}\":\"Euro Sign\","
            + "\"\u{1F602}\":\"Smiley\",\"\u{FB33}\":\"Hebrew Letter Dalet With Dagesh\"}"
        #expect(try JSONValue.parse(input).canonicalString == expected)
    }

    @Test("RFC 8785 §3.2.2's string: only the mandatory escapes")
    func rfcStringExample() throws {
        let input = #""\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/""#
        let expected = "\"\u{20AC}$" + #"\u000f\nA'B\"\\\\\"/""#
        #expect(try JSONValue.parse(input).canonicalString == expected)
    }

    @Test("control characters use the short escapes or \\u00xx in lowercase", arguments: Array(UInt8(0x00)...UInt8(0x1F)))
    func controlEscapes(_ byte: UInt8) {
        let short: [UInt8: String] = [0x08: #"\b"#, 0x09: #"\t"#, 0x0A: #"\n"#, 0x0C: #"\f"#, 0x0D: #"\r"#]
        let hexDigits = Array("0123456789abcdef")
        let escape = short[byte] ?? "\\u00\(hexDigits[Int(byte >> 4)])\(hexDigits[Int(byte & 0xF)])"
        let value = JSONValue.string("a" + String(UnicodeScalar(byte)) + "b")
        #expect(value.canonicalString == "\"a\(escape)b\"")
        #expect(!value.canonicalString.contains(where: { $0.isUppercase && $0 != "A" }))
    }

    @Test("quote and backslash are escaped; slash, DEL, U+2028 and non-ASCII are not")
    func otherCharacters() {
        #expect(JSONValue.string("\"\\").canonicalString == #""\"\\""#)
        #expect(JSONValue.string("a/b\u{7F}\u{2028}\u{2029}é😀").canonicalString == "\"a/b\u{7F}\u{2028}\u{2029}é😀\"")
        #expect(JSONValue.string("\u{1F}").canonicalString == #""\u001f""#)
        #expect(JSONValue.string("\u{0B}").canonicalString == #""\u000b""#)
    }

    @Test("no whitespace; arrays keep their order; nested objects are sorted; integers in plain decimal")
    func structure() throws {
        let value = try JSONValue.parse(#" { "b" : [ 3 , 1 , { "z" : null , "a" : true } ] , "a" : -12 , "" : false , "ab" : [ ] , "aa" : { } } "#)
        #expect(value.canonicalString == #"{"":false,"a":-12,"aa":{},"ab":[],"b":[3,1,{"a":true,"z":null}]}"#)
        #expect(JSONValue.integer(-JSONValue.maxSafeInteger).canonicalString == "-9007199254740991")
        #expect(JSONValue.integer(0).canonicalString == "0")
        #expect(JSONValue.object([:]).canonicalString == "{}")
        #expect(JSONValue.array([]).canonicalString == "[]")
        #expect(JSONValue.null.canonicalString == "null")
        #expect(JSONValue.bool(false).canonicalString == "false")
    }

    @Test("keys that are prefixes of others sort first; uppercase before lowercase")
    func keyOrder() {
        let value = JSONValue.object(["b": .integer(1), "B": .integer(2), "ba": .integer(3), "a": .integer(4), "_": .integer(5), "10": .integer(6), "9": .integer(7)])
        #expect(value.canonicalString == #"{"10":6,"9":7,"B":2,"_":5,"a":4,"b":1,"ba":3}"#)
    }

    @Test("canonical bytes parse back to the same value and the same bytes", arguments: [
        #"{"b":1,"a":[1,2,{"d":"\u0000\n","c":null}]}"#,
        #"["x",{"\ud83d\ude00":1,"\ufb33":2},-5]"#,
        #"{"key":{"validFrom":1767225600000,"publicKey":"MCow"}}"#,
        "\"tab\\there\"",
    ])
    func idempotent(_ text: String) throws {
        let value = try JSONValue.parse(text)
        let bytes = value.canonicalBytes
        let again = try JSONValue.parse(bytes)
        #expect(again == value)
        #expect(again.canonicalBytes == bytes)
    }

    @Test("pretty printing sorts members and indents by two spaces")
    func pretty() throws {
        let value = try JSONValue.parse(#"{"b":[1,{"d":"x"}],"a":{},"c":[]}"#)
        #expect(value.prettyString == """
        {
          "a": {},
          "b": [
            1,
            {
              "d": "x"
            }
          ],
          "c": []
        }
        """)
    }
}

@Suite("Canonical-form check without re-encoding")
struct CanonicalCheckTests {
    /// The definition the one-pass check must agree with.
    static func reference(_ bytes: [UInt8]) -> Bool? {
        guard let value = try? JSONValue.parse(bytes) else { return nil }
        return value.canonicalBytes == bytes
    }

    /// The verdict `parseNotingCanonical` gives while parsing (nil when it refuses the bytes), after checking it
    /// parses exactly as `parse` does: the same value, or the same error.
    static func notedCanonical(_ bytes: [UInt8]) -> Bool? {
        let plain = Result { () throws(JSONError) in try JSONValue.parse(bytes) }
        let noted = Result { () throws(JSONError) in try JSONValue.parseNotingCanonical(bytes) }
        #expect(plain == noted.map { $0.value }, "\(String(decoding: bytes, as: UTF8.self))")
        return try? noted.get().canonical
    }

    @Test("hand-picked texts: canonical ones accepted, each departure refused")
    func handPicked() {
        let canonical = [#"{}"#, #"[]"#, #"0"#, #"-1"#, #"9007199254740991"#, #"{"a":1,"b":[true,false,null]}"#,
                         #"{"\r":1,"1":2,"ö":3,"€":4,"😀":5,"דּ":6}"#, #"{"ab":1,"ab!":2}"#, #"{" ":1,"!":2,"a":3}"#,
                         #""\"\\\b\t\n\f\r\u0000\u001f\u007f""#.replacingOccurrences(of: "\\u007f", with: "\u{7F}"),
                         #"{"k":{"a":{},"z":[]}}"#]
        for text in canonical {
            #expect(Self.reference(Array(text.utf8)) == true, "\(text)")
            #expect(JSONValue.isCanonicalEncoding(Array(text.utf8)), "\(text)")
            #expect(Self.notedCanonical(Array(text.utf8)) == true, "\(text)")
        }
        let departures = [#" {}"#, #"{} "#, #"{ }"#, #"[1, 2]"#, #"{"a" :1}"#, #"-0"#, #"{"b":1,"a":2}"#, #"{"ab!":1,"ab":2}"#,
                          #""\/""#, #""\u0041""#, #""\u0008""#, #""\u001F""#, #""\ud83d\ude00""#, #"{"דּ":1,"😀":2}"#,
                          #"{"\u0041":1}"#, #"[1,2,]"#, #"tru"#, #"{"a":1}{}"#]
        for text in departures {
            #expect(Self.reference(Array(text.utf8)) != true, "\(text)")
            #expect(!JSONValue.isCanonicalEncoding(Array(text.utf8)), "\(text)")
            #expect(Self.notedCanonical(Array(text.utf8)) != true, "\(text)")
        }
    }

    @Test("agrees with re-encoding on every parseable mutation of canonical documents")
    func mutations() throws {
        let seeds = [#"{"a":[1,-2,{"b":"x\ny","c":null}],"d":true,"e":"é😀\"\\"}"#,
                     #"{"\r":"CR","1":"One","ö":{"€":[0,9007199254740991]}}"#]
        let alphabet = Array(#" {}[],:"\-0123456789abfnrtu/e"#.utf8) + [0x7F, 0xC3, 0xB6]
        var checked = 0
        for (number, seed) in seeds.enumerated() {
            let base = try JSONValue.parse(seed).canonicalBytes
            #expect(JSONValue.isCanonicalEncoding(base))
            let random = noise(6 * 4_000, seed: UInt64(number) + 40)
            for round in 0..<4_000 {
                var bytes = base
                let r = Array(random[(round * 6)..<(round * 6 + 6)])
                let at = (Int(r[1]) << 8 | Int(r[2])) % (bytes.count + 1)
                let byte = alphabet[Int(r[3]) % alphabet.count]
                switch r[0] % 3 {
                case 0: bytes.insert(byte, at: at)
                case 1: if at < bytes.count { bytes[at] = byte }
                default: if at < bytes.count { bytes.remove(at: at) }
                }
                guard let expected = Self.reference(bytes) else { continue }
                checked += 1
                #expect(JSONValue.isCanonicalEncoding(bytes) == expected, "\(String(decoding: bytes, as: UTF8.self))")
                #expect(Self.notedCanonical(bytes) == expected, "\(String(decoding: bytes, as: UTF8.self))")
            }
        }
        #expect(checked > 500)
    }
}
