/// GS1 Digital Link URIs (GS1 Digital Link standard, URI syntax).
///
/// Reading: `http` or `https`, any host, any path prefix before the key; the key is the rightmost
/// `/AI/value` pair in the path whose AI is a primary key (01, 00, 414, 417), followed by its key
/// qualifiers in the standard's order (01: 10 then 21; 414: 254), then query attributes (17 = expiry).
/// Values are percent-decoded. Non-numeric query parameters (`linkType=…`) are ignored; numeric ones
/// must be AIs this module reads. A lot given as `?10=` instead of `/10/` is accepted, though the
/// standard asks for key qualifiers in the path. A zero-suppressed GTIN-8/12/13 after `/01/` is
/// accepted and padded (the standard's legacy allowance). `/17/` in the path is refused: (17) is a
/// data attribute, not a key qualifier.
///
/// Writing: the canonical form `https://id.gs1.org/01/{gtin14}/10/{lot}/21/{serial}?17={yymmdd}`,
/// with every character outside RFC 3986 "unreserved" percent-encoded.
enum DigitalLink {
    static let defaultHost = "https://id.gs1.org"

    private static let primaryKeys: [String: [AI]] = [
        "01": [.lot, .serial], "00": [], "414": [.glnExtension], "417": [],
    ]

    static func format(_ identifier: GS1Identifier, host: String) -> String {
        var stem = host
        if !stem.contains("://") { stem = "https://" + stem }
        while stem.hasSuffix("/") { stem.removeLast() }
        var path = ""
        var query: [String] = []
        // elements(of:) lists the key first and (10) before (21), the path order; (17) goes to the query.
        for (ai, value) in ElementString.elements(of: identifier) {
            let encoded = PercentEncoding.encode(value, keep: PercentEncoding.isUnreserved)
            if ai == .expiry {
                query.append("17=" + encoded)
            } else {
                path += "/" + ai.rawValue + "/" + encoded
            }
        }
        return stem + path + (query.isEmpty ? "" : "?" + query.joined(separator: "&"))
    }

    static func parse(_ text: String, referenceDate: CalendarDate) throws(GS1Error) -> GS1Identifier {
        let subject = "Digital Link"
        let bytes = Array(text.utf8)
        guard let schemeEnd = find(bytes, "://") else {
            throw GS1Error(.unknownForm, subject, text, "is not an http or https URI")
        }
        let scheme = ascii(bytes[..<schemeEnd]).lowercased()
        guard scheme == "https" || scheme == "http" else {
            throw GS1Error(.unknownScheme, subject, text, "scheme \"\(ascii(bytes[..<schemeEnd]))\" is not http or https")
        }
        var rest = bytes[(schemeEnd + 3)...]
        if let hash = rest.firstIndex(of: UInt8(ascii: "#")) { rest = rest[..<hash] }
        var queryBytes: ArraySlice<UInt8> = []
        if let question = rest.firstIndex(of: UInt8(ascii: "?")) {
            queryBytes = rest[(question + 1)...]
            rest = rest[..<question]
        }
        guard let slash = rest.firstIndex(of: UInt8(ascii: "/")) else {
            throw GS1Error(.missingComponent, subject, text, "has no path with a GS1 key")
        }
        guard slash > rest.startIndex else { throw GS1Error(.badSyntax, subject, text, "has no host") }
        var segments = rest[(slash + 1)...].split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        if segments.last?.isEmpty == true { segments.removeLast() }

        // Walk back from the end over /AI/value pairs to the rightmost primary key.
        var keyIndex: Int?
        var end = segments.count
        while end >= 2 {
            let aiBytes = segments[end - 2]
            guard (2...4).contains(aiBytes.count), aiBytes.allSatisfy(isDigit) else { break }
            if primaryKeys[ascii(aiBytes)] != nil {
                keyIndex = end - 2
                break
            }
            end -= 2
        }
        guard let keyIndex else {
            throw GS1Error(.missingComponent, subject, text, "has no GS1 key (01, 00, 414 or 417) in its path")
        }

        var bag = AIBag(referenceDate: referenceDate, subject: subject, input: text)
        let key = ascii(segments[keyIndex])
        let qualifiers = primaryKeys[key]!
        var lastQualifier = -1
        var index = keyIndex
        while index < segments.count {
            let aiText = ascii(segments[index])
            guard let ai = AI(rawValue: aiText) else { throw AI.unknown(aiText, subject: subject, input: text) }
            if index > keyIndex {
                guard let position = qualifiers.firstIndex(of: ai) else {
                    throw GS1Error(.badCombination, subject, text, "\(ai.bracketed) is not a key qualifier of (\(key)) in a Digital Link path")
                }
                guard position > lastQualifier else {
                    throw GS1Error(.badCombination, subject, text, "key qualifiers of (\(key)) must come in the order \(qualifiers.map(\.bracketed).joined(separator: ", "))")
                }
                lastQualifier = position
            }
            let valueBytes = segments[index + 1]
            guard !valueBytes.isEmpty else { throw GS1Error(.badSyntax, subject, text, "\(ai.bracketed) has an empty value") }
            let value = try PercentEncoding.decode(valueBytes, subject: subject, input: text, allowedRaw: isURIPathCharacter,
                                                   rawHint: "must be percent-encoded in a URI path")
            try bag.add(ai, value, exactLength: ai != .gtin)
            index += 2
        }

        for parameter in queryBytes.split(separator: UInt8(ascii: "&")) {
            let equals = parameter.firstIndex(of: UInt8(ascii: "=")) ?? parameter.endIndex
            let name = parameter[..<equals]
            guard !name.isEmpty, name.allSatisfy(isDigit) else { continue }    // not an AI: linkType=…, etc.
            let aiText = ascii(name)
            guard let ai = AI(rawValue: aiText) else { throw AI.unknown(aiText, subject: subject, input: text) }
            guard ai == .expiry || ai == .lot else {
                throw GS1Error(.badCombination, subject, text, "\(ai.bracketed) belongs in the path, not the query")
            }
            let valueBytes = equals == parameter.endIndex ? parameter[equals...] : parameter[(equals + 1)...]
            guard !valueBytes.isEmpty else { throw GS1Error(.badSyntax, subject, text, "\(ai.bracketed) has an empty value") }
            let value = try PercentEncoding.decode(valueBytes, subject: subject, input: text, allowedRaw: isURIQueryCharacter,
                                                   rawHint: "must be percent-encoded in a URI query", plusIsSpace: true)
            try bag.add(ai, value)
        }
        return try bag.identifier()
    }

    /// RFC 3986 `pchar` minus `%` (escapes are decoded separately).
    private static func isURIPathCharacter(_ byte: UInt8) -> Bool {
        if PercentEncoding.isUnreserved(byte) { return true }
        switch byte {
        case UInt8(ascii: "!"), UInt8(ascii: "$"), UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "("), UInt8(ascii: ")"),
             UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "="), UInt8(ascii: ":"),
             UInt8(ascii: "@"): return true
        default: return false
        }
    }

    /// Query characters allowed unescaped in a value (`&` ends the value; `+` is a space).
    private static func isURIQueryCharacter(_ byte: UInt8) -> Bool {
        isURIPathCharacter(byte) || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "?")
    }

    private static func find(_ bytes: [UInt8], _ needle: String) -> Int? {
        let pattern = Array(needle.utf8)
        guard bytes.count >= pattern.count else { return nil }
        for start in 0...(bytes.count - pattern.count) where bytes[start..<start + pattern.count].elementsEqual(pattern) {
            return start
        }
        return nil
    }
}
