/// The GS1 Application Identifiers this module reads and writes.
enum AI: String, CaseIterable, Sendable {
    case sscc = "00"
    case gtin = "01"
    case lot = "10"
    case expiry = "17"
    case serial = "21"
    case glnExtension = "254"
    case locationGLN = "414"
    case partyGLN = "417"

    /// Data length of a predefined-length AI (no FNC1 needed after it), or nil for variable length.
    var fixedLength: Int? {
        switch self {
        case .sscc: 18
        case .gtin: 14
        case .expiry: 6
        case .locationGLN, .partyGLN: 13
        case .lot, .serial, .glnExtension: nil
        }
    }

    /// `(01)` and so on.
    var bracketed: String { "(\(rawValue))" }

    static let supportedList = "00, 01, 10, 17, 21, 254, 414 and 417"

    /// The length of the GS1 AI that starts with the two digits `prefix` (GS1 General
    /// Specifications, AI table); used to name an unknown AI in full.
    static func length(forPrefix prefix: Int) -> Int {
        switch prefix {
        case 23...25, 40...42: 3
        case 31...36, 39, 43, 70...72, 80...82: 4
        default: 2
        }
    }

    static func unknown(_ ai: String, subject: String, input: String) -> GS1Error {
        GS1Error(.unknownAI, subject, input, "(\(ai)) is not an Application Identifier this library reads (\(supportedList))")
    }
}

/// Collects AI values from any form and turns them into one `GS1Identifier`, enforcing which AIs
/// may appear together (the General Specifications' mandatory-association rules for these AIs).
struct AIBag {
    var gtin: GTIN?
    var serial: Serial?
    var lot: Lot?
    var expiry: Expiry?
    var sscc: SSCC?
    var locationGLN: GLN?
    var glnExtension: String?
    var partyGLN: GLN?
    private var seen: [AI: String] = [:]

    let referenceDate: CalendarDate
    let subject: String
    let input: String

    init(referenceDate: CalendarDate, subject: String, input: String) {
        self.referenceDate = referenceDate
        self.subject = subject
        self.input = input
    }

    /// Adds one AI value. `exactLength` requires predefined-length AIs to have exactly their length
    /// (element strings); Digital Link parsing relaxes it so (01) may be a GTIN-8/12/13.
    mutating func add(_ ai: AI, _ value: String, exactLength: Bool = true) throws(GS1Error) {
        if let previous = seen[ai] {
            if previous == value { return }
            throw GS1Error(.duplicateAI, subject, input, "\(ai.bracketed) appears twice, as \"\(previous)\" and \"\(value)\"")
        }
        switch ai {
        case .gtin: gtin = try GTIN(value)
        case .serial: serial = try Serial(value)
        case .lot: lot = try Lot(value)
        case .expiry: expiry = try Expiry(value, referenceDate: referenceDate)
        case .sscc: sscc = try SSCC(value)
        case .locationGLN: locationGLN = try GLN(value)
        case .partyGLN: partyGLN = try GLN(value)
        case .glnExtension:
            try CharacterSet82.validate(value, subject: "GLN extension")
            glnExtension = value
        }
        if exactLength, let fixed = ai.fixedLength, value.utf8.count != fixed {
            throw GS1Error(.badLength, subject, input, "\(ai.bracketed) must be \(fixed) digits, got \(value.utf8.count)")
        }
        seen[ai] = value
    }

    /// The identifier the collected AIs describe.
    func identifier() throws(GS1Error) -> GS1Identifier {
        if gtin == nil {
            for (present, ai) in [(serial != nil, "(21)"), (lot != nil, "(10)"), (expiry != nil, "(17)")] where present {
                throw GS1Error(.badCombination, subject, input, "\(ai) needs a GTIN (01)")
            }
        }
        if glnExtension != nil && locationGLN == nil {
            throw GS1Error(.badCombination, subject, input, "(254) needs a location GLN (414)")
        }
        let keys = [(gtin != nil, "(01)"), (sscc != nil, "(00)"), (locationGLN != nil, "(414)"), (partyGLN != nil, "(417)")]
            .filter(\.0).map(\.1)
        guard keys.count == 1 else {
            if keys.isEmpty {
                throw GS1Error(.missingComponent, subject, input, "has no GS1 key: (01), (00), (414) or (417)")
            }
            throw GS1Error(.badCombination, subject, input, "has more than one GS1 key: \(keys.joined(separator: ", "))")
        }
        if let gtin {
            if let serial { return .sgtin(SGTIN(gtin: gtin, serial: serial), lot: lot, expiry: expiry) }
            return .gtin(gtin, lot: lot, expiry: expiry)
        }
        if let sscc { return .sscc(sscc) }
        if let locationGLN { return .sgln(try SGLN(gln: locationGLN, extension: glnExtension)) }
        return .gln(partyGLN!)
    }
}

/// GS1 element strings: the bracketed human-readable form and the raw form a scanner transmits.
enum ElementString {
    static let groupSeparator: UInt8 = 0x1D

    /// Symbology identifiers of GS1 carriers (ISO/IEC 15424): GS1 DataMatrix, GS1-128, GS1 DataBar,
    /// GS1 QR Code, GS1 DotCode.
    static let gs1SymbologyIdentifiers: Set<String> = ["]d2", "]C1", "]e0", "]Q3", "]J1"]

    /// The AI/value pairs of `identifier` in output order: predefined-length AIs first so the raw
    /// form needs the fewest separators.
    static func elements(of identifier: GS1Identifier) -> [(AI, String)] {
        switch identifier {
        case .gtin(let gtin, let lot, let expiry):
            var out: [(AI, String)] = [(.gtin, gtin.digits)]
            if let expiry { out.append((.expiry, expiry.yymmdd)) }
            if let lot { out.append((.lot, lot.value)) }
            return out
        case .sgtin(let sgtin, let lot, let expiry):
            var out: [(AI, String)] = [(.gtin, sgtin.gtin.digits)]
            if let expiry { out.append((.expiry, expiry.yymmdd)) }
            if let lot { out.append((.lot, lot.value)) }
            out.append((.serial, sgtin.serial.value))
            return out
        case .sscc(let sscc): return [(.sscc, sscc.digits)]
        case .sgln(let sgln):
            var out: [(AI, String)] = [(.locationGLN, sgln.gln.digits)]
            if let ext = sgln.extensionComponent { out.append((.glnExtension, ext)) }
            return out
        case .gln(let gln): return [(.partyGLN, gln.digits)]
        }
    }

    static func bracketed(_ identifier: GS1Identifier) -> String {
        elements(of: identifier).map { "(\($0.0.rawValue))\($0.1)" }.joined()
    }

    static func raw(_ identifier: GS1Identifier) -> String {
        let elements = elements(of: identifier)
        var out = ""
        for (index, (ai, value)) in elements.enumerated() {
            out += ai.rawValue + value
            if ai.fixedLength == nil && index < elements.count - 1 { out.unicodeScalars.append("\u{1D}") }
        }
        return out
    }

    // MARK: Reading

    /// Reads `(01)00312345678906(21)ABC123…`. A value runs to the next `(` that opens a 2–4 digit AI;
    /// spaces around values are ignored (they are never data: space is not in set 82).
    static func parseBracketed(_ text: String, referenceDate: CalendarDate) throws(GS1Error) -> GS1Identifier {
        let subject = "element string"
        let bytes = Array(text.utf8)
        var bag = AIBag(referenceDate: referenceDate, subject: subject, input: text)
        var index = 0
        while index < bytes.count, bytes[index] == 0x20 { index += 1 }
        while index < bytes.count {
            guard let close = closingParenthesis(bytes, at: index) else {
                throw GS1Error(.badSyntax, subject, text, "expected an Application Identifier like (01) at position \(index + 1)")
            }
            let digits = ascii(bytes[(index + 1)..<close])
            guard let ai = AI(rawValue: digits) else { throw AI.unknown(digits, subject: subject, input: text) }
            var end = close + 1
            while end < bytes.count && closingParenthesis(bytes, at: end) == nil { end += 1 }
            var start = close + 1
            var stop = end
            while start < stop, bytes[start] == 0x20 { start += 1 }
            while stop > start, bytes[stop - 1] == 0x20 { stop -= 1 }
            try bag.add(ai, ascii(bytes[start..<stop]))
            index = end
        }
        return try bag.identifier()
    }

    /// If `bytes[index]` is `(` followed by 2–4 digits and `)`, the index of that `)`.
    private static func closingParenthesis(_ bytes: [UInt8], at index: Int) -> Int? {
        guard bytes[index] == UInt8(ascii: "(") else { return nil }
        var cursor = index + 1
        while cursor < bytes.count, cursor - index <= 5, isDigit(bytes[cursor]) { cursor += 1 }
        let count = cursor - index - 1
        guard (2...4).contains(count), cursor < bytes.count, bytes[cursor] == UInt8(ascii: ")") else { return nil }
        return cursor
    }

    /// Reads the raw form: optional GS1 symbology identifier (`]d2`, `]C1`, …), optional leading
    /// FNC1 (GS), then AI + value pairs with GS after each variable-length value that is not last.
    /// A GS after a predefined-length value is tolerated.
    static func parseRaw(_ text: String, referenceDate: CalendarDate) throws(GS1Error) -> GS1Identifier {
        let subject = "element string"
        let all = Array(text.utf8)
        var rest = all[...]
        if rest.first == UInt8(ascii: "]") {
            let identifier = ascii(rest.prefix(3))
            guard gs1SymbologyIdentifiers.contains(identifier) else {
                throw GS1Error(.unknownForm, subject, text, "symbology identifier \(identifier) is not a GS1 one (]d2, ]C1, ]e0, ]Q3, ]J1)")
            }
            rest = rest.dropFirst(3)
        }
        while rest.first == groupSeparator { rest = rest.dropFirst() }
        guard !rest.isEmpty else { throw GS1Error(.missingComponent, subject, text, "has no data") }
        var bag = AIBag(referenceDate: referenceDate, subject: subject, input: text)
        while !rest.isEmpty {
            let position = all.count - rest.count + 1
            let first = rest.startIndex
            guard rest.count >= 2, isDigit(rest[first]), isDigit(rest[first + 1]) else {
                throw GS1Error(.badSyntax, subject, text, "expected an Application Identifier at position \(position)")
            }
            let two = ascii(rest.prefix(2))
            let ai: AI
            if let short = AI(rawValue: two) {
                ai = short
            } else if rest.count >= 3, let long = AI(rawValue: ascii(rest.prefix(3))) {
                ai = long
            } else {
                let length = AI.length(forPrefix: Int(two)!)
                throw AI.unknown(ascii(rest.prefix(length)), subject: subject, input: text)
            }
            rest = rest.dropFirst(ai.rawValue.utf8.count)
            let value: ArraySlice<UInt8>
            if let fixed = ai.fixedLength {
                guard rest.count >= fixed else {
                    throw GS1Error(.badLength, subject, text, "\(ai.bracketed) needs \(fixed) digits, only \(rest.count) left")
                }
                value = rest.prefix(fixed)
                rest = rest.dropFirst(fixed)
                if rest.first == groupSeparator { rest = rest.dropFirst() }
            } else {
                let end = rest.firstIndex(of: groupSeparator) ?? rest.endIndex
                value = rest[..<end]
                rest = rest[end...].dropFirst()
            }
            try bag.add(ai, ascii(value))
        }
        return try bag.identifier()
    }
}
