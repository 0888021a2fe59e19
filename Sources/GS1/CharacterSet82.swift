/// GS1 AI encodable character set 82 (GS1 General Specifications, table of that name), the characters
/// allowed in AI (10) lots, (21) serials and (254) GLN extensions:
///
///     ! " % & ' ( ) * + , - . / 0-9 : ; < = > ? A-Z _ a-z
///
/// (Not space, `#`, `$`, `@`, `[`, `\`, `]`, `^`, backquote, `{`, `|`, `}`, `~`, nor any non-ASCII.)
enum CharacterSet82 {
    /// True when `byte` is one of the 82 characters.
    @inline(__always) static func contains(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x21, 0x22, 0x25...0x3F, 0x41...0x5A, 0x5F, 0x61...0x7A: true
        default: false
        }
    }

    /// Checks a set-82 field of 1...`maxLength` characters.
    static func validate(_ value: String, subject: String, maxLength: Int = 20) throws(GS1Error) {
        if let bad = firstBadCharacter(value, allowed: contains) {
            throw GS1Error(.badCharacter, subject, value,
                           "character \(describe(bad.character)) at position \(bad.position) is not in GS1 character set 82")
        }
        let count = value.utf8.count
        guard (1...maxLength).contains(count) else {
            throw GS1Error(.badLength, subject, value, "must be 1 to \(maxLength) characters, got \(count)")
        }
    }
}

// MARK: - Percent-encoding

/// Percent-encoding as EPC URIs (TDS) and GS1 Digital Link URIs use it.
enum PercentEncoding {
    /// Characters of set 82 that an EPC URI component carries unescaped (TDS grammar `GS3A3Char`):
    /// letters, digits and `! ' ( ) * + , - . : ; = _`. The other set-82 characters
    /// `" % & / < > ?` are written `%22 %25 %26 %2F %3C %3E %3F`.
    @inline(__always) static func isEPCUnescaped(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: true
        case UInt8(ascii: "!"), UInt8(ascii: "'"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "*"),
             UInt8(ascii: "+"), UInt8(ascii: ","), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: ":"),
             UInt8(ascii: ";"), UInt8(ascii: "="), UInt8(ascii: "_"): true
        default: false
        }
    }

    /// RFC 3986 unreserved characters, the only ones GS1 Digital Link output leaves unescaped.
    @inline(__always) static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"): true
        default: false
        }
    }

    /// `value` with every byte failing `keep` written as `%XX` (uppercase hex).
    static func encode(_ value: String, keep: (UInt8) -> Bool) -> String {
        if value.utf8.allSatisfy(keep) { return value }
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(value.utf8.count * 3)
        for byte in value.utf8 {
            if keep(byte) {
                out.append(byte)
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0F)])
            }
        }
        return ascii(out)
    }

    /// Decodes `%XX` escapes in `component`. Unescaped bytes must pass `allowedRaw`; with
    /// `plusIsSpace` (URI query values) `+` decodes to a space.
    static func decode<Bytes: Collection>(_ component: Bytes, subject: String, input: String,
                                          allowedRaw: (UInt8) -> Bool, rawHint: String,
                                          plusIsSpace: Bool = false) throws(GS1Error) -> String where Bytes.Element == UInt8 {
        var out: [UInt8] = []
        out.reserveCapacity(component.count)
        var index = component.startIndex
        while index != component.endIndex {
            let byte = component[index]
            if byte == UInt8(ascii: "%") {
                let first = component.index(after: index)
                guard first != component.endIndex, component.index(after: first) != component.endIndex,
                      let high = hexValue(component[first]), let low = hexValue(component[component.index(after: first)]) else {
                    throw GS1Error(.badCharacter, subject, input, "\"%\" does not start a %XX escape")
                }
                let decoded = high << 4 | low
                guard decoded != 0 else { throw GS1Error(.badCharacter, subject, input, "%00 is not allowed") }
                out.append(decoded)
                index = component.index(first, offsetBy: 2)
                continue
            }
            if plusIsSpace && byte == UInt8(ascii: "+") {
                out.append(0x20)
            } else {
                guard allowedRaw(byte) else {
                    let character = byte < 0x80 ? describe(Character(Unicode.Scalar(byte))) : "a non-ASCII character"
                    throw GS1Error(.badCharacter, subject, input, "\(character) \(rawHint)")
                }
                out.append(byte)
            }
            index = component.index(after: index)
        }
        return ascii(out)
    }

    @inline(__always) private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x41...0x46: byte - 0x41 + 10
        case 0x61...0x66: byte - 0x61 + 10
        default: nil
        }
    }
}
