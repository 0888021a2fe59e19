import GS1
import Testing

@Suite("GS1 element strings")
struct ElementStringTests {
    static func sgtin() throws -> GS1Identifier {
        .sgtin(try SGTIN(gtin: "00312345678906", serial: "ABC123"), lot: try Lot("L001"),
               expiry: try Expiry("271231", referenceDate: reference))
    }

    @Test("bracketed and raw forms of one DataMatrix all read to the same SGTIN", arguments: [
        "(01)00312345678906(21)ABC123(10)L001(17)271231",
        "(01)00312345678906(17)271231(10)L001(21)ABC123",
        "(01) 00312345678906 (21) ABC123 (10) L001 (17) 271231",
        "0100312345678906" + "21ABC123" + "\u{1D}" + "10L001" + "\u{1D}" + "17271231",
        "]d2" + "0100312345678906" + "17271231" + "10L001" + "\u{1D}" + "21ABC123",
        "\u{1D}" + "0100312345678906" + "17271231" + "10L001" + "\u{1D}" + "21ABC123",
        "]d2" + "\u{1D}" + "0100312345678906" + "\u{1D}" + "17271231" + "10L001" + "\u{1D}" + "21ABC123" + "\u{1D}",
        "]Q3" + "0100312345678906" + "17271231" + "10L001" + "\u{1D}" + "21ABC123",
        "0100312345678906" + "17271231" + "10L001" + "\u{1D}" + "21ABC123",
    ])
    func forms(_ text: String) throws {
        #expect(try GS1Identifier.parse(text, referenceDate: reference) == Self.sgtin())
    }

    @Test("printing: predefined-length AIs first, GS only between variable-length values")
    func printing() throws {
        let identifier = try Self.sgtin()
        #expect(identifier.elementString == "(01)00312345678906(17)271231(10)L001(21)ABC123")
        #expect(identifier.rawElementString == "0100312345678906" + "17271231" + "10L001" + GS + "21ABC123")
        #expect(identifier.description == identifier.elementString)
        let sgln = GS1Identifier.sgln(try SGLN(gln: GLN("0614141123452"), extension: "400"))
        #expect(sgln.rawElementString == "4140614141123452" + "254400")
    }

    @Test("parentheses inside a lot are data unless they open an AI")
    func parenthesesInValues() throws {
        let parsed = try GS1Identifier.parse("(01)00312345678906(10)L(1)X", referenceDate: reference)
        #expect(parsed.lot?.value == "L(1)X")
    }

    @Test("an identical repeated AI is tolerated")
    func identicalRepeat() throws {
        let parsed = try GS1Identifier.parse("(01)00312345678906(21)S1(21)S1")
        #expect(parsed.serial?.value == "S1")
    }

    @Test("bad element strings", arguments: [
        ("(99)12345", GS1Error.Code.unknownAI),
        ("(01)00312345678906(91)ABC", .unknownAI),
        ("9912345", .unknownAI),
        ("0100312345678906" + "7003" + "2712310900", .unknownAI),
        ("(01)00312345678906(21)", .badLength),                         // empty serial
        ("(01)00312345678906(21)123456789012345678901", .badLength),     // 21-character serial
        ("0100312345678906" + "21123456789012345678901", .badLength),
        ("(01)0312345678906(21)S1", .badLength),                        // (01) is always 14 digits
        ("0100312345", .badLength),                                     // raw (01) cut short
        ("(01)00312345678907(21)S1", .badCheckDigit),
        ("(21)ABC123", .badCombination),
        ("(10)L001(17)271231", .badCombination),
        ("(254)400", .badCombination),
        ("(00)106141412345678908(01)00312345678906", .badCombination),
        ("(01)00312345678906(21)S1(21)S2", .duplicateAI),
        ("(01)00312345678906(21)S 1", .badCharacter),
        ("(01)00312345678906(17)271232", .badDate),
        ("(01", .badSyntax),
        ("(1)00312345678906", .badSyntax),
        ("]d1" + "0100312345678906", .unknownForm),
        ("]d2", .missingComponent),
    ])
    func bad(_ text: String, _ code: GS1Error.Code) {
        #expect(gs1Error { try GS1Identifier.parse(text, referenceDate: reference) }?.code == code)
    }

    @Test("an unknown AI is named in full")
    func unknownAIMessage() {
        let error = gs1Error { try GS1Identifier.parse("0100312345678906" + "70032712310900") }
        #expect(error?.description
            == #"element string "010031234567890670032712310900": (7003) is not an Application Identifier this library reads (00, 01, 10, 17, 21, 254, 414 and 417)"#)
    }
}
