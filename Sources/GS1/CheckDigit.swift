/// The GS1 mod-10 check digit (GS1 General Specifications §7.9.1).
///
/// Weights 3, 1, 3, 1, … are applied from the rightmost payload digit, so leading zeros do not change
/// the result: a GTIN-8, -12 or -13 keeps its check digit when padded to 14 digits.
public enum GS1CheckDigit {
    /// The check digit for `payload` (ASCII digits, the digits before the check digit).
    public static func compute<Digits: BidirectionalCollection>(_ payload: Digits) -> Int where Digits.Element == UInt8 {
        var sum = 0
        for (position, char) in payload.reversed().enumerated() {
            let digit = Int(char) - 0x30
            sum += position % 2 == 0 ? digit * 3 : digit
        }
        return (10 - sum % 10) % 10
    }

    /// True when the last digit of `digits` (ASCII) is the check digit of the others.
    public static func isValid(_ digits: [UInt8]) -> Bool {
        digits.withUnsafeBufferPointer { isValid($0) }
    }

    /// True when the last digit of `digits` (ASCII, read in place) is the check digit of the others.
    public static func isValid(_ digits: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let last = digits.last else { return false }
        return compute(digits.dropLast()) == Int(last) - 0x30
    }
}

// MARK: - Shared validation of numeric keys

/// True for ASCII `0`–`9`.
@inline(__always) func isDigit(_ byte: UInt8) -> Bool { byte &- 0x30 < 10 }

/// The first character of `text` that fails `allowed`, with its 1-based position.
func firstBadCharacter(_ text: String, allowed: (UInt8) -> Bool) -> (character: Character, position: Int)? {
    // Over the contiguous bytes (a native string's), not through `String.UTF8View`'s index checks.
    let bytes = text.utf8
    if bytes.withContiguousStorageIfAvailable({ $0.allSatisfy(allowed) }) ?? bytes.allSatisfy(allowed) { return nil }
    for (offset, character) in text.enumerated() {
        guard let ascii = character.asciiValue, character.utf8.count == 1, allowed(ascii) else {
            return (character, offset + 1)
        }
    }
    return nil
}

/// How a character is named in error messages: `"A"`, or `" " (U+0020)` for invisible ones.
func describe(_ character: Character) -> String {
    if let ascii = character.asciiValue, ascii > 0x20, ascii < 0x7F { return "\"\(character)\"" }
    if character.asciiValue == 0x1D { return "GS (FNC1)" }
    let codes = character.unicodeScalars.map { scalar -> String in
        let hex = String(scalar.value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }
    return "\"\(character)\" (\(codes.joined(separator: " ")))"
}

/// Checks an all-digit GS1 key of one of `lengths` digits with a valid check digit; returns its bytes.
func validateKey(_ text: String, subject: String, lengths: [Int]) throws(GS1Error) -> [UInt8] {
    if let bad = firstBadCharacter(text, allowed: isDigit) {
        throw GS1Error(.badCharacter, subject, text, "character \(describe(bad.character)) at position \(bad.position) is not a digit")
    }
    let bytes = Array(text.utf8)
    guard lengths.contains(bytes.count) else {
        let expected = lengths.count == 1
            ? "\(lengths[0])"
            : lengths.dropLast().map(String.init).joined(separator: ", ") + " or \(lengths.last!)"
        throw GS1Error(.badLength, subject, text, "must be \(expected) digits, got \(bytes.count)")
    }
    let expected = GS1CheckDigit.compute(bytes.dropLast())
    let actual = Int(bytes[bytes.count - 1]) - 0x30
    guard expected == actual else {
        throw GS1Error(.badCheckDigit, subject, text, "wrong check digit \(actual), expected \(expected)")
    }
    return bytes
}

/// The string of ASCII `bytes`.
@inline(__always) func ascii<Bytes: Collection>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
    String(decoding: bytes, as: UTF8.self)
}

/// Checks a GS1 Company Prefix length for EPC URIs (TDS partition tables: 6–12 digits).
func checkPrefixLength(_ length: Int, subject: String, input: String) throws(GS1Error) {
    guard (6...12).contains(length) else {
        throw GS1Error(.badPrefixLength, subject, input, "GS1 Company Prefix length \(length) is outside 6-12")
    }
}
