/// A U.S. National Drug Code: labeler, product and package segments (21 CFR 207.33).
///
/// The FDA assigns 10 digits in one of three layouts, 4-4-2, 5-3-2 or 5-4-1. Billing systems use an
/// 11-digit 5-4-2 form that pads the short segment with a leading zero. A GTIN embeds the 10 digits
/// as indicator + `03` + NDC10 + check digit.
///
/// Reading rules (the layout is part of the NDC and is never guessed):
/// - hyphenated 10-digit text (`1234-5678-90`, `12345-678-90`, `12345-6789-0`) gives its own layout;
/// - hyphenated or plain 11-digit 5-4-2 text gives the layout whose segment carries the padding zero,
///   and needs `layout:` when more than one segment starts with zero;
/// - plain 10-digit text always needs `layout:` (`1234567890` is three different NDCs).
public struct NDC: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The segment layout of the 10-digit NDC.
    public enum Layout: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
        /// 4-digit labeler, 4-digit product, 2-digit package.
        case l442 = "4-4-2"
        /// 5-digit labeler, 3-digit product, 2-digit package.
        case l532 = "5-3-2"
        /// 5-digit labeler, 4-digit product, 1-digit package.
        case l541 = "5-4-1"

        /// Labeler, product and package lengths.
        public var lengths: (labeler: Int, product: Int, package: Int) {
            switch self {
            case .l442: (4, 4, 2)
            case .l532: (5, 3, 2)
            case .l541: (5, 4, 1)
            }
        }

        /// `"4-4-2"`, `"5-3-2"` or `"5-4-1"`.
        public var description: String { rawValue }
    }

    /// The FDA labeler code (4 or 5 digits).
    public let labeler: String
    /// The product code (3 or 4 digits).
    public let product: String
    /// The package code (1 or 2 digits).
    public let package: String

    /// The layout, from the segment lengths.
    public var layout: Layout {
        switch (labeler.utf8.count, product.utf8.count) {
        case (4, _): .l442
        case (_, 3): .l532
        default: .l541
        }
    }

    /// Parses an NDC in any written form; `layout` is required for plain 10 digits and for
    /// 11-digit forms whose layout is ambiguous, and must agree with the text otherwise.
    public init(_ text: String, layout: Layout? = nil) throws(GS1Error) {
        let bytes = Array(text.utf8)
        if let bad = firstBadCharacter(text, allowed: { isDigit($0) || $0 == UInt8(ascii: "-") }) {
            throw GS1Error(.badCharacter, "NDC", text, "character \(describe(bad.character)) at position \(bad.position) is not a digit or hyphen")
        }
        let segments = bytes.split(separator: UInt8(ascii: "-"), omittingEmptySubsequences: false)
        if segments.count == 1 {
            switch bytes.count {
            case 10:
                guard let layout else {
                    throw GS1Error(.ambiguousNDC, "NDC", text, "10 digits without hyphens can be 4-4-2, 5-3-2 or 5-4-1; give the layout")
                }
                self.init(validatedDigits: bytes[...], layout: layout)
            case 11:
                try self.init(eleven: bytes, text: text, layout: layout)
            default:
                throw GS1Error(.badLength, "NDC", text, "must be 10 digits (with a layout) or 11 digits, got \(bytes.count)")
            }
            return
        }
        guard segments.count == 3 else {
            throw GS1Error(.badSyntax, "NDC", text, "must have three hyphen-separated segments, got \(segments.count)")
        }
        let lengths = segments.map(\.count)
        if lengths == [5, 4, 2] {
            try self.init(eleven: Array(segments.joined()), text: text, layout: layout)
            return
        }
        guard let written = Layout.allCases.first(where: { [$0.lengths.labeler, $0.lengths.product, $0.lengths.package] == lengths }) else {
            let shape = lengths.map(String.init).joined(separator: "-")
            throw GS1Error(.badLength, "NDC", text, "segments \(shape) are not an NDC layout (4-4-2, 5-3-2, 5-4-1, or 5-4-2 for 11 digits)")
        }
        if let layout, layout != written {
            throw GS1Error(.badSyntax, "NDC", text, "is written \(written) but layout \(layout) was given")
        }
        self.init(validatedDigits: Array(segments.joined())[...], layout: written)
    }

    /// The NDC embedded in `gtin`, read with `layout`.
    public init(gtin: GTIN, layout: Layout) throws(GS1Error) {
        guard let ndc = gtin.ndc(layout: layout) else {
            throw GS1Error(.notNDC, "GTIN", gtin.digits, "does not embed an NDC (digits 2-3 are not \"03\")")
        }
        self = ndc
    }

    /// Splits 10 ASCII digits by `layout` (no checks).
    init(validatedDigits digits: ArraySlice<UInt8>, layout: Layout) {
        let (l, p, _) = layout.lengths
        let start = digits.startIndex
        labeler = ascii(digits[start..<start + l])
        product = ascii(digits[start + l..<start + l + p])
        package = ascii(digits[(start + l + p)...])
    }

    /// Reads the 11-digit 5-4-2 billing form: the layout is the one whose short segment was padded.
    private init(eleven digits: [UInt8], text: String, layout: Layout?) throws(GS1Error) {
        let zero = UInt8(ascii: "0")
        var candidates: [Layout] = []
        if digits[0] == zero { candidates.append(.l442) }
        if digits[5] == zero { candidates.append(.l532) }
        if digits[9] == zero { candidates.append(.l541) }
        let chosen: Layout
        if let layout {
            guard candidates.contains(layout) else {
                throw GS1Error(.badSyntax, "NDC", text, "cannot be the 11-digit form of a \(layout) NDC: that segment has no padding zero")
            }
            chosen = layout
        } else {
            guard !candidates.isEmpty else {
                throw GS1Error(.badSyntax, "NDC", text, "is not an 11-digit NDC: no segment starts with the padding zero")
            }
            guard candidates.count == 1 else {
                let names = candidates.map(\.rawValue).joined(separator: ", ")
                throw GS1Error(.ambiguousNDC, "NDC", text, "11-digit form could come from \(names); give the layout")
            }
            chosen = candidates[0]
        }
        var ten = digits
        switch chosen {
        case .l442: ten.remove(at: 0)
        case .l532: ten.remove(at: 5)
        case .l541: ten.remove(at: 9)
        }
        self.init(validatedDigits: ten[...], layout: chosen)
    }

    /// The 10 digits without hyphens.
    public var digits: String { labeler + product + package }

    /// The FDA form with hyphens in this NDC's layout, e.g. `12345-678-90`.
    public var tenDigit: String { "\(labeler)-\(product)-\(package)" }

    /// The 11-digit 5-4-2 billing form with hyphens, e.g. `12345-0678-90`.
    public var elevenDigit: String {
        let (l, p, k) = layout.lengths
        return String(repeating: "0", count: 5 - l) + labeler + "-"
            + String(repeating: "0", count: 4 - p) + product + "-"
            + String(repeating: "0", count: 2 - k) + package
    }

    /// The 11 digits of the billing form without hyphens, e.g. `12345067890`.
    public var billingDigits: String { elevenDigit.filter { $0 != "-" } }

    /// The GS1 Company Prefix length GS1 US assigns for this labeler: `0` `3` + labeler code,
    /// 6 digits for a 4-digit labeler and 7 for a 5-digit one. Use it to print EPC URIs.
    public var companyPrefixLength: Int { labeler.utf8.count + 2 }

    /// The GTIN-14 `indicator` + `03` + NDC10 + check digit; `indicator` is 0 for the unit of sale,
    /// 1–8 for cases and other packaging levels.
    public func gtin(indicator: Int = 0) throws(GS1Error) -> GTIN {
        guard (0...9).contains(indicator) else {
            throw GS1Error(.badCharacter, "GTIN indicator", String(indicator), "must be one digit, 0-9")
        }
        let payload = Array(("03" + digits).utf8)
        return GTIN(indicator: UInt8(indicator) + 0x30, payload12: payload[...])
    }

    /// The hyphenated 10-digit form.
    public var description: String { tenDigit }

    /// Orders by the 11-digit billing form (labelers and products sort together), then the 10-digit form.
    public static func < (lhs: NDC, rhs: NDC) -> Bool {
        (lhs.billingDigits, lhs.tenDigit) < (rhs.billingDigits, rhs.tenDigit)
    }
}
