import LedgerFormat

/// A package-level or logistic identifier as the ledger keys it: an SGTIN (GTIN-14 + serial) or an SSCC-18.
///
/// Its canonical text is the GS1 element string without FNC1: `(01)00312345678906(21)S1` or
/// `(00)106141412345678908`. The serial is always last, so the form is unambiguous even though GS1's
/// character set 82 allows parentheses in serials.
public enum UnitID: Sendable, Hashable, Comparable, CustomStringConvertible {
    case sgtin(gtin: String, serial: String)
    case sscc(String)

    /// Parses the canonical element-string form; other forms go through the GS1 parser first.
    public init(canonical text: String) throws(CustodyError) {
        if text.hasPrefix("(00)") {
            let digits = String(text.dropFirst(4))
            guard digits.utf8.count == 18, digits.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else {
                throw CustodyError(.badIdentifier, "\"\(text)\": an SSCC is 18 digits after (00)")
            }
            guard UnitID.checkDigitValid(digits) else { throw CustodyError(.badIdentifier, "\"\(text)\": wrong SSCC check digit") }
            self = .sscc(digits)
            return
        }
        guard text.hasPrefix("(01)"), text.utf8.count > 22 else {
            throw CustodyError(.badIdentifier, "\"\(text)\" is not an identifier of the form (01)GTIN14(21)SERIAL or (00)SSCC18")
        }
        let gtin = String(text.dropFirst(4).prefix(14))
        let rest = text.dropFirst(18)
        guard gtin.utf8.allSatisfy({ (0x30...0x39).contains($0) }), rest.hasPrefix("(21)") else {
            throw CustodyError(.badIdentifier, "\"\(text)\" is not of the form (01)GTIN14(21)SERIAL")
        }
        guard UnitID.checkDigitValid(gtin) else { throw CustodyError(.badIdentifier, "\"\(text)\": wrong GTIN check digit") }
        let serial = String(rest.dropFirst(4))
        if let problem = UnitID.serialProblem(serial) { throw CustodyError(.badIdentifier, "\"\(text)\": serial \(problem)") }
        self = .sgtin(gtin: gtin, serial: serial)
    }

    /// The canonical element string.
    public var canonical: String {
        switch self {
        case .sgtin(let gtin, let serial): "(01)\(gtin)(21)\(serial)"
        case .sscc(let sscc): "(00)\(sscc)"
        }
    }

    public var description: String { canonical }

    /// The GTIN, for an SGTIN.
    public var gtin: String? { if case .sgtin(let gtin, _) = self { return gtin } else { return nil } }

    /// True for SSCCs (logistic units that exist only as containers).
    public var isSSCC: Bool { if case .sscc = self { return true } else { return false } }

    public static func < (lhs: UnitID, rhs: UnitID) -> Bool { lhs.canonical < rhs.canonical }

    /// Why `serial` is not a GS1 AI (21) serial (1–20 characters of GS1 character set 82), or nil.
    public static func serialProblem(_ serial: String) -> String? {
        let bytes = Array(serial.utf8)
        guard (1...20).contains(bytes.count) else { return "must be 1 to 20 characters, not \(bytes.count)" }
        for byte in bytes where !isCharacterSet82(byte) {
            return "contains '\(String(UnicodeScalar(byte)))', which is outside GS1 character set 82"
        }
        return nil
    }

    /// GS1 AI encodable character set 82 (GS1 General Specifications, figure 7.11-1).
    static func isCharacterSet82(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        case UInt8(ascii: "!"), UInt8(ascii: "\""), UInt8(ascii: "%"), UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "("),
             UInt8(ascii: ")"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: ","), UInt8(ascii: "-"), UInt8(ascii: "."),
             UInt8(ascii: "/"), UInt8(ascii: ":"), UInt8(ascii: ";"), UInt8(ascii: "<"), UInt8(ascii: "="), UInt8(ascii: ">"),
             UInt8(ascii: "?"), UInt8(ascii: "_"): true
        default: false
        }
    }

    static func checkDigitValid(_ digits: String) -> Bool {
        let bytes = Array(digits.utf8)
        guard bytes.allSatisfy({ (0x30...0x39).contains($0) }), let last = bytes.last else { return false }
        var sum = 0
        for (position, char) in bytes.dropLast().reversed().enumerated() {
            let digit = Int(char) - 0x30
            sum += position % 2 == 0 ? digit * 3 : digit
        }
        return (10 - sum % 10) % 10 == Int(last) - 0x30
    }
}
