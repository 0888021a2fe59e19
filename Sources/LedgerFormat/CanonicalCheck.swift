extension JSONValue {
    /// Whether `bytes`, a JSON text that `parse` accepts, are exactly the canonical form of the value they
    /// parse to: `isCanonicalEncoding(b)` is `(try JSONValue.parse(b)).canonicalBytes == b`, decided in one
    /// pass over the bytes without building the value or its encoding (the verifier asks it of every body).
    ///
    /// The canonical form (RFC 8785 for the ledger's integer-only JSON) has no whitespace; integers in plain
    /// decimal, `0` never signed; strings with raw UTF-8, escaping only `"`, `\` and control characters
    /// (`\b \t \n \f \r`, else `\u00xx` in lowercase hex); object members in UTF-16 order of their names.
    /// For bytes `parse` refuses the answer means nothing.
    public static func isCanonicalEncoding(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { buffer in
            var scan = CanonicalScan(bytes: buffer)
            return scan.value(depth: 0) && scan.index == buffer.count
        }
    }
}

/// The one-pass canonical-form check behind `JSONValue.isCanonicalEncoding`.
private struct CanonicalScan {
    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0

    /// Deeper than the parser allows is not canonical (it would not have parsed).
    static let maxDepth = 512

    var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    mutating func value(depth: Int) -> Bool {
        guard depth <= Self.maxDepth, let byte = current else { return false }
        switch byte {
        case UInt8(ascii: "{"): return object(depth: depth)
        case UInt8(ascii: "["): return array(depth: depth)
        case UInt8(ascii: "\""): return string() != nil
        case UInt8(ascii: "t"): return literal("true")
        case UInt8(ascii: "f"): return literal("false")
        case UInt8(ascii: "n"): return literal("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return number()
        default: return false
        }
    }

    mutating func literal(_ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard bytes.count - index >= count else { return false }
        for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] { return false }
        index += count
        return true
    }

    /// `-?(0|[1-9][0-9]*)` but not `-0`; no fraction or exponent.
    mutating func number() -> Bool {
        var negative = false
        if current == UInt8(ascii: "-") {
            negative = true
            index += 1
        }
        guard let first = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else { return false }
        index += 1
        if first == UInt8(ascii: "0") { return !negative }
        while let digit = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(digit) { index += 1 }
        return true
    }

    mutating func array(depth: Int) -> Bool {
        index += 1
        if current == UInt8(ascii: "]") {
            index += 1
            return true
        }
        while true {
            guard value(depth: depth + 1) else { return false }
            switch current {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"): index += 1; return true
            default: return false
            }
        }
    }

    mutating func object(depth: Int) -> Bool {
        index += 1
        if current == UInt8(ascii: "}") {
            index += 1
            return true
        }
        var previous: (range: Range<Int>, plain: Bool)?
        while true {
            guard current == UInt8(ascii: "\""), let key = string() else { return false }
            if let previous, !precedes(previous, key) { return false }
            previous = key
            guard current == UInt8(ascii: ":") else { return false }
            index += 1
            guard value(depth: depth + 1) else { return false }
            switch current {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"): index += 1; return true
            default: return false
            }
        }
    }

    /// Skips a string written as the canonical form writes it; returns the range of its quoted text, and
    /// whether that text is printable ASCII without escapes.
    mutating func string() -> (range: Range<Int>, plain: Bool)? {
        let start = index
        var plain = true
        index += 1
        while let byte = current {
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                return (start..<index, plain)
            case UInt8(ascii: "\\"):
                plain = false
                guard index + 1 < bytes.count else { return nil }
                switch bytes[index + 1] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "b"), UInt8(ascii: "t"), UInt8(ascii: "n"),
                     UInt8(ascii: "f"), UInt8(ascii: "r"):
                    index += 2
                case UInt8(ascii: "u"):
                    // Only a control character without a short escape, as `\u00` and two lowercase hex digits.
                    guard index + 5 < bytes.count, bytes[index + 2] == UInt8(ascii: "0"), bytes[index + 3] == UInt8(ascii: "0"),
                          let high = Self.lowerHex(bytes[index + 4]), let low = Self.lowerHex(bytes[index + 5]) else { return nil }
                    let code = high << 4 | low
                    guard code < 0x20, ![0x08, 0x09, 0x0A, 0x0C, 0x0D].contains(code) else { return nil }
                    index += 6
                default:
                    return nil
                }
            case 0x00..<0x20:
                return nil
            case 0x80...:
                plain = false
                index += 1
            default:
                index += 1
            }
        }
        return nil
    }

    static func lowerHex(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        default: nil
        }
    }

    /// Whether the member name quoted at `first` sorts strictly before the one at `second` (UTF-16 code units).
    func precedes(_ first: (range: Range<Int>, plain: Bool), _ second: (range: Range<Int>, plain: Bool)) -> Bool {
        // Printable ASCII without escapes (nearly every name): UTF-16 order is byte order of the unquoted text.
        if first.plain, second.plain {
            return UnsafeBufferPointer(rebasing: bytes[(first.range.lowerBound + 1)..<(first.range.upperBound - 1)])
                .lexicographicallyPrecedes(UnsafeBufferPointer(rebasing: bytes[(second.range.lowerBound + 1)..<(second.range.upperBound - 1)]))
        }
        let a = UnsafeBufferPointer(rebasing: bytes[first.range])
        let b = UnsafeBufferPointer(rebasing: bytes[second.range])
        guard case .string(let left)? = try? JSONValue.parse(Array(a)), case .string(let right)? = try? JSONValue.parse(Array(b)) else {
            return false
        }
        return left.utf16.lexicographicallyPrecedes(right.utf16)
    }
}
