/// The text forms a `GS1Identifier` can be written in.
public enum GS1Form: Sendable, Hashable {
    /// EPC pure-identity URI (`urn:epc:id:sgtin:…`), or for `.gtin` the class URIs
    /// `urn:epc:class:lgtin:…` (with a lot) and `urn:epc:idpat:sgtin:…*` (without). Lot and expiry
    /// attributes of an SGTIN, and the expiry of a GTIN, have no place in these URIs and are dropped.
    case epcURI
    /// GS1 Digital Link URI on `host` (scheme, host and optional path stem), e.g. `https://id.gs1.org`.
    case digitalLink(host: String)
    /// Bracketed element string, `(01)00312345678906(17)271231(10)L001(21)ABC123`.
    case elementString
    /// Raw element string as a scanner transmits it (no symbology identifier), GS after variable-length values.
    case rawElementString
    /// The bare key digits: GTIN-14, SSCC-18 or GLN-13 (not for SGTINs, SGLNs or lot/expiry).
    case key
}

/// Any GS1 identifier this ledger handles, read from any of its text forms.
///
/// `.gln` is a party (AI 417, `urn:epc:id:pgln:`); `.sgln` is a location (AI 414 with optional
/// 254, `urn:epc:id:sgln:`). A bare 13-digit number reads as `.gln` (it could also be a GTIN-13:
/// write GTIN-13s padded to 14 digits).
public enum GS1Identifier: Sendable, Hashable, CustomStringConvertible {
    /// One package: GTIN + serial, with the lot and expiry if they were given.
    case sgtin(SGTIN, lot: Lot?, expiry: Expiry?)
    /// A product (GTIN), or one lot of it, without a serial.
    case gtin(GTIN, lot: Lot?, expiry: Expiry?)
    /// A logistic unit (case, pallet).
    case sscc(SSCC)
    /// A party (AI 417).
    case gln(GLN)
    /// A location (AI 414), with an optional extension (AI 254).
    case sgln(SGLN)

    // MARK: Reading

    /// Reads any supported form:
    /// - EPC URIs `urn:epc:id:sgtin|sscc|sgln|pgln:…`, `urn:epc:idpat:sgtin:…*`, `urn:epc:class:lgtin:…`;
    /// - GS1 Digital Link URIs on any http(s) host;
    /// - bracketed element strings `(01)…(21)…`;
    /// - raw element strings, with or without a leading symbology identifier (`]d2`, `]C1`, …) and
    ///   leading FNC1 (GS, 0x1D), GS after variable-length values;
    /// - bare keys: 14 (or 8, 12) digits = GTIN, 18 = SSCC, 13 = GLN (party).
    ///
    /// `referenceDate` places two-digit expiry years (see `Expiry`).
    public static func parse(_ text: String, referenceDate: CalendarDate = .today()) throws(GS1Error) -> GS1Identifier {
        let bytes = text.utf8
        guard let first = bytes.first else {
            throw GS1Error(.unknownForm, "GS1 identifier", text, "is empty")
        }
        if let scheme = uriScheme(text) {
            switch scheme {
            case "urn": return try EPCURI.parse(text).identifier
            case "http", "https": return try DigitalLink.parse(text, referenceDate: referenceDate)
            default:
                throw GS1Error(.unknownScheme, "GS1 identifier", text, "URI scheme \"\(scheme)\" is not urn:epc, http or https")
            }
        }
        if first == UInt8(ascii: "(") { return try ElementString.parseBracketed(text, referenceDate: referenceDate) }
        if first == UInt8(ascii: "]") || first == ElementString.groupSeparator {
            return try ElementString.parseRaw(text, referenceDate: referenceDate)
        }
        if bytes.allSatisfy(isDigit) {
            switch bytes.count {
            case 8, 12, 14: return .gtin(try GTIN(text), lot: nil, expiry: nil)
            case 13: return .gln(try GLN(text))
            case 18: return .sscc(try SSCC(text))
            default: return try ElementString.parseRaw(text, referenceDate: referenceDate)
            }
        }
        if isDigit(first) { return try ElementString.parseRaw(text, referenceDate: referenceDate) }
        throw GS1Error(.unknownForm, "GS1 identifier", text,
                       "is not an EPC URI, Digital Link, element string or bare GTIN, SSCC or GLN")
    }

    /// Reads an EPC URI and also returns the GS1 Company Prefix length it was written with.
    public static func parseEPCURI(_ text: String) throws(GS1Error) -> (identifier: GS1Identifier, companyPrefixLength: Int) {
        try EPCURI.parse(text)
    }

    /// The lowercased scheme when `text` starts like a URI (`letter *(letter / digit / + - .) ":"`).
    private static func uriScheme(_ text: String) -> String? {
        var scheme: [UInt8] = []
        for byte in text.utf8 {
            if byte == UInt8(ascii: ":") { return scheme.isEmpty ? nil : ascii(scheme).lowercased() }
            let isLetter = (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z")
            guard isLetter || (!scheme.isEmpty && (isDigit(byte) || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "."))) else {
                return nil
            }
            scheme.append(byte)
        }
        return nil
    }

    // MARK: Writing

    /// The EPC URI for a GS1 Company Prefix of `companyPrefixLength` (6–12) digits; see `GS1Form.epcURI`.
    public func epcURI(companyPrefixLength: Int) throws(GS1Error) -> String {
        switch self {
        case .sgtin(let sgtin, _, _): try EPCURI.sgtin(sgtin, companyPrefixLength: companyPrefixLength)
        case .gtin(let gtin, let lot, _): try EPCURI.gtinClass(gtin, lot: lot, companyPrefixLength: companyPrefixLength)
        case .sscc(let sscc): try EPCURI.sscc(sscc, companyPrefixLength: companyPrefixLength)
        case .gln(let gln): try EPCURI.pgln(gln, companyPrefixLength: companyPrefixLength)
        case .sgln(let sgln): try EPCURI.sgln(sgln, companyPrefixLength: companyPrefixLength)
        }
    }

    /// The GS1 Digital Link URI on `host` (default `https://id.gs1.org`): key and qualifiers in the
    /// path, expiry as `?17=`.
    public func digitalLink(host: String = "https://id.gs1.org") -> String {
        DigitalLink.format(self, host: host)
    }

    /// The bracketed element string: key, then (17), (10), (21) / (254).
    public var elementString: String { ElementString.bracketed(self) }

    /// The raw element string (GS = 0x1D after variable-length values that are not last).
    public var rawElementString: String { ElementString.raw(self) }

    /// The bare key digits, or nil when the identifier is more than a key (SGTIN, SGLN, lot, expiry).
    public var key: String? {
        switch self {
        case .gtin(let gtin, nil, nil): gtin.digits
        case .sscc(let sscc): sscc.digits
        case .gln(let gln): gln.digits
        default: nil
        }
    }

    /// Writes the identifier in `form`. `companyPrefixLength` is needed for `.epcURI` only.
    public func string(in form: GS1Form, companyPrefixLength: Int? = nil) throws(GS1Error) -> String {
        switch form {
        case .epcURI:
            guard let companyPrefixLength else {
                throw GS1Error(.needsPrefixLength, kind, elementString, "an EPC URI needs the GS1 Company Prefix length (6-12)")
            }
            return try epcURI(companyPrefixLength: companyPrefixLength)
        case .digitalLink(let host): return digitalLink(host: host)
        case .elementString: return elementString
        case .rawElementString: return rawElementString
        case .key:
            guard let key else {
                throw GS1Error(.notRepresentable, kind, elementString, "is more than a bare GTIN, SSCC or GLN")
            }
            return key
        }
    }

    // MARK: Inspecting

    /// `"sgtin"`, `"gtin"`, `"sscc"`, `"gln"` or `"sgln"`.
    public var kind: String {
        switch self {
        case .sgtin: "sgtin"
        case .gtin: "gtin"
        case .sscc: "sscc"
        case .gln: "gln"
        case .sgln: "sgln"
        }
    }

    /// The GTIN of an SGTIN or GTIN.
    public var gtin: GTIN? {
        switch self {
        case .sgtin(let sgtin, _, _): sgtin.gtin
        case .gtin(let gtin, _, _): gtin
        default: nil
        }
    }

    /// The serial of an SGTIN.
    public var serial: Serial? { if case .sgtin(let sgtin, _, _) = self { sgtin.serial } else { nil } }

    /// The lot, if one was given.
    public var lot: Lot? {
        switch self {
        case .sgtin(_, let lot, _), .gtin(_, let lot, _): lot
        default: nil
        }
    }

    /// The expiry, if one was given.
    public var expiry: Expiry? {
        switch self {
        case .sgtin(_, _, let expiry), .gtin(_, _, let expiry): expiry
        default: nil
        }
    }

    /// The bracketed element string.
    public var description: String { elementString }
}
