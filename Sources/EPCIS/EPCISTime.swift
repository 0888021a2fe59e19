import LedgerFormat

/// EPCIS timestamps (`xsd:dateTime` with a time zone) and time zone offsets.
public enum EPCISTime {
    /// Milliseconds since the Unix epoch (UTC) of `YYYY-MM-DDThh:mm[:ss[.f…]](Z|±hh:mm)`, fraction digits
    /// beyond the third rounded half up; nil when the text is not such a dateTime (a dateTime without a
    /// time zone is refused: it would not name one instant). Whitespace around it is ignored.
    public static func parse(_ text: String) -> Int64? {
        let trimmed = text.trimmingWhitespace
        let bytes = Array(trimmed.utf8)
        guard bytes.count > 10, bytes[10] == UInt8(ascii: "T"), var ms = Timestamp.parse(trimmed) else { return nil }
        // Timestamp.parse keeps three fraction digits; the fourth decides the rounding.
        if let dot = bytes.firstIndex(of: UInt8(ascii: ".")), dot + 4 < bytes.count,
           (UInt8(ascii: "5")...UInt8(ascii: "9")).contains(bytes[dot + 4]) {
            ms += 1
        }
        return ms
    }

    /// Whether `text` is a time zone offset `±hh:mm` (hours up to 14).
    public static func isOffset(_ text: String) -> Bool {
        guard let minutes = Timestamp.offsetMinutes(text) else { return false }
        return minutes.magnitude / 60 <= 14
    }

    /// The CBV 2.0 event-hash form of a dateTime: UTC, milliseconds, `Z`, e.g.
    /// `2020-03-04T10:00:30.000Z`; nil when `text` is not a dateTime.
    public static func canonical(_ text: String) -> String? {
        parse(text).map(Timestamp.iso8601)
    }
}
