import GS1
import Testing

@Suite("GS1Identifier: one parser for every form")
struct IdentifierTests {
    /// Identifiers covering every case, with awkward characters, each with the company prefix
    /// length to print EPC URIs with.
    static func samples() throws -> [(GS1Identifier, Int)] {
        let gtin = try GTIN("00312345678906")
        let expiry = try Expiry("280200", referenceDate: reference)
        return [
            (.sgtin(try SGTIN(gtin: "80614141123458", serial: "6789"), lot: nil, expiry: nil), 7),
            (.sgtin(SGTIN(gtin: gtin, serial: try Serial(#"a/b%c"d&e<f>g?h"#)), lot: nil, expiry: nil), 7),
            (.sgtin(SGTIN(gtin: gtin, serial: try Serial("ABC123")), lot: try Lot("L(1)/2"), expiry: expiry), 7),
            (.sgtin(SGTIN(gtin: gtin, serial: try Serial("S1")), lot: nil, expiry: expiry), 7),
            (.gtin(gtin, lot: nil, expiry: nil), 7),
            (.gtin(gtin, lot: try Lot("L001"), expiry: nil), 7),
            (.gtin(gtin, lot: try Lot("L001"), expiry: expiry), 7),
            (.gtin(gtin, lot: nil, expiry: expiry), 7),
            (.sscc(try SSCC("106141412345678908")), 7),
            (.gln(try GLN("0614141000005")), 7),
            (.sgln(try SGLN(gln: GLN("0614141123452"))), 7),
            (.sgln(try SGLN(gln: GLN("0614141123452"), extension: "Dock/4")), 7),
        ]
    }

    @Test("every form round-trips: parse(print(x)) == x")
    func roundTrips() throws {
        for (identifier, prefixLength) in try Self.samples() {
            var forms: [String] = [
                identifier.elementString,
                identifier.rawElementString,
                "]d2" + identifier.rawElementString,
                identifier.digitalLink(),
                identifier.digitalLink(host: "https://example.com/stem"),
            ]
            if let key = identifier.key { forms.append(key) }
            // EPC URIs carry no expiry, and an SGTIN's lot is an attribute, not part of its identity.
            let epcLossless: Bool = switch identifier {
            case .sgtin(_, let lot, let expiry): lot == nil && expiry == nil
            case .gtin(_, _, let expiry): expiry == nil
            default: true
            }
            if epcLossless { forms.append(try identifier.epcURI(companyPrefixLength: prefixLength)) }
            for form in forms {
                #expect(try GS1Identifier.parse(form, referenceDate: reference) == identifier, "\(form)")
            }
        }
    }

    @Test("string(in:) writes each form")
    func stringInForm() throws {
        let identifier = GS1Identifier.sgtin(try SGTIN(gtin: "80614141123458", serial: "6789"), lot: nil, expiry: nil)
        #expect(try identifier.string(in: .epcURI, companyPrefixLength: 7) == "urn:epc:id:sgtin:0614141.812345.6789")
        #expect(try identifier.string(in: .digitalLink(host: "https://id.gs1.org")) == "https://id.gs1.org/01/80614141123458/21/6789")
        #expect(try identifier.string(in: .elementString) == "(01)80614141123458(21)6789")
        #expect(try identifier.string(in: .rawElementString) == "018061414112345821" + "6789")
        #expect(gs1Error { try identifier.string(in: .key) }?.code == .notRepresentable)
        #expect(gs1Error { try identifier.string(in: .epcURI) }?.code == .needsPrefixLength)
        #expect(try GS1Identifier.sscc(SSCC("106141412345678908")).string(in: .key) == "106141412345678908")
    }

    @Test("bare keys", arguments: [
        ("00312345678906", "gtin", "(01)00312345678906"),
        ("036000291452", "gtin", "(01)00036000291452"),
        ("96385074", "gtin", "(01)00000096385074"),
        ("106141412345678908", "sscc", "(00)106141412345678908"),
        ("0614141000005", "gln", "(417)0614141000005"),
    ])
    func bareKeys(_ text: String, _ kind: String, _ elementString: String) throws {
        let identifier = try GS1Identifier.parse(text)
        #expect(identifier.kind == kind)
        #expect(identifier.elementString == elementString)
    }

    @Test("kinds and accessors")
    func kinds() throws {
        let samples = try Self.samples().map(\.0)
        #expect(samples.map(\.kind) == ["sgtin", "sgtin", "sgtin", "sgtin", "gtin", "gtin", "gtin", "gtin", "sscc", "gln", "sgln", "sgln"])
        #expect(samples[2].lot?.value == "L(1)/2")
        #expect(samples[2].expiry?.iso == "2028-02-29")
        #expect(samples[2].serial?.value == "ABC123")
        #expect(samples[8].gtin == nil)
    }

    @Test("text that is no form at all", arguments: [
        ("", GS1Error.Code.unknownForm),
        ("hello", .unknownForm),
        ("-00312345678906", .unknownForm),
        ("mailto:someone@example.com", .unknownScheme),
        ("ftp://example.com/01/00312345678906", .unknownScheme),
        ("00312345678907", .badCheckDigit),
        ("106141412345678909", .badCheckDigit),
        ("0614141000006", .badCheckDigit),
    ])
    func notAnIdentifier(_ text: String, _ code: GS1Error.Code) {
        #expect(gs1Error { try GS1Identifier.parse(text) }?.code == code)
    }

    @Test("wrong-length keys are refused as keys", arguments: [
        ("GTIN", "03123456789"), ("GTIN", "003123456789065"), ("SSCC", "10614141234567890"), ("GLN", "061414100000"),
    ])
    func wrongLengthKeys(_ kind: String, _ text: String) {
        let error: GS1Error? = switch kind {
        case "GTIN": gs1Error { try GTIN(text) }
        case "SSCC": gs1Error { try SSCC(text) }
        default: gs1Error { try GLN(text) }
        }
        #expect(error?.code == .badLength)
        #expect(error?.subject == kind)
    }
}
