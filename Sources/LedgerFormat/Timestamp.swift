/// Milliseconds since the Unix epoch, printed as ISO 8601 UTC, without Foundation.
public enum Timestamp {
    /// `2026-11-25T03:57:57.123Z` for `ms`.
    public static func iso8601(_ ms: Int64) -> String {
        let (days, msOfDay) = floorDivMod(ms, 86_400_000)
        let (year, month, day) = civil(fromDays: days)
        let seconds = msOfDay / 1000
        func pad(_ value: Int64, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(seconds / 3600, 2)):\(pad(seconds / 60 % 60, 2)):\(pad(seconds % 60, 2)).\(pad(msOfDay % 1000, 3))Z"
    }

    /// Parses `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM[:SS[.fff]]Z` or with a `±HH:MM` offset; nil when malformed.
    public static func parse(_ text: String) -> Int64? {
        var text = text
        return text.withUTF8 { parse(utf8: $0) }
    }

    /// `parse(_:)` of UTF-8 read in place.
    static func parse(utf8 chars: UnsafeBufferPointer<UInt8>) -> Int64? {
        func number(_ range: Range<Int>) -> Int64? {
            guard range.upperBound <= chars.count, !range.isEmpty else { return nil }
            var value: Int64 = 0
            for index in range {
                guard (0x30...0x39).contains(chars[index]) else { return nil }
                value = value * 10 + Int64(chars[index] - 0x30)
            }
            return value
        }
        guard chars.count >= 10, chars[4] == UInt8(ascii: "-"), chars[7] == UInt8(ascii: "-"),
              let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              (1...12).contains(month), day >= 1, day <= daysInMonth(year: year, month: month) else { return nil }
        var ms = days(fromCivil: year, month, day) * 86_400_000
        if chars.count == 10 { return ms }
        guard chars.count >= 17, chars[10] == UInt8(ascii: "T") || chars[10] == UInt8(ascii: " "), chars[13] == UInt8(ascii: ":"),
              let hour = number(11..<13), let minute = number(14..<16), hour < 24, minute < 60 else { return nil }
        ms += (hour * 3600 + minute * 60) * 1000
        var index = 16
        if index < chars.count, chars[index] == UInt8(ascii: ":") {
            guard let second = number(index + 1..<index + 3), second < 60 else { return nil }
            ms += second * 1000
            index += 3
            if index < chars.count, chars[index] == UInt8(ascii: ".") {
                var end = index + 1
                while end < chars.count, (0x30...0x39).contains(chars[end]) { end += 1 }
                guard end > index + 1, var fraction = number(index + 1..<min(end, index + 4)) else { return nil }
                for _ in 0..<(3 - (min(end, index + 4) - index - 1)) { fraction *= 10 }
                ms += fraction
                index = end
            }
        }
        guard index < chars.count else { return nil }
        if chars[index] == UInt8(ascii: "Z"), index + 1 == chars.count { return ms }
        guard let offset = offsetMinutes(chars[index...]) else { return nil }
        return ms - offset * 60_000
    }

    /// A UTC offset `±HH:MM` (hours below 24, minutes below 60) in minutes east of UTC (−300 for `-05:00`);
    /// nil when `text` is not exactly such an offset.
    public static func offsetMinutes(_ text: some StringProtocol) -> Int64? {
        offsetMinutes(Array(text.utf8)[...])
    }

    static func offsetMinutes<Chars: RandomAccessCollection<UInt8>>(_ chars: Chars) -> Int64? where Chars.Index == Int {
        let start = chars.startIndex
        guard chars.count == 6, chars[start] == UInt8(ascii: "+") || chars[start] == UInt8(ascii: "-"),
              chars[start + 3] == UInt8(ascii: ":"),
              [1, 2, 4, 5].allSatisfy({ (0x30...0x39).contains(chars[start + $0]) }) else { return nil }
        let hours = Int64(chars[start + 1] - 0x30) * 10 + Int64(chars[start + 2] - 0x30)
        let minutes = Int64(chars[start + 4] - 0x30) * 10 + Int64(chars[start + 5] - 0x30)
        guard hours < 24, minutes < 60 else { return nil }
        return (chars[start] == UInt8(ascii: "-") ? -1 : 1) * (hours * 60 + minutes)
    }

    static func floorDivMod(_ a: Int64, _ b: Int64) -> (Int64, Int64) {
        let q = a / b, r = a % b
        return r < 0 ? (q - 1, r + b) : (q, r)
    }

    static func isLeap(_ year: Int64) -> Bool { (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 }

    /// Days in `month` of `year` (proleptic Gregorian).
    public static func daysInMonth(year: Int64, month: Int64) -> Int64 {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 of a civil date (H. Hinnant's algorithm).
    public static func days(fromCivil year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The civil date of a day count since 1970-01-01.
    public static func civil(fromDays z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }
}
