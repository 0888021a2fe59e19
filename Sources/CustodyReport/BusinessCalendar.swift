import LedgerFormat

/// U.S. federal business days: weekdays that are not one of the 11 federal holidays (5 U.S.C. 6103) as observed.
///
/// A holiday on a Saturday is observed on the Friday before, on a Sunday on the Monday after. Juneteenth
/// counts from 2021, when it became a federal holiday. Days are counted as days since 1970-01-01.
public enum BusinessCalendar {
    /// The observed federal holidays of `year`, as (day number, name), in date order.
    public static func holidays(of year: Int64) -> [(day: Int64, name: String)] {
        func fixed(_ month: Int64, _ day: Int64) -> Int64 { observed(Timestamp.days(fromCivil: year, month, day)) }
        func nth(_ n: Int64, weekday: Int64, month: Int64) -> Int64 {
            let first = Timestamp.days(fromCivil: year, month, 1)
            return first + (weekday - Self.weekday(first) + 7) % 7 + (n - 1) * 7
        }
        func last(weekday: Int64, month: Int64) -> Int64 {
            let end = Timestamp.days(fromCivil: year, month, Timestamp.daysInMonth(year: year, month: month))
            return end - (Self.weekday(end) - weekday + 7) % 7
        }
        var list: [(Int64, String)] = [
            (fixed(1, 1), "New Year's Day"),
            (nth(3, weekday: 1, month: 1), "Birthday of Martin Luther King, Jr."),
            (nth(3, weekday: 1, month: 2), "Washington's Birthday"),
            (last(weekday: 1, month: 5), "Memorial Day"),
            (fixed(7, 4), "Independence Day"),
            (nth(1, weekday: 1, month: 9), "Labor Day"),
            (nth(2, weekday: 1, month: 10), "Columbus Day"),
            (fixed(11, 11), "Veterans Day"),
            (nth(4, weekday: 4, month: 11), "Thanksgiving Day"),
            (fixed(12, 25), "Christmas Day"),
        ]
        if year >= 2021 { list.append((fixed(6, 19), "Juneteenth National Independence Day")) }
        return list.sorted { $0.0 < $1.0 }.map { (day: $0.0, name: $0.1) }
    }

    /// 0 Sunday … 6 Saturday for a day number (1970-01-01 was a Thursday).
    public static func weekday(_ day: Int64) -> Int64 { ((day + 4) % 7 + 7) % 7 }

    /// The day a holiday falling on `day` is observed.
    static func observed(_ day: Int64) -> Int64 {
        switch weekday(day) {
        case 6: return day - 1
        case 0: return day + 1
        default: return day
        }
    }

    /// The name of the federal holiday observed on `day`, if any (New Year's Day may be observed on 31 December).
    public static func holiday(on day: Int64) -> String? {
        let (year, _, _) = Timestamp.civil(fromDays: day)
        for candidate in [year, year + 1] {
            if let hit = holidays(of: candidate).first(where: { $0.day == day }) { return hit.name }
        }
        return nil
    }

    /// Whether `day` is a business day: Monday to Friday and no observed federal holiday.
    public static func isBusinessDay(_ day: Int64) -> Bool {
        (1...5).contains(weekday(day)) && holiday(on: day) == nil
    }

    /// The `count`-th business day after `day`.
    public static func businessDay(_ count: Int, after day: Int64) -> Int64 {
        var current = day
        var remaining = count
        while remaining > 0 {
            current += 1
            if isBusinessDay(current) { remaining -= 1 }
        }
        return current
    }
}

/// A moment as given by a user: UTC milliseconds and the UTC offset it was written in (minutes).
public struct LocalTime: Sendable, Hashable {
    /// Milliseconds since the Unix epoch (UTC).
    public var ms: Int64
    /// The UTC offset the time was written in, in minutes (−300 for `-05:00`).
    public var offsetMinutes: Int64

    /// Parses ISO 8601 with `Z` or a `±HH:MM` offset, or a bare date (midnight UTC); nil when malformed.
    public init?(iso8601 text: String) {
        guard let ms = Timestamp.parse(text) else { return nil }
        self.ms = ms
        offsetMinutes = Timestamp.offsetMinutes(text.suffix(6)) ?? 0
    }

    /// The moment `ms` shown at UTC offset `offsetMinutes`.
    public init(ms: Int64, offsetMinutes: Int64) {
        self.ms = ms
        self.offsetMinutes = offsetMinutes
    }

    /// Local milliseconds (UTC shifted by the offset).
    var local: Int64 { ms + offsetMinutes * 60_000 }

    /// The local calendar day (days since 1970-01-01).
    public var day: Int64 { floorDiv(local, 86_400_000) }

    /// `YYYY-MM-DDTHH:MM:SS±HH:MM` (or `Z` at offset 0), in the offset it was given in.
    public var iso8601: String {
        let text = Timestamp.iso8601(local)               // "…T…:SS.fffZ" of the local wall clock
        let wall = String(text.prefix(19))
        guard offsetMinutes != 0 else { return wall + "Z" }
        let magnitude = abs(offsetMinutes)
        let sign = offsetMinutes < 0 ? "-" : "+"
        return wall + sign + pad2(magnitude / 60) + ":" + pad2(magnitude % 60)
    }

    private func pad2(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
    private func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : -((-a + b - 1) / b) }
}

/// When an answer to an investigator is due (DSCSA, 21 U.S.C. 360eee-1: "not later than 1 business day, and not
/// to exceed 48 hours" for manufacturers, repackagers and wholesale distributors; 2 business days for dispensers).
public struct StatutoryDeadline: Sendable, Hashable {
    /// The due time, in the received time's offset.
    public var due: LocalTime
    /// Which rule set it, as a sentence.
    public var rule: String
    /// The business days allowed: 1, or 2 for a dispenser.
    public var businessDays: Int

    /// The deadline for a request received at `received`: the same local time `businessDays` business days later
    /// (a request received outside a business day counts from the start of the next one), capped at 48 hours
    /// for the one-business-day rule.
    public init(received: LocalTime, dispenser: Bool) {
        businessDays = dispenser ? 2 : 1
        var start = received
        var note = ""
        if !BusinessCalendar.isBusinessDay(received.day) {
            let next = BusinessCalendar.businessDay(1, after: received.day)
            start = LocalTime(ms: next * 86_400_000 - received.offsetMinutes * 60_000, offsetMinutes: received.offsetMinutes)
            note = " (received on a non-business day: counted from the start of \(Self.dayName(next)))"
        }
        let dueDay = BusinessCalendar.businessDay(businessDays, after: start.day)
        let byBusinessDays = LocalTime(ms: start.ms + (dueDay - start.day) * 86_400_000, offsetMinutes: received.offsetMinutes)
        if dispenser {
            due = byBusinessDays
            rule = "dispenser: 2 business days" + note
        } else if byBusinessDays.ms > received.ms + 48 * 3_600_000 {
            due = LocalTime(ms: received.ms + 48 * 3_600_000, offsetMinutes: received.offsetMinutes)
            rule = "1 business day, capped at 48 hours after receipt (the cap applies)" + note
        } else {
            due = byBusinessDays
            rule = "1 business day (within 48 hours of receipt)" + note
        }
    }

    static func dayName(_ day: Int64) -> String {
        let (year, month, date) = Timestamp.civil(fromDays: day)
        let names = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
        return "\(names[Int(BusinessCalendar.weekday(day))]) \(year)-\(month < 10 ? "0" : "")\(month)-\(date < 10 ? "0" : "")\(date)"
    }
}
