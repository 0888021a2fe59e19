/// EPC pure-identity and class URIs (GS1 EPC Tag Data Standard 2.x):
///
///     urn:epc:id:sgtin:CompanyPrefix.IndicatorItemRef.Serial     (01) + (21)
///     urn:epc:id:sscc:CompanyPrefix.ExtensionSerialRef           (00)
///     urn:epc:id:sgln:CompanyPrefix.LocationRef.Extension        (414) [+ (254)]; Extension "0" = none
///     urn:epc:id:pgln:CompanyPrefix.PartyRef                     (417)
///     urn:epc:idpat:sgtin:CompanyPrefix.IndicatorItemRef.*       (01), any serial
///     urn:epc:class:lgtin:CompanyPrefix.IndicatorItemRef.Lot     (01) + (10)
///
/// The GS1 Company Prefix length (6–12) is not recorded in a GS1 key, so printing needs it; parsing
/// reads it from the URI. Check digits are not in EPC URIs: they are computed when parsing.
/// Serial, lot and extension components escape `" % & / < > ?` as `%22 %25 %26 %2F %3C %3E %3F`
/// and are refused when those characters appear unescaped.
enum EPCURI {
    static let subject = "EPC URI"

    // MARK: Writing

    static func sgtin(_ sgtin: SGTIN, companyPrefixLength: Int) throws(GS1Error) -> String {
        try checkPrefixLength(companyPrefixLength, subject: "SGTIN", input: sgtin.description)
        let (prefix, itemRef) = gtinParts(sgtin.gtin, companyPrefixLength)
        return "urn:epc:id:sgtin:\(prefix).\(itemRef).\(escape(sgtin.serial.value))"
    }

    static func gtinClass(_ gtin: GTIN, lot: Lot?, companyPrefixLength: Int) throws(GS1Error) -> String {
        try checkPrefixLength(companyPrefixLength, subject: "GTIN", input: gtin.digits)
        let (prefix, itemRef) = gtinParts(gtin, companyPrefixLength)
        if let lot { return "urn:epc:class:lgtin:\(prefix).\(itemRef).\(escape(lot.value))" }
        return "urn:epc:idpat:sgtin:\(prefix).\(itemRef).*"
    }

    static func sscc(_ sscc: SSCC, companyPrefixLength length: Int) throws(GS1Error) -> String {
        try checkPrefixLength(length, subject: "SSCC", input: sscc.digits)
        let digits = Array(sscc.digits.utf8)
        let serialRef = [digits[0]] + digits[(1 + length)..<17]
        return "urn:epc:id:sscc:\(ascii(digits[1..<(1 + length)])).\(ascii(serialRef))"
    }

    static func sgln(_ sgln: SGLN, companyPrefixLength length: Int) throws(GS1Error) -> String {
        try checkPrefixLength(length, subject: "SGLN", input: sgln.description)
        let digits = Array(sgln.gln.digits.utf8)
        let ext = sgln.extensionComponent.map(escape) ?? "0"
        return "urn:epc:id:sgln:\(ascii(digits[0..<length])).\(ascii(digits[length..<12])).\(ext)"
    }

    static func pgln(_ gln: GLN, companyPrefixLength length: Int) throws(GS1Error) -> String {
        try checkPrefixLength(length, subject: "GLN", input: gln.digits)
        let digits = Array(gln.digits.utf8)
        return "urn:epc:id:pgln:\(ascii(digits[0..<length])).\(ascii(digits[length..<12]))"
    }

    /// Company prefix and indicator + item reference of a GTIN-14.
    private static func gtinParts(_ gtin: GTIN, _ length: Int) -> (String, String) {
        let digits = Array(gtin.digits.utf8)
        return (ascii(digits[1..<(1 + length)]), ascii([digits[0]] + digits[(1 + length)..<13]))
    }

    private static func escape(_ value: String) -> String {
        PercentEncoding.encode(value, keep: PercentEncoding.isEPCUnescaped)
    }

    // MARK: Reading

    /// Parses any of the six URI forms; also returns the company prefix length the URI used.
    static func parse(_ text: String) throws(GS1Error) -> (identifier: GS1Identifier, companyPrefixLength: Int) {
        guard text.hasPrefix("urn:epc:") else {
            throw GS1Error(.unknownScheme, subject, text, "is not an EPC URI (urn:epc:…)")
        }
        let parts = Array(text.utf8).dropFirst(8).split(separator: UInt8(ascii: ":"), maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3 else {
            throw GS1Error(.badSyntax, subject, text, "must be urn:epc:<id|idpat|class>:<scheme>:<body>")
        }
        let kind = ascii(parts[0]) + ":" + ascii(parts[1])
        let body = parts[2]
        switch kind {
        case "id:sgtin":
            let (prefix, itemRef, serialBytes) = try components3(body, text, last: "serial number")
            let gtin = try makeGTIN(prefix, itemRef, text)
            let serial = try Serial(decode(serialBytes, text))
            return (.sgtin(SGTIN(gtin: gtin, serial: serial), lot: nil, expiry: nil), prefix.count)
        case "idpat:sgtin":
            let (prefix, itemRef, star) = try components3(body, text, last: "serial pattern")
            guard star.elementsEqual("*".utf8) else {
                throw GS1Error(.badSyntax, subject, text, "only the pattern CompanyPrefix.IndicatorItemRef.* is read")
            }
            return (.gtin(try makeGTIN(prefix, itemRef, text), lot: nil, expiry: nil), prefix.count)
        case "class:lgtin":
            let (prefix, itemRef, lotBytes) = try components3(body, text, last: "lot")
            let lot = try Lot(decode(lotBytes, text))
            return (.gtin(try makeGTIN(prefix, itemRef, text), lot: lot, expiry: nil), prefix.count)
        case "id:sscc":
            let (prefix, serialRef) = try components2(body, text, last: "serial reference")
            try checkNumeric(prefix, serialRef, total: 17, named: "extension digit and serial reference", text)
            var payload = [serialRef[serialRef.startIndex]]
            payload += prefix
            payload += serialRef.dropFirst()
            payload.append(UInt8(GS1CheckDigit.compute(payload)) + 0x30)
            return (.sscc(try SSCC(ascii(payload))), prefix.count)
        case "id:sgln":
            let (prefix, locationRef, extBytes) = try components3(body, text, last: "extension (0 for none)")
            try checkNumeric(prefix, locationRef, total: 12, named: "location reference", text)
            let gln = try GLN(withCheckDigit: prefix + locationRef)
            let ext = try decode(extBytes, text)
            return (.sgln(try SGLN(gln: gln, extension: ext)), prefix.count)
        case "id:pgln":
            let (prefix, partyRef) = try components2(body, text, last: "party reference")
            try checkNumeric(prefix, partyRef, total: 12, named: "party reference", text)
            return (.gln(try GLN(withCheckDigit: prefix + partyRef)), prefix.count)
        default:
            throw GS1Error(.unknownScheme, subject, text,
                           "EPC scheme \(kind) is not read here (id:sgtin, id:sscc, id:sgln, id:pgln, idpat:sgtin, class:lgtin)")
        }
    }

    private typealias Bytes = ArraySlice<UInt8>

    private static func components3(_ body: Bytes, _ text: String, last: String) throws(GS1Error) -> (Bytes, Bytes, Bytes) {
        let parts = body.split(separator: UInt8(ascii: "."), maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[2].isEmpty else {
            throw GS1Error(.missingComponent, subject, text, "has no \(last) after CompanyPrefix.Reference")
        }
        return (parts[0], parts[1], parts[2])
    }

    private static func components2(_ body: Bytes, _ text: String, last: String) throws(GS1Error) -> (Bytes, Bytes) {
        let parts = body.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count >= 2 else {
            throw GS1Error(.missingComponent, subject, text, "has no \(last) after the company prefix")
        }
        guard parts.count == 2 else { throw GS1Error(.badSyntax, subject, text, "has more than two components") }
        return (parts[0], parts[1])
    }

    /// Checks the all-digit company prefix (6–12) and its companion, which together make `total` digits.
    private static func checkNumeric(_ prefix: Bytes, _ second: Bytes, total: Int, named name: String, _ text: String) throws(GS1Error) {
        guard prefix.allSatisfy(isDigit), second.allSatisfy(isDigit) else {
            throw GS1Error(.badCharacter, subject, text, "company prefix and \(name) must be digits")
        }
        try checkPrefixLength(prefix.count, subject: subject, input: text)
        guard prefix.count + second.count == total else {
            throw GS1Error(.badLength, subject, text,
                           "with a \(prefix.count)-digit company prefix the \(name) must be \(total - prefix.count) digits, got \(second.count)")
        }
    }

    private static func makeGTIN(_ prefix: Bytes, _ itemRef: Bytes, _ text: String) throws(GS1Error) -> GTIN {
        try checkNumeric(prefix, itemRef, total: 13, named: "indicator and item reference", text)
        return GTIN(indicator: itemRef[itemRef.startIndex], payload12: (prefix + itemRef.dropFirst())[...])
    }

    private static func decode(_ component: Bytes, _ text: String) throws(GS1Error) -> String {
        try PercentEncoding.decode(component, subject: subject, input: text, allowedRaw: PercentEncoding.isEPCUnescaped,
                                   rawHint: "must be percent-escaped in an EPC URI")
    }
}

extension GLN {
    /// The GLN whose first 12 digits are `payload` (ASCII digits), with its check digit computed.
    init(withCheckDigit payload: ArraySlice<UInt8>) throws(GS1Error) {
        var bytes = Array(payload)
        bytes.append(UInt8(GS1CheckDigit.compute(bytes)) + 0x30)
        try self.init(ascii(bytes))
    }
}
