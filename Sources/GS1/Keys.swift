/// A Global Trade Item Number, always held as GTIN-14 (AI 01).
///
/// GTIN-8, GTIN-12 (UPC-A) and GTIN-13 are accepted and padded on the left with zeros, which keeps
/// the check digit (weights count from the right). A GTIN whose digits 2–3 are `03` embeds a
/// U.S. NDC (see `ndcDigits`).
public struct GTIN: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The 14 digits, check digit last.
    public let digits: String

    /// Parses 8, 12, 13 or 14 digits with a valid check digit.
    public init(_ text: String) throws(GS1Error) {
        let bytes = try validateKey(text, subject: "GTIN", lengths: [8, 12, 13, 14])
        digits = bytes.count == 14 ? text : String(repeating: "0", count: 14 - bytes.count) + text
    }

    /// The GTIN-14 `indicator` + `payload12` (12 digits) + computed check digit.
    init(indicator: UInt8, payload12: ArraySlice<UInt8>) {
        var bytes = [indicator]
        bytes.append(contentsOf: payload12)
        bytes.append(UInt8(GS1CheckDigit.compute(bytes)) + 0x30)
        digits = ascii(bytes)
    }

    /// The indicator digit (0 for the base unit; 1–8 for packaging levels; 9 for variable measure).
    public var indicator: Int { Int(digits.utf8.first!) - 0x30 }

    /// The check digit.
    public var checkDigit: Int { Int(digits.utf8.last!) - 0x30 }

    /// The 10 NDC digits when this GTIN embeds an NDC: indicator, `0`, `3`, NDC10, check digit
    /// (GS1 US; the `3` is the U.P.C. number-system character reserved for drugs). The NDC's segment
    /// layout is not recorded in the GTIN; see `ndc(layout:)`. (NHRIC numbers share the `3` prefix.)
    public var ndcDigits: String? {
        let bytes = Array(digits.utf8)
        guard bytes[1] == UInt8(ascii: "0"), bytes[2] == UInt8(ascii: "3") else { return nil }
        return ascii(bytes[3..<13])
    }

    /// The embedded NDC read with `layout`, or nil when the GTIN embeds none.
    public func ndc(layout: NDC.Layout) -> NDC? {
        guard let ten = ndcDigits else { return nil }
        return NDC(validatedDigits: Array(ten.utf8)[...], layout: layout)
    }

    /// The 14 digits.
    public var description: String { digits }

    /// Orders by digits.
    public static func < (lhs: GTIN, rhs: GTIN) -> Bool { lhs.digits < rhs.digits }
}

/// A Serial Shipping Container Code, SSCC-18 (AI 00): extension digit, GS1 Company Prefix, serial
/// reference, check digit.
public struct SSCC: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The 18 digits, check digit last.
    public let digits: String

    /// Parses 18 digits with a valid check digit.
    public init(_ text: String) throws(GS1Error) {
        _ = try validateKey(text, subject: "SSCC", lengths: [18])
        digits = text
    }

    /// The extension digit (the first digit, assigned by the company to extend capacity).
    public var extensionDigit: Int { Int(digits.utf8.first!) - 0x30 }

    /// The 18 digits.
    public var description: String { digits }

    /// Orders by digits.
    public static func < (lhs: SSCC, rhs: SSCC) -> Bool { lhs.digits < rhs.digits }
}

/// A Global Location Number, GLN-13: a party (AI 417) or a location (AI 414).
public struct GLN: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The 13 digits, check digit last.
    public let digits: String

    /// Parses 13 digits with a valid check digit.
    public init(_ text: String) throws(GS1Error) {
        _ = try validateKey(text, subject: "GLN", lengths: [13])
        digits = text
    }

    /// The 13 digits.
    public var description: String { digits }

    /// Orders by digits.
    public static func < (lhs: GLN, rhs: GLN) -> Bool { lhs.digits < rhs.digits }
}

/// An AI (21) serial number: 1–20 characters of GS1 AI encodable character set 82.
public struct Serial: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The serial as encoded in the barcode (no escaping).
    public let value: String

    /// Checks 1–20 characters of set 82.
    public init(_ value: String) throws(GS1Error) {
        try CharacterSet82.validate(value, subject: "serial")
        self.value = value
    }

    /// The serial.
    public var description: String { value }

    /// Orders by value.
    public static func < (lhs: Serial, rhs: Serial) -> Bool { lhs.value < rhs.value }
}

/// An AI (10) batch or lot number: 1–20 characters of GS1 AI encodable character set 82.
public struct Lot: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The lot as encoded in the barcode (no escaping).
    public let value: String

    /// Checks 1–20 characters of set 82.
    public init(_ value: String) throws(GS1Error) {
        try CharacterSet82.validate(value, subject: "lot")
        self.value = value
    }

    /// The lot.
    public var description: String { value }

    /// Orders by value.
    public static func < (lhs: Lot, rhs: Lot) -> Bool { lhs.value < rhs.value }
}

/// A serialised GTIN: one package (AI 01 + AI 21).
public struct SGTIN: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The product.
    public let gtin: GTIN
    /// The package's serial number.
    public let serial: Serial

    /// Pairs a GTIN and a serial (both already validated).
    public init(gtin: GTIN, serial: Serial) {
        self.gtin = gtin
        self.serial = serial
    }

    /// Parses a GTIN and a serial given as text.
    public init(gtin: String, serial: String) throws(GS1Error) {
        self.init(gtin: try GTIN(gtin), serial: try Serial(serial))
    }

    /// Parses `urn:epc:id:sgtin:CompanyPrefix.IndicatorItemRef.Serial`.
    public init(epcURI: String) throws(GS1Error) {
        guard case .sgtin(let sgtin, _, _) = try EPCURI.parse(epcURI).identifier else {
            throw GS1Error(.unknownScheme, "EPC URI", epcURI, "is not an SGTIN (urn:epc:id:sgtin:…)")
        }
        self = sgtin
    }

    /// `urn:epc:id:sgtin:…` for a GS1 Company Prefix of `companyPrefixLength` (6–12) digits.
    public func epcURI(companyPrefixLength: Int) throws(GS1Error) -> String {
        try EPCURI.sgtin(self, companyPrefixLength: companyPrefixLength)
    }

    /// `(01)<gtin>(21)<serial>`.
    public var description: String { "(01)\(gtin.digits)(21)\(serial.value)" }

    /// Orders by GTIN, then serial.
    public static func < (lhs: SGTIN, rhs: SGTIN) -> Bool { (lhs.gtin, lhs.serial) < (rhs.gtin, rhs.serial) }
}

/// A location GLN with an optional AI (254) extension component: the EPC SGLN.
///
/// An extension of `"0"` means "no extension" (TDS: the SGLN URI writes a missing extension as
/// `0`), so it is stored as nil.
public struct SGLN: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The location's GLN.
    public let gln: GLN
    /// The AI (254) extension component (1–20 characters of set 82), or nil for none.
    public let extensionComponent: String?

    /// Pairs a GLN and an optional extension (`"0"` and nil both mean none).
    public init(gln: GLN, extension ext: String? = nil) throws(GS1Error) {
        self.gln = gln
        if let ext, ext != "0" {
            try CharacterSet82.validate(ext, subject: "GLN extension")
            extensionComponent = ext
        } else {
            extensionComponent = nil
        }
    }

    /// Parses `urn:epc:id:sgln:CompanyPrefix.LocationRef.Extension`.
    public init(epcURI: String) throws(GS1Error) {
        guard case .sgln(let sgln) = try EPCURI.parse(epcURI).identifier else {
            throw GS1Error(.unknownScheme, "EPC URI", epcURI, "is not an SGLN (urn:epc:id:sgln:…)")
        }
        self = sgln
    }

    /// `urn:epc:id:sgln:…` for a GS1 Company Prefix of `companyPrefixLength` (6–12) digits.
    public func epcURI(companyPrefixLength: Int) throws(GS1Error) -> String {
        try EPCURI.sgln(self, companyPrefixLength: companyPrefixLength)
    }

    /// `(414)<gln>` or `(414)<gln>(254)<extension>`.
    public var description: String {
        extensionComponent.map { "(414)\(gln.digits)(254)\($0)" } ?? "(414)\(gln.digits)"
    }

    /// Orders by GLN, then extension (none first).
    public static func < (lhs: SGLN, rhs: SGLN) -> Bool {
        (lhs.gln, lhs.extensionComponent ?? "") < (rhs.gln, rhs.extensionComponent ?? "")
    }
}

extension SSCC {
    /// Parses `urn:epc:id:sscc:CompanyPrefix.SerialReference`.
    public init(epcURI: String) throws(GS1Error) {
        guard case .sscc(let sscc) = try EPCURI.parse(epcURI).identifier else {
            throw GS1Error(.unknownScheme, "EPC URI", epcURI, "is not an SSCC (urn:epc:id:sscc:…)")
        }
        self = sscc
    }

    /// `urn:epc:id:sscc:…` for a GS1 Company Prefix of `companyPrefixLength` (6–12) digits.
    public func epcURI(companyPrefixLength: Int) throws(GS1Error) -> String {
        try EPCURI.sscc(self, companyPrefixLength: companyPrefixLength)
    }
}

extension GLN {
    /// Parses a party URI `urn:epc:id:pgln:CompanyPrefix.PartyRef`.
    public init(pglnURI: String) throws(GS1Error) {
        guard case .gln(let gln) = try EPCURI.parse(pglnURI).identifier else {
            throw GS1Error(.unknownScheme, "EPC URI", pglnURI, "is not a PGLN (urn:epc:id:pgln:…)")
        }
        self = gln
    }

    /// The party URI `urn:epc:id:pgln:…` for a GS1 Company Prefix of `companyPrefixLength` (6–12) digits.
    public func pglnURI(companyPrefixLength: Int) throws(GS1Error) -> String {
        try EPCURI.pgln(self, companyPrefixLength: companyPrefixLength)
    }
}
