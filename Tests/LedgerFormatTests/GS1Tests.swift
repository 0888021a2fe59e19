import GS1
import LedgerFormat
import Testing

@Suite("GS1 check digits and GLNs")
struct GS1Tests {
    /// Published identifiers with their check digits.
    static let valid = [
        "0614141000005",     // GS1 example GLN (used in FORMAT.md)
        "0012345000058",     // GS1 US example GLN
        "4006381333931",     // GTIN-13 printed on a Stabilo pen (a common textbook example)
        "036000291452",      // UPC-A (GTIN-12) example
        "00312345678906",    // GTIN-14 in FORMAT.md's vector
        "96385074",          // GTIN-8 example
    ]

    @Test("compute gives the published check digit", arguments: valid)
    func compute(_ identifier: String) {
        let digits = Array(identifier.utf8)
        #expect(GS1CheckDigit.compute(digits.dropLast()) == Int(digits.last! - 0x30))
        #expect(GS1CheckDigit.isValid(digits))
    }

    @Test("every single-digit change is caught")
    func singleDigitErrors() {
        let digits = Array(GLNs.acme.utf8)
        for position in digits.indices {
            for replacement in UInt8(ascii: "0")...UInt8(ascii: "9") where replacement != digits[position] {
                var changed = digits
                changed[position] = replacement
                #expect(!GS1CheckDigit.isValid(changed), "position \(position) → \(replacement - 0x30)")
            }
        }
    }

    @Test("an empty identifier is not valid")
    func empty() {
        #expect(!GS1CheckDigit.isValid([]))
        #expect(GS1CheckDigit.compute([UInt8]()) == 0)
    }

    @Test("validateGLN accepts valid GLN-13s")
    func acceptsGLNs() {
        for gln in [GLNs.acme, GLNs.other, GLNs.third] {
            #expect(validateGLN(gln) == nil, "\(gln)")
        }
    }

    @Test("validateGLN names a wrong check digit and the right one")
    func wrongCheckDigit() {
        #expect(validateGLN("0614141000006") == "has a wrong check digit (expected 5)")
        #expect(validateGLN("0012345000050") == "has a wrong check digit (expected 8)")
    }

    @Test("validateGLN refuses anything but 13 ASCII digits", arguments: [
        "", "061414100000", "06141410000050", "061414100000a", " 614141000005", "0614141000005 ",
        "٠٦١٤١٤١٠٠٠٠٠٥", "０６１４１４１０００００５", "-614141000005", "operator",
    ])
    func refusesNonGLNs(_ text: String) {
        #expect(validateGLN(text) == "must be 13 digits (a GLN-13)")
    }
}
