#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A proleptic Gregorian calendar date (no time, no zone), printed as ISO 8601 `YYYY-MM-DD`.
public struct CalendarDate: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The year, e.g. 2027.
    public let year: Int
    /// The month, 1–12.
    public let month: Int
    /// The day of the month, 1–31.
    public let day: Int

    /// Checks that the day exists in that month of that year (years 1–9999).
    public init(year: Int, month: Int, day: Int) throws(GS1Error) {
        let text = "\(year)-\(month)-\(day)"
        guard (1...9999).contains(year) else { throw GS1Error(.badDate, "date", text, "year \(year) is outside 1-9999") }
        guard (1...12).contains(month) else { throw GS1Error(.badDate, "date", text, "month \(month) is not 1-12") }
        let days = CalendarDate.daysIn(month: month, year: year)
        guard (1...days).contains(day) else {
            throw GS1Error(.badDate, "date", text, "\(CalendarDate.monthNames[month - 1]) \(year) has \(days) days, not \(day)")
        }
        self.init(unchecked: year, month, day)
    }

    /// Parses ISO 8601 `YYYY-MM-DD`.
    public init(iso text: String) throws(GS1Error) {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
              let year = CalendarDate.number(bytes[0..<4]), let month = CalendarDate.number(bytes[5..<7]),
              let day = CalendarDate.number(bytes[8..<10]) else {
            throw GS1Error(.badDate, "date", text, "is not YYYY-MM-DD")
        }
        do { self = try CalendarDate(year: year, month: month, day: day) } catch { throw GS1Error(.badDate, "date", text, error.reason) }
    }

    init(unchecked year: Int, _ month: Int, _ day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// Today's date in UTC from the system clock (`clock_gettime(CLOCK_REALTIME)`).
    public static func today() -> CalendarDate {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return CalendarDate(daysSinceEpoch: Int(now.tv_sec).floorDivided(by: 86_400))
    }

    /// The date `days` days after 1970-01-01 (H. Hinnant's civil-from-days algorithm).
    public init(daysSinceEpoch days: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        self.init(unchecked: yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// True for Gregorian leap years.
    public static func isLeapYear(_ year: Int) -> Bool { year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) }

    /// The number of days in `month` (1–12) of `year`.
    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    static let monthNames = ["January", "February", "March", "April", "May", "June", "July",
                             "August", "September", "October", "November", "December"]

    /// ISO 8601 `YYYY-MM-DD`.
    public var description: String { CalendarDate.pad(year, 4) + "-" + CalendarDate.pad(month, 2) + "-" + CalendarDate.pad(day, 2) }

    /// Chronological order.
    public static func < (lhs: CalendarDate, rhs: CalendarDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    static func number(_ bytes: ArraySlice<UInt8>) -> Int? {
        var value = 0
        for byte in bytes {
            guard isDigit(byte) else { return nil }
            value = value * 10 + Int(byte - 0x30)
        }
        return value
    }
}

extension Int {
    fileprivate func floorDivided(by divisor: Int) -> Int {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}

/// An AI (17) expiration date, `YYMMDD`.
///
/// - `DD` = `00` means the month is given but not the day; the expiry is then the last day of that
///   month (GS1 General Specifications, AI 17).
/// - `YY` is placed in a century by the General Specifications' sliding window (§7.12) around the
///   year of `referenceDate`: if YY minus the reference year's last two digits is 51…99 the date is
///   in the previous century, if it is −99…−50 in the next one, otherwise in the same century. So
///   dates run from 49 years before to 50 years after the reference year.
public struct Expiry: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The six digits as encoded, e.g. `271200`.
    public let yymmdd: String
    /// The resolved date; for `DD` = `00` the last day of the month.
    public let date: CalendarDate

    /// Parses `YYMMDD`, placing `YY` in the 50-year window around `referenceDate`.
    public init(_ yymmdd: String, referenceDate: CalendarDate = .today()) throws(GS1Error) {
        if let bad = firstBadCharacter(yymmdd, allowed: isDigit) {
            throw GS1Error(.badCharacter, "expiry", yymmdd, "character \(describe(bad.character)) at position \(bad.position) is not a digit")
        }
        let bytes = Array(yymmdd.utf8)
        guard bytes.count == 6 else {
            throw GS1Error(.badLength, "expiry", yymmdd, "must be 6 digits (YYMMDD), got \(bytes.count)")
        }
        let yy = CalendarDate.number(bytes[0..<2])!, month = CalendarDate.number(bytes[2..<4])!, day = CalendarDate.number(bytes[4..<6])!
        let year = Expiry.year(yy: yy, referenceYear: referenceDate.year)
        guard (1...12).contains(month) else {
            throw GS1Error(.badDate, "expiry", yymmdd, "month \(CalendarDate.pad(month, 2)) is not 01-12")
        }
        let days = CalendarDate.daysIn(month: month, year: year)
        guard day <= days else {
            throw GS1Error(.badDate, "expiry", yymmdd,
                           "\(CalendarDate.monthNames[month - 1]) \(year) has \(days) days, not \(day)")
        }
        self.yymmdd = yymmdd
        date = CalendarDate(unchecked: year, month, day == 0 ? days : day)
    }

    /// The expiry on `date` (written with its day, never `00`).
    public init(date: CalendarDate) {
        yymmdd = CalendarDate.pad(date.year % 100, 2) + CalendarDate.pad(date.month, 2) + CalendarDate.pad(date.day, 2)
        self.date = date
    }

    /// An expiry that names only the month (`YYMM00`): it falls on the month's last day.
    public init(year: Int, month: Int) throws(GS1Error) {
        let last = try CalendarDate(year: year, month: month, day: 1)
        yymmdd = CalendarDate.pad(year % 100, 2) + CalendarDate.pad(month, 2) + "00"
        date = CalendarDate(unchecked: last.year, last.month, CalendarDate.daysIn(month: month, year: year))
    }

    /// True when the encoded day is `00` (month only).
    public var isDayUnspecified: Bool { yymmdd.hasSuffix("00") }

    /// The resolved date as ISO 8601 `YYYY-MM-DD`.
    public var iso: String { date.description }

    /// The resolved date as ISO 8601 `YYYY-MM-DD`.
    public var description: String { iso }

    /// Chronological order of the resolved dates, then the encoded digits.
    public static func < (lhs: Expiry, rhs: Expiry) -> Bool { (lhs.date, lhs.yymmdd) < (rhs.date, rhs.yymmdd) }

    /// The four-digit year for `yy` in the GS1 sliding window around `referenceYear` (§7.12).
    public static func year(yy: Int, referenceYear: Int) -> Int {
        let century = referenceYear - referenceYear % 100
        let difference = yy - referenceYear % 100
        if difference >= 51 { return century - 100 + yy }
        if difference <= -50 { return century + 100 + yy }
        return century + yy
    }
}
