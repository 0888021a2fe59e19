import GS1
import Testing

@Suite("GS1 Digital Link URIs")
struct DigitalLinkTests {
    static func sgtin() throws -> GS1Identifier {
        .sgtin(try SGTIN(gtin: "00312345678906", serial: "ABC123"), lot: try Lot("L001"),
               expiry: try Expiry("271231", referenceDate: reference))
    }

    @Test("the forms a label may carry all read to the same SGTIN", arguments: [
        "https://id.gs1.org/01/00312345678906/21/ABC123?17=271231&10=L001",
        "https://id.gs1.org/01/00312345678906/10/L001/21/ABC123?17=271231",
        "https://example.com/01/00312345678906/10/L001/21/ABC123?17=271231",
        "http://example.com/01/00312345678906/10/L001/21/ABC123?17=271231",
        "HTTPS://example.com/01/00312345678906/10/L001/21/ABC123?17=271231",
        "https://example.com:8443/products/info/01/00312345678906/10/L001/21/ABC123?17=271231",
        "https://example.com/01/00312345678906/10/L001/21/ABC123/?17=271231#top",
        "https://example.com/01/00312345678906/10/L001/21/ABC123?linkType=gs1:pip&17=271231",
        "https://example.com/01/00312345678906/10/%4C001/21/ABC%31%323?17=271231",
    ])
    func forms(_ uri: String) throws {
        #expect(try GS1Identifier.parse(uri, referenceDate: reference) == Self.sgtin())
    }

    @Test("printing: canonical path order, expiry in the query, any host")
    func printing() throws {
        let identifier = try Self.sgtin()
        #expect(identifier.digitalLink() == "https://id.gs1.org/01/00312345678906/10/L001/21/ABC123?17=271231")
        #expect(identifier.digitalLink(host: "https://example.com/") == "https://example.com/01/00312345678906/10/L001/21/ABC123?17=271231")
        #expect(identifier.digitalLink(host: "example.com/dl") == "https://example.com/dl/01/00312345678906/10/L001/21/ABC123?17=271231")
        #expect(try identifier.string(in: .digitalLink(host: "https://example.com")) == "https://example.com/01/00312345678906/10/L001/21/ABC123?17=271231")
    }

    @Test("GS1's canonical example")
    func gs1Example() throws {
        let parsed = try GS1Identifier.parse("https://id.gs1.org/01/09520123456788/10/ABC1/21/12345?17=180426", referenceDate: reference)
        #expect(parsed.gtin?.digits == "09520123456788")
        #expect(parsed.lot?.value == "ABC1")
        #expect(parsed.serial?.value == "12345")
        #expect(parsed.expiry?.iso == "2018-04-26")
    }

    @Test("other keys", arguments: [
        ("https://id.gs1.org/00/106141412345678908", "(00)106141412345678908"),
        ("https://id.gs1.org/414/0614141123452", "(414)0614141123452"),
        ("https://id.gs1.org/414/0614141123452/254/400", "(414)0614141123452(254)400"),
        ("https://id.gs1.org/417/0614141123452", "(417)0614141123452"),
        ("https://id.gs1.org/01/00312345678906", "(01)00312345678906"),
        ("https://id.gs1.org/01/00312345678906/10/L001", "(01)00312345678906(10)L001"),
        ("https://id.gs1.org/01/0312345678906", "(01)00312345678906"),   // zero-suppressed GTIN-13
    ])
    func keys(_ uri: String, _ elementString: String) throws {
        #expect(try GS1Identifier.parse(uri, referenceDate: reference).elementString == elementString)
    }

    @Test("values are percent-encoded except RFC 3986 unreserved characters")
    func percentEncoding() throws {
        let identifier = GS1Identifier.sgtin(try SGTIN(gtin: "00312345678906", serial: "A/B%C&D?E_F-G.H"), lot: nil, expiry: nil)
        let uri = identifier.digitalLink()
        #expect(uri == "https://id.gs1.org/01/00312345678906/21/A%2FB%25C%26D%3FE_F-G.H")
        #expect(try GS1Identifier.parse(uri) == identifier)
    }

    @Test("bad Digital Links", arguments: [
        ("ftp://example.com/01/00312345678906/21/ABC", GS1Error.Code.unknownScheme),
        ("https://example.com/about/us", .missingComponent),
        ("https://example.com", .missingComponent),
        ("https:///01/00312345678906", .badSyntax),
        ("https://example.com/01/00312345678906/17/271231", .badCombination),      // (17) is an attribute
        ("https://example.com/01/00312345678906/21/ABC/10/L1", .badCombination),   // qualifier order
        ("https://example.com/414/0614141123452/21/ABC", .badCombination),
        ("https://example.com/01/00312345678906/22/V1", .unknownAI),
        ("https://example.com/01/00312345678906?99=1", .unknownAI),
        ("https://example.com/01/00312345678906?21=ABC", .badCombination),
        ("https://example.com/01/00312345678906/10/L1?10=L2", .duplicateAI),
        ("https://example.com/01/00312345678907", .badCheckDigit),
        ("https://example.com/01/00312345678906/21/A%20B", .badCharacter),
        ("https://example.com/01/00312345678906/21/A%2", .badCharacter),
        ("https://example.com/01/00312345678906?17=271301", .badDate),
    ])
    func bad(_ uri: String, _ code: GS1Error.Code) {
        #expect(gs1Error { try GS1Identifier.parse(uri, referenceDate: reference) }?.code == code)
    }
}
