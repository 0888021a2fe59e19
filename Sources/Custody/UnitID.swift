import GS1
import LedgerFormat

/// A package-level or logistic identifier as the ledger keys it: an SGTIN (GTIN-14 + serial) or an SSCC-18.
///
/// Its canonical text is the GS1 element string without FNC1: `(01)00312345678906(21)S1` or
/// `(00)106141412345678908`. The serial is always last, so the form is unambiguous even though GS1's
/// character set 82 allows parentheses in serials.
public enum UnitID: Sendable, Hashable, Comparable, CustomStringConvertible {
    case sgtin(gtin: String, serial: String)
    case sscc(String)

    /// Parses the canonical element-string form; other forms go through `GS1Identifier.parse` first.
    public init(canonical text: String) throws(CustodyError) {
        guard let form = Self.form(text) else {
            throw CustodyError(.badIdentifier, "\"\(text)\" is not an identifier of the form (01)GTIN14(21)SERIAL or (00)SSCC18")
        }
        do throws(GS1Error) {
            switch form {
            case .sscc(let digits): self = .sscc(try SSCC(digits).digits)
            case .sgtin(let gtin, let serial): self = .sgtin(gtin: try GTIN(gtin).digits, serial: try Serial(serial).value)
            }
        } catch {
            throw CustodyError(.badIdentifier, "\"\(text)\": \(error)")
        }
    }

    /// The parts of a canonical identifier's text, before its keys are checked.
    package enum Form: Equatable {
        /// `(00)` and what follows.
        case sscc(String)
        /// The 14 characters after `(01)`, and what follows `(21)`.
        case sgtin(gtin: String, serial: String)
    }

    /// The parts of `text`, or nil when it is not of the form `(00)…` or `(01)` 14 characters `(21)…`.
    static func form(_ text: String) -> Form? {
        // Printable ASCII (every identifier a body holds): each character is one byte, so the parts are found
        // at byte offsets, without walking characters (the verifier reads every identifier of every body).
        let bytes = Array(text.utf8)
        guard bytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else { return form(characters: text) }
        return form(printableASCII: bytes)
    }

    static let ssccPrefix = Array("(00)".utf8)
    static let gtinPrefix = Array("(01)".utf8)
    static let serialPrefix = Array("(21)".utf8)

    /// `form` of a text all of printable ASCII, by byte offsets.
    package static func form(printableASCII bytes: [UInt8]) -> Form? {
        if bytes.starts(with: ssccPrefix) { return .sscc(String(decoding: bytes.dropFirst(4), as: UTF8.self)) }
        guard bytes.starts(with: gtinPrefix), bytes.dropFirst(18).starts(with: serialPrefix) else { return nil }
        return .sgtin(gtin: String(decoding: bytes[4..<18], as: UTF8.self), serial: String(decoding: bytes.dropFirst(22), as: UTF8.self))
    }

    /// `form` of any text, by characters (the definition the byte-offset reading agrees with).
    package static func form(characters text: String) -> Form? {
        if text.hasPrefix("(00)") { return .sscc(String(text.dropFirst(4))) }
        let rest = text.dropFirst(18)
        guard text.hasPrefix("(01)"), rest.hasPrefix("(21)") else { return nil }
        return .sgtin(gtin: String(text.dropFirst(4).prefix(14)), serial: String(rest.dropFirst(4)))
    }

    /// The identifier in the ledger's form, from a GS1 identifier read in any form (EPC URI, Digital
    /// Link, element string); nil for identifiers that are not packages or logistic units (a GLN, a bare GTIN).
    public init?(_ identifier: GS1Identifier) {
        switch identifier {
        case .sgtin(let sgtin, _, _): self = .sgtin(gtin: sgtin.gtin.digits, serial: sgtin.serial.value)
        case .sscc(let sscc): self = .sscc(sscc.digits)
        default: return nil
        }
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

    /// The order of the canonical strings.
    public static func < (lhs: UnitID, rhs: UnitID) -> Bool {
        // Without building the strings where the fields decide: "(00)" sorts before "(01)"; for ASCII fields and
        // 14-digit GTINs (every valid identifier) String's order is the bytes', field by field.
        switch (lhs, rhs) {
        case (.sscc, .sgtin): return true
        case (.sgtin, .sscc): return false
        case (.sscc(let left), .sscc(let right)) where isASCII(left) && isASCII(right):
            return left.utf8.lexicographicallyPrecedes(right.utf8)
        case (.sgtin(let leftGTIN, let leftSerial), .sgtin(let rightGTIN, let rightSerial))
            where leftGTIN.utf8.count == 14 && rightGTIN.utf8.count == 14
                && isASCII(leftGTIN) && isASCII(rightGTIN) && isASCII(leftSerial) && isASCII(rightSerial):
            if leftGTIN != rightGTIN { return leftGTIN.utf8.lexicographicallyPrecedes(rightGTIN.utf8) }
            return leftSerial.utf8.lexicographicallyPrecedes(rightSerial.utf8)
        default:
            return lhs.canonical < rhs.canonical
        }
    }

    /// True when every byte of `text` is below 0x80: the bytes OR-ed together in one pass over contiguous storage
    /// (sorting a container's children asks this four times a comparison).
    private static func isASCII(_ text: String) -> Bool {
        text.utf8.withContiguousStorageIfAvailable { bytes in bytes.reduce(0, |) < 0x80 } ?? text.utf8.allSatisfy { $0 < 0x80 }
    }

    /// Why `serial` is not a GS1 AI (21) serial (1–20 characters of GS1 character set 82), or nil.
    public static func serialProblem(_ serial: String) -> String? {
        do throws(GS1Error) { _ = try Serial(serial) } catch { return error.reason }
        return nil
    }

    /// True when `digits` is a GS1 key of 8 to 18 digits whose last digit is its check digit.
    static func checkDigitValid(_ digits: String) -> Bool {
        var digits = digits
        return digits.withUTF8 { bytes in bytes.allSatisfy { (0x30...0x39).contains($0) } && GS1CheckDigit.isValid(bytes) }
    }
}

// MARK: The replay's table key

extension UnitID {
    /// The secret of `tableHash`: random for each process, so hashes (and what collides) cannot be known in advance.
    private static let hashSecret: (UInt64, UInt64) = {
        var generator = SystemRandomNumberGenerator()
        return (generator.next() | 1, generator.next() | 1)
    }()

    /// A keyed hash of the identifier's UTF-8 bytes for `UnitTable`: much cheaper than `hashValue` (which runs
    /// SipHash over two Strings), and with a per-process secret, so input cannot be crafted to make probes long.
    ///
    /// Two identifiers with the same bytes have the same hash (see `sameBytes`); every valid identifier is ASCII.
    @inline(__always)
    func tableHash() -> UInt64 {
        let secret = Self.hashSecret
        switch self {
        case .sgtin(let gtin, let serial):
            return Self.hashBytes(serial, Self.hashBytes(gtin, secret.0 ^ 1, secret), secret)
        case .sscc(let digits):
            return Self.hashBytes(digits, secret.0 ^ 2, secret)
        }
    }

    /// True when both are the same kind of identifier with byte-for-byte the same strings (for valid, ASCII,
    /// identifiers the same as `==`).
    @inline(__always)
    func sameBytes(_ other: UnitID) -> Bool {
        switch (self, other) {
        case (.sgtin(let gtin, let serial), .sgtin(let otherGTIN, let otherSerial)):
            return Self.sameBytes(serial, otherSerial) && Self.sameBytes(gtin, otherGTIN)
        case (.sscc(let digits), .sscc(let otherDigits)):
            return Self.sameBytes(digits, otherDigits)
        default:
            return false
        }
    }

    @inline(__always)
    private static func sameBytes(_ a: String, _ b: String) -> Bool {
        // The same representation is the same string (two short strings are held inline, bit for bit).
        if unsafeBitCast(a, to: (UInt64, UInt64).self) == unsafeBitCast(b, to: (UInt64, UInt64).self) { return true }
        return a.utf8.elementsEqual(b.utf8)
    }

    /// Folds `text`'s bytes and length into `state`: eight bytes at a time (the last word overlapping the one
    /// before it), each word mixed by a 64 × 64 → 128-bit multiply with the secret, as wyhash does.
    @inline(__always)
    private static func hashBytes(_ text: String, _ state: UInt64, _ secret: (UInt64, UInt64)) -> UInt64 {
        var text = text
        return text.withUTF8 { bytes in
            let count = bytes.count
            var state = state
            if count >= 8 {
                let base = UnsafeRawPointer(bytes.baseAddress!)
                var offset = 0
                while offset + 8 < count {
                    state = mix(state ^ UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt64.self)), secret)
                    offset += 8
                }
                state = mix(state ^ UInt64(littleEndian: base.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)), secret)
            } else {
                var tail: UInt64 = 0
                for index in 0..<count { tail |= UInt64(bytes[index]) << (8 * UInt64(index)) }
                state = mix(state ^ tail, secret)
            }
            return mix(state ^ UInt64(count), secret)
        }
    }

    @inline(__always)
    private static func mix(_ value: UInt64, _ secret: (UInt64, UInt64)) -> UInt64 {
        let product = (value ^ secret.1).multipliedFullWidth(by: secret.0)
        return product.high ^ product.low
    }
}
