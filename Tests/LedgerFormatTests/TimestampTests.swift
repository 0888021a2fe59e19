import Foundation
import LedgerFormat
import Testing

@Suite("Timestamps")
struct TimestampTests {
    /// Known instants (values from Python's datetime).
    static let known: [(Int64, String)] = [
        (0, "1970-01-01T00:00:00.000Z"),
        (-1, "1969-12-31T23:59:59.999Z"),
        (1_767_225_600_000, "2026-01-01T00:00:00.000Z"),
        (1_795_579_077_123, "2026-11-25T03:57:57.123Z"),
        (1_709_210_096_789, "2024-02-29T12:34:56.789Z"),
        (951_782_400_000, "2000-02-29T00:00:00.000Z"),
        (-2_203_891_200_000, "1900-03-01T00:00:00.000Z"),
        (-11_676_096_000_000, "1600-01-01T00:00:00.000Z"),
        (253_402_300_799_999, "9999-12-31T23:59:59.999Z"),
    ]

    @Test("iso8601 of known instants")
    func format() {
        for (ms, text) in Self.known {
            #expect(Timestamp.iso8601(ms) == text)
        }
    }

    @Test("parse of known instants")
    func parseKnown() {
        for (ms, text) in Self.known {
            #expect(Timestamp.parse(text) == ms, "\(text)")
        }
    }

    @Test("parse accepts dates, minutes, seconds, fractions, offsets and a space", arguments: [
        ("2024-02-29", 1_709_164_800_000),
        ("2024-02-29T12:34Z", 1_709_210_040_000),
        ("2024-02-29T12:34:56Z", 1_709_210_096_000),
        ("2024-02-29 12:34:56Z", 1_709_210_096_000),
        ("2024-02-29T12:34:56.7Z", 1_709_210_096_700),
        ("2024-02-29T12:34:56.78Z", 1_709_210_096_780),
        ("2024-02-29T12:34:56.789Z", 1_709_210_096_789),
        ("2024-02-29T12:34:56.789999Z", 1_709_210_096_789),
        ("2024-06-30T23:59:59+05:30", 1_719_772_199_000),
        ("2024-06-30T00:00:00-08:00", 1_719_734_400_000),
        ("2024-06-30T00:00:00+00:00", 1_719_705_600_000),
        ("2024-06-30T00:00:00-00:00", 1_719_705_600_000),
        ("2024-06-30T05:30+05:30", 1_719_705_600_000),
        ("2024-06-30T00:00:00.5+01:00", 1_719_702_000_500),
        ("2000-02-29T00:00:00Z", 951_782_400_000),
    ] as [(String, Int64)])
    func parseAccepts(_ text: String, _ ms: Int64) {
        #expect(Timestamp.parse(text) == ms)
    }

    @Test("parse refuses invalid dates and malformed text", arguments: [
        "2023-02-29", "1900-02-29", "2100-02-29", "2024-13-01", "2024-00-10", "2024-04-31", "2024-01-00", "2024-01-32",
        "2024-01-01T24:00Z", "2024-01-01T23:60Z", "2024-01-01T23:59:60Z", "2024-01-01T10:00", "2024-01-01T10:00:00",
        "2024-01-01T10:00:00.Z", "2024-01-01T10:00.5Z", "2024-01-01T10:00:00+5:30", "2024-01-01T10:00:00+24:00",
        "2024-01-01T10:00:00+05:60", "2024-01-01T10:00:00+0530", "2024-01-01T10:00:00Zjunk", "2024-01-01x",
        "2024-1-01", "24-01-01", "2024/01/01", "", "2024-01-01T", "2024-01-01T1:00Z", "2024-01-01t10:00Z",
        "2024-01-01T10:00z", "２０２４-01-01", "2024-01-01T10:00:5Z", "-024-01-01",
    ])
    func parseRefuses(_ text: String) {
        #expect(Timestamp.parse(text) == nil)
    }

    @Test("parse reads back what iso8601 writes")
    func roundTrip() {
        var ms: Int64 = -5_000_000_000_000
        while ms < 10_000_000_000_000 {
            #expect(Timestamp.parse(Timestamp.iso8601(ms)) == ms, "\(ms)")
            ms += 987_654_321_987
        }
        for edge: Int64 in [-86_400_001, -86_400_000, -86_399_999, 86_399_999, 86_400_000] {
            #expect(Timestamp.parse(Timestamp.iso8601(edge)) == edge)
        }
    }

    @Test("civil dates agree with Foundation's Gregorian calendar from 1600 to 2400")
    func civilMatchesFoundation() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try #require(TimeZone(identifier: "UTC"))
        var day: Int64 = -135_000   // 1600-ish
        while day < 157_000 {       // 2400-ish
            let date = Date(timeIntervalSince1970: TimeInterval(day) * 86_400)
            let parts = calendar.dateComponents([.year, .month, .day], from: date)
            let (year, month, dayOfMonth) = Timestamp.civil(fromDays: day)
            #expect(Int(year) == parts.year && Int(month) == parts.month && Int(dayOfMonth) == parts.day, "day \(day)")
            #expect(Timestamp.days(fromCivil: year, month, dayOfMonth) == day)
            day += 97
        }
    }

    @Test("days in month follow the Gregorian leap rules")
    func daysInMonth() {
        #expect(Timestamp.daysInMonth(year: 2024, month: 2) == 29)
        #expect(Timestamp.daysInMonth(year: 2023, month: 2) == 28)
        #expect(Timestamp.daysInMonth(year: 2000, month: 2) == 29)
        #expect(Timestamp.daysInMonth(year: 1900, month: 2) == 28)
        #expect(Timestamp.daysInMonth(year: 2024, month: 4) == 30)
        #expect(Timestamp.daysInMonth(year: 2024, month: 12) == 31)
        #expect((1...12).map { Timestamp.daysInMonth(year: 2023, month: $0) }.reduce(0, +) == 365)
        #expect((1...12).map { Timestamp.daysInMonth(year: 2024, month: $0) }.reduce(0, +) == 366)
    }

    @Test("UTC offsets: ±HH:MM in minutes east of UTC; anything else is nil")
    func offsets() {
        #expect(Timestamp.offsetMinutes("-05:00") == -300)
        #expect(Timestamp.offsetMinutes("+05:30") == 330)
        #expect(Timestamp.offsetMinutes("+00:00") == 0)
        #expect(Timestamp.offsetMinutes("+23:59") == 1439)
        for bad in ["+24:00", "+05:60", "05:00", "+5:00", "+05:000", "+0a:00", "Z", "", "-05-00"] {
            #expect(Timestamp.offsetMinutes(bad) == nil, "\(bad)")
        }
        #expect(Timestamp.parse("2026-11-27T09:30:00-05:00") == Timestamp.parse("2026-11-27T14:30:00Z"))
        #expect(Timestamp.parse("2026-11-27T09:30:00+24:00") == nil)
    }
}
