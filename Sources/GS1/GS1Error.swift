/// Why a GS1 identifier, or one of its text forms, was refused.
///
/// `code` is stable and meant for programs and tests; `description` is a sentence for people that
/// names the kind of input, the input itself and the reason, e.g.
/// `GTIN "00312345678907": wrong check digit 7, expected 6`.
public struct GS1Error: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable, machine-readable reason (`"bad-check-digit"`, `"bad-length"`, …).
    public struct Code: RawRepresentable, Sendable, Hashable, CustomStringConvertible, ExpressibleByStringLiteral {
        /// The code as written in error output, e.g. `"bad-check-digit"`.
        public let rawValue: String

        /// Wraps a raw code string.
        public init(rawValue: String) { self.rawValue = rawValue }

        /// Wraps a raw code string written as a literal.
        public init(stringLiteral value: String) { rawValue = value }

        /// The raw code.
        public var description: String { rawValue }

        /// A GS1 mod-10 check digit does not match.
        public static let badCheckDigit: Code = "bad-check-digit"
        /// A character is not allowed where it appears (non-digit in a key, outside set 82, unescaped in a URI).
        public static let badCharacter: Code = "bad-character"
        /// A value has the wrong number of characters or digits.
        public static let badLength: Code = "bad-length"
        /// The text is none of the forms this module reads.
        public static let unknownForm: Code = "unknown-form"
        /// A YYMMDD date is not a date (month 13, 30 February, …).
        public static let badDate: Code = "bad-date"
        /// Printing an EPC URI needs the GS1 Company Prefix length and none was given.
        public static let needsPrefixLength: Code = "needs-prefix-length"
        /// A GS1 Company Prefix length outside 6–12.
        public static let badPrefixLength: Code = "bad-prefix-length"
        /// An Application Identifier this module does not know or does not support.
        public static let unknownAI: Code = "unknown-ai"
        /// A URI scheme (or EPC scheme) this module does not read.
        public static let unknownScheme: Code = "unknown-scheme"
        /// A required part is missing (the serial of an SGTIN EPC URI, the key of a Digital Link, …).
        public static let missingComponent: Code = "missing-component"
        /// The same Application Identifier appears twice with different values.
        public static let duplicateAI: Code = "duplicate-ai"
        /// Application Identifiers that may not appear together, or in that order.
        public static let badCombination: Code = "bad-combination"
        /// Structure the form's grammar does not allow (extra components, unbalanced parentheses, …).
        public static let badSyntax: Code = "bad-syntax"
        /// An NDC whose segment layout cannot be told from the text; pass a layout.
        public static let ambiguousNDC: Code = "ambiguous-ndc"
        /// A GTIN that does not embed an NDC (its digits 2–3 are not "03").
        public static let notNDC: Code = "not-ndc"
        /// The identifier cannot be written in the requested form (an SGTIN as a bare key, …).
        public static let notRepresentable: Code = "not-representable"
    }

    /// The stable reason code.
    public let code: Code
    /// What was being read, e.g. `"GTIN"`, `"serial"`, `"EPC URI"`.
    public let subject: String
    /// The text that was refused.
    public let input: String
    /// Why, as a sentence fragment, e.g. `"wrong check digit 7, expected 6"`.
    public let reason: String

    /// Creates an error; `reason` completes the sentence `<subject> "<input>": <reason>`.
    public init(_ code: Code, _ subject: String, _ input: String, _ reason: String) {
        self.code = code
        self.subject = subject
        self.input = input
        self.reason = reason
    }

    /// `<subject> "<input>": <reason>`, with control characters such as GS shown as `<GS>`.
    public var description: String { "\(subject) \"\(GS1Error.visible(input))\": \(reason)" }

    /// The input with control characters made visible (`<GS>` for FNC1 as transmitted).
    static func visible(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x1D: out += "<GS>"
            case 0..<0x20, 0x7F: out += "<0x" + String(scalar.value, radix: 16, uppercase: true) + ">"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
