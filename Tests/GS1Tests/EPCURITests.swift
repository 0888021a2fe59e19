import GS1
import Testing

@Suite("EPC URIs (Tag Data Standard)")
struct EPCURITests {
    /// TDS worked examples: (URI, company prefix length, element string).
    static let examples: [(String, Int, String)] = [
        ("urn:epc:id:sgtin:0614141.812345.6789", 7, "(01)80614141123458(21)6789"),
        ("urn:epc:id:sgtin:0614141.112345.400", 7, "(01)10614141123459(21)400"),
        ("urn:epc:id:sgtin:0614141.712345.32a%2Fb", 7, "(01)70614141123451(21)32a/b"),
        ("urn:epc:id:sscc:0614141.1234567890", 7, "(00)106141412345678908"),
        ("urn:epc:id:sgln:0614141.12345.400", 7, "(414)0614141123452(254)400"),
        ("urn:epc:id:sgln:0614141.12345.0", 7, "(414)0614141123452"),
        ("urn:epc:id:pgln:0614141.12345", 7, "(417)0614141123452"),
        ("urn:epc:id:pgln:061414112345.", 12, "(417)0614141123452"),
        ("urn:epc:class:lgtin:4012345.012345.998877", 7, "(01)04012345123456(10)998877"),
        ("urn:epc:idpat:sgtin:0614141.812345.*", 7, "(01)80614141123458"),
    ]

    @Test("TDS examples read to the right element string and print back identically", arguments: examples)
    func workedExample(_ uri: String, _ prefixLength: Int, _ elementString: String) throws {
        let (identifier, length) = try GS1Identifier.parseEPCURI(uri)
        #expect(length == prefixLength)
        #expect(identifier.elementString == elementString)
        #expect(try identifier.epcURI(companyPrefixLength: prefixLength) == uri)
        #expect(try GS1Identifier.parse(elementString, referenceDate: reference) == identifier)
    }

    @Test("typed entry points")
    func typed() throws {
        let sgtin = try SGTIN(epcURI: "urn:epc:id:sgtin:0614141.812345.6789")
        #expect(sgtin.gtin.digits == "80614141123458")
        #expect(sgtin.serial.value == "6789")
        #expect(try SSCC(epcURI: "urn:epc:id:sscc:0614141.1234567890").digits == "106141412345678908")
        #expect(try SGLN(epcURI: "urn:epc:id:sgln:0614141.12345.400").extensionComponent == "400")
        #expect(try GLN(pglnURI: "urn:epc:id:pgln:0614141.12345").digits == "0614141123452")
        #expect(try GLN("0614141123452").pglnURI(companyPrefixLength: 7) == "urn:epc:id:pgln:0614141.12345")
        #expect(gs1Error { try SSCC(epcURI: "urn:epc:id:sgtin:0614141.812345.6789") }?.code == .unknownScheme)
    }

    @Test("every company prefix length from 6 to 12 round-trips", arguments: 6...12)
    func prefixLengths(_ length: Int) throws {
        let identifiers: [GS1Identifier] = [
            .sgtin(try SGTIN(gtin: "80614141123458", serial: "6789"), lot: nil, expiry: nil),
            .sscc(try SSCC("106141412345678908")),
            .sgln(try SGLN(gln: GLN("0614141123452"), extension: "A.1")),
            .gln(try GLN("0614141123452")),
            .gtin(try GTIN("80614141123458"), lot: try Lot("L.1"), expiry: nil),
            .gtin(try GTIN("80614141123458"), lot: nil, expiry: nil),
        ]
        for identifier in identifiers {
            let uri = try identifier.epcURI(companyPrefixLength: length)
            let (parsed, parsedLength) = try GS1Identifier.parseEPCURI(uri)
            #expect(parsed == identifier, "\(uri)")
            #expect(parsedLength == length)
        }
    }

    @Test("serials escape \" % & / < > ? and keep the other set-82 characters")
    func escaping() throws {
        let serial = try Serial(#"a"%&/<>?b"#)
        let sgtin = SGTIN(gtin: try GTIN("80614141123458"), serial: serial)
        #expect(try sgtin.epcURI(companyPrefixLength: 7) == "urn:epc:id:sgtin:0614141.812345.a%22%25%26%2F%3C%3E%3Fb")
        let plain = SGTIN(gtin: try GTIN("80614141123458"), serial: try Serial("!'()*+,-.:;=_"))
        #expect(try plain.epcURI(companyPrefixLength: 7) == "urn:epc:id:sgtin:0614141.812345.!'()*+,-.:;=_")
        // Every set-82 character survives, in chunks of 20.
        var rest = Substring(characterSet82)
        while !rest.isEmpty {
            let sgtin = SGTIN(gtin: try GTIN("80614141123458"), serial: try Serial(String(rest.prefix(20))))
            #expect(try SGTIN(epcURI: sgtin.epcURI(companyPrefixLength: 7)) == sgtin)
            rest = rest.dropFirst(20)
        }
        // Lowercase hex escapes are read too.
        #expect(try SGTIN(epcURI: "urn:epc:id:sgtin:0614141.712345.32a%2fb").serial.value == "32a/b")
    }

    @Test("bad EPC URIs", arguments: [
        ("urn:epc:id:sgtin:0614141.812345", GS1Error.Code.missingComponent),          // no serial
        ("urn:epc:id:sgtin:0614141.812345.", .missingComponent),                       // empty serial
        ("urn:epc:id:sgtin:0614141.812345.32a/b", .badCharacter),                      // unescaped /
        ("urn:epc:id:sgtin:0614141.812345.a b", .badCharacter),
        ("urn:epc:id:sgtin:0614141.812345.%2", .badCharacter),                         // broken escape
        ("urn:epc:id:sgtin:0614141.812345.%23", .badCharacter),                        // # is not in set 82
        ("urn:epc:id:sgtin:0614141.812345.123456789012345678901", .badLength),         // 21 characters
        ("urn:epc:id:sgtin:06141.8123456.1", .badPrefixLength),
        ("urn:epc:id:sgtin:0614141.81234.1", .badLength),
        ("urn:epc:id:sgtin:061414A.812345.1", .badCharacter),
        ("urn:epc:id:sscc:0614141", .missingComponent),
        ("urn:epc:id:sscc:0614141.1234567890.1", .badSyntax),
        ("urn:epc:id:sgln:0614141.12345", .missingComponent),
        ("urn:epc:id:grai:0614141.12345.400", .unknownScheme),
        ("urn:epc:tag:sgtin-96:1.0614141.812345.6789", .unknownScheme),
        ("urn:isbn:0451450523", .unknownScheme),
        ("urn:epc:idpat:sgtin:0614141.812345.6789", .badSyntax),
        ("urn:epc:id", .badSyntax),
    ])
    func bad(_ uri: String, _ code: GS1Error.Code) {
        #expect(gs1Error { try GS1Identifier.parse(uri) }?.code == code)
    }

    @Test("printing needs a prefix length of 6 to 12")
    func badPrefixLength() throws {
        let sscc = try SSCC("106141412345678908")
        #expect(gs1Error { try sscc.epcURI(companyPrefixLength: 5) }?.code == .badPrefixLength)
        #expect(gs1Error { try sscc.epcURI(companyPrefixLength: 13) }?.code == .badPrefixLength)
        #expect(gs1Error { try GS1Identifier.sscc(sscc).string(in: .epcURI) }?.code == .needsPrefixLength)
    }
}
