import GS1
import Testing

@Suite("GTIN, SSCC, GLN, serial and lot")
struct KeyTests {
    @Test("GTIN-8, -12 and -13 are padded to GTIN-14 and keep their check digit", arguments: [
        ("96385074", "00000096385074"),
        ("036000291452", "00036000291452"),
        ("4006381333931", "04006381333931"),
        ("00312345678906", "00312345678906"),
    ])
    func gtinPadding(_ input: String, _ fourteen: String) throws {
        let gtin = try GTIN(input)
        #expect(gtin.digits == fourteen)
        #expect(gtin.description == fourteen)
    }

    @Test("GTIN exposes indicator and check digit")
    func gtinParts() throws {
        let gtin = try GTIN("50312345678901")
        #expect(gtin.indicator == 5)
        #expect(gtin.checkDigit == 1)
    }

    @Test("a wrong check digit is named with the expected one")
    func gtinCheckDigitMessage() {
        let error = gs1Error { try GTIN("00312345678907") }
        #expect(error?.code == .badCheckDigit)
        #expect(error?.description == #"GTIN "00312345678907": wrong check digit 7, expected 6"#)
    }

    @Test("SSCC: 18 digits with check digit; the first is the extension digit")
    func sscc() throws {
        let sscc = try SSCC("106141412345678908")
        #expect(sscc.extensionDigit == 1)
        #expect(gs1Error { try SSCC("106141412345678909") }?.code == .badCheckDigit)
    }

    @Test("GLN: 13 digits with check digit")
    func gln() throws {
        #expect(try GLN("0614141000005").digits == "0614141000005")
        #expect(try GLN("0614141123452").digits == "0614141123452")
        #expect(gs1Error { try GLN("0614141000006") }?.code == .badCheckDigit)
    }

    @Test("check digit: published values, and every single-digit change is caught")
    func checkDigit() {
        for identifier in ["0614141000005", "4006381333931", "036000291452", "96385074", "106141412345678908"] {
            #expect(GS1CheckDigit.isValid(Array(identifier.utf8)), "\(identifier)")
        }
        let digits = Array("00312345678906".utf8)
        for position in digits.indices {
            for replacement in UInt8(ascii: "0")...UInt8(ascii: "9") where replacement != digits[position] {
                var changed = digits
                changed[position] = replacement
                #expect(!GS1CheckDigit.isValid(changed))
            }
        }
    }

    @Test("serial and lot accept every character of set 82 and 20 characters")
    func set82Accepted() throws {
        var rest = Substring(characterSet82)
        #expect(characterSet82.count == 82)
        while !rest.isEmpty {
            let chunk = String(rest.prefix(20))
            #expect(try Serial(chunk).value == chunk)
            #expect(try Lot(chunk).value == chunk)
            rest = rest.dropFirst(20)
        }
        #expect(try Serial(String(repeating: "9", count: 20)).value.count == 20)
    }

    @Test("serial and lot refuse characters outside set 82", arguments: [
        " ", "#", "$", "@", "[", "\\", "]", "^", "`", "{", "|", "}", "~", "é", "\u{1D}", "\u{7F}",
    ])
    func set82Refused(_ character: String) {
        #expect(gs1Error { try Serial("AB" + character) }?.code == .badCharacter)
        #expect(gs1Error { try Lot(character + "1") }?.code == .badCharacter)
    }

    @Test("bad-character messages name the character and its position")
    func badCharacterMessage() {
        #expect(gs1Error { try Serial("AB C") }?.description == #"serial "AB C": character " " (U+0020) at position 3 is not in GS1 character set 82"#)
        #expect(gs1Error { try GTIN("0031234567890A") }?.description == #"GTIN "0031234567890A": character "A" at position 14 is not a digit"#)
    }

    @Test("SGLN: extension \"0\" and nil both mean none")
    func sglnExtension() throws {
        let gln = try GLN("0614141123452")
        #expect(try SGLN(gln: gln, extension: "0").extensionComponent == nil)
        #expect(try SGLN(gln: gln, extension: "0") == SGLN(gln: gln))
        #expect(try SGLN(gln: gln, extension: "400").extensionComponent == "400")
        #expect(gs1Error { try SGLN(gln: gln, extension: "dock 4") }?.code == .badCharacter)
    }

    @Test("descriptions are element strings")
    func descriptions() throws {
        let sgtin = try SGTIN(gtin: "00312345678906", serial: "ABC123")
        #expect(sgtin.description == "(01)00312345678906(21)ABC123")
        #expect(try SGLN(gln: GLN("0614141123452"), extension: "400").description == "(414)0614141123452(254)400")
    }
}
