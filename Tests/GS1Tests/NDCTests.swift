import GS1
import Testing

@Suite("NDC and its GTIN")
struct NDCTests {
    /// (10-digit NDC, layout, 11-digit form, GTIN with indicator 0, GTIN with indicator 5)
    static let layouts: [(String, NDC.Layout, String, String, String)] = [
        ("0002-1433-80", .l442, "00002-1433-80", "00300021433802", "50300021433807"),
        ("50242-040-62", .l532, "50242-0040-62", "00350242040624", "50350242040629"),
        ("60505-2519-1", .l541, "60505-2519-01", "00360505251919", "50360505251914"),
    ]

    @Test("each layout: 10-digit, 11-digit, GTIN and back", arguments: layouts)
    func roundTrip(_ ten: String, _ layout: NDC.Layout, _ eleven: String, _ gtin0: String, _ gtin5: String) throws {
        let ndc = try NDC(ten)
        #expect(ndc.layout == layout)
        #expect(ndc.tenDigit == ten)
        #expect(ndc.elevenDigit == eleven)
        #expect(ndc.billingDigits == eleven.filter { $0 != "-" })
        #expect(try ndc.gtin().digits == gtin0)
        #expect(try ndc.gtin(indicator: 5).digits == gtin5)
        // Back from the GTIN, with the layout.
        #expect(try GTIN(gtin0).ndc(layout: layout) == ndc)
        #expect(try NDC(gtin: GTIN(gtin5), layout: layout) == ndc)
        // Back from the 11-digit forms, with and without hyphens: the padded segment tells the layout.
        #expect(try NDC(eleven) == ndc)
        #expect(try NDC(ndc.billingDigits) == ndc)
        // The plain 10 digits need the layout.
        #expect(try NDC(ndc.digits, layout: layout) == ndc)
    }

    @Test("DOMAIN.md's example: NDC 12345-678-90 is GTIN 00312345678906")
    func domainExample() throws {
        let ndc = try NDC("12345-678-90")
        #expect(try ndc.gtin().digits == "00312345678906")
        #expect(try GTIN("00312345678906").ndcDigits == "1234567890")
        #expect(ndc.companyPrefixLength == 7)
        #expect(try NDC("1234-5678-90").companyPrefixLength == 6)
    }

    @Test("the NDC's company prefix length prints the EPC URI GS1 US assigns")
    func epcFromNDC() throws {
        let ndc = try NDC("12345-678-90")
        let sgtin = try SGTIN(gtin: ndc.gtin(), serial: Serial("S1"))
        #expect(try sgtin.epcURI(companyPrefixLength: ndc.companyPrefixLength) == "urn:epc:id:sgtin:0312345.067890.S1")
    }

    @Test("plain 10 digits without a layout are ambiguous")
    func tenDigitsAmbiguous() {
        #expect(gs1Error { try NDC("1234567890") }?.code == .ambiguousNDC)
    }

    @Test("an 11-digit form with several padded-looking segments needs the layout")
    func elevenAmbiguous() throws {
        #expect(gs1Error { try NDC("00002080001") }?.code == .ambiguousNDC)
        #expect(try NDC("00002080001", layout: .l442).tenDigit == "0002-0800-01")
        #expect(try NDC("00002080001", layout: .l532).tenDigit == "00002-800-01")
        #expect(try NDC("00002080001", layout: .l541).tenDigit == "00002-0800-1")
        #expect(gs1Error { try NDC("12345678911") }?.code == .badSyntax)
        #expect(gs1Error { try NDC("50242004062", layout: .l442) }?.code == .badSyntax)
    }

    @Test("bad NDC texts", arguments: [
        ("123-45-678", GS1Error.Code.badLength),
        ("12345-678", .badSyntax),
        ("12345-678-9A", .badCharacter),
        ("123456789", .badLength),
    ])
    func badNDC(_ text: String, _ code: GS1Error.Code) {
        #expect(gs1Error { try NDC(text) }?.code == code)
    }

    @Test("a written layout must match a given one")
    func layoutMismatch() {
        #expect(gs1Error { try NDC("12345-678-90", layout: .l442) }?.code == .badSyntax)
    }

    @Test("a GTIN without 03 embeds no NDC")
    func notNDC() throws {
        let gtin = try GTIN("80614141123458")
        #expect(gtin.ndcDigits == nil)
        #expect(gtin.ndc(layout: .l532) == nil)
        #expect(gs1Error { try NDC(gtin: gtin, layout: .l532) }?.code == .notNDC)
    }
}
