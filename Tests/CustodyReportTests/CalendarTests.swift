import CustodyReport
import LedgerFormat
import Testing

@Suite("Business days and the statutory due time")
struct CalendarTests {
    func day(_ text: String) -> Int64 { Timestamp.parse(text)! / 86_400_000 }

    @Test("the 11 federal holidays of 2026 and 2027 on their observed days")
    func holidays() {
        let names2026 = BusinessCalendar.holidays(of: 2026).map { (Timestamp.iso8601($0.day * 86_400_000).prefix(10), $0.name) }
        #expect(names2026.map { String($0.0) } == ["2026-01-01", "2026-01-19", "2026-02-16", "2026-05-25", "2026-06-19", "2026-07-03",
                                                    "2026-09-07", "2026-10-12", "2026-11-11", "2026-11-26", "2026-12-25"])
        #expect(BusinessCalendar.holiday(on: day("2026-11-26")) == "Thanksgiving Day")
        #expect(BusinessCalendar.holiday(on: day("2026-06-19")) == "Juneteenth National Independence Day")
        // 4 July 2027 is a Sunday: observed Monday 5 July. 4 July 2026 is a Saturday: observed Friday 3 July.
        #expect(BusinessCalendar.holiday(on: day("2027-07-05")) == "Independence Day")
        #expect(BusinessCalendar.holiday(on: day("2027-07-04")) == nil)
        #expect(BusinessCalendar.holiday(on: day("2026-07-03")) == "Independence Day")
        // 1 January 2022 was a Saturday: observed Friday 31 December 2021, a holiday of the year before.
        #expect(BusinessCalendar.holiday(on: day("2021-12-31")) == "New Year's Day")
        // Juneteenth is a federal holiday from 2021 only.
        #expect(BusinessCalendar.holidays(of: 2020).count == 10)
        #expect(BusinessCalendar.holidays(of: 2027).count == 11)
        #expect(!BusinessCalendar.isBusinessDay(day("2026-11-28")))   // Saturday
        #expect(BusinessCalendar.isBusinessDay(day("2026-11-27")))    // the Friday after Thanksgiving is not a federal holiday
    }

    func due(_ received: String, dispenser: Bool = false) -> (String, String) {
        let deadline = StatutoryDeadline(received: LocalTime(iso8601: received)!, dispenser: dispenser)
        return (deadline.due.iso8601, deadline.rule)
    }

    @Test("one business day, capped at 48 hours; two business days for a dispenser")
    func deadlines() {
        // Wednesday before Thanksgiving: the next business day is Friday, exactly 48 hours later.
        #expect(due("2026-11-25T10:00:00-05:00") == ("2026-11-27T10:00:00-05:00", "1 business day (within 48 hours of receipt)"))
        // Friday: the next business day is Monday, 72 hours later, so the 48-hour cap applies.
        #expect(due("2026-11-27T10:00:00-05:00") == ("2026-11-29T10:00:00-05:00", "1 business day, capped at 48 hours after receipt (the cap applies)"))
        // A dispenser, on Friday: Monday and Tuesday.
        #expect(due("2026-11-27T10:00:00-05:00", dispenser: true) == ("2026-12-01T10:00:00-05:00", "dispenser: 2 business days"))
        // A dispenser, the day before Thanksgiving: Friday and Monday.
        #expect(due("2026-11-25T16:30:00-08:00", dispenser: true) == ("2026-11-30T16:30:00-08:00", "dispenser: 2 business days"))
        // Received on a Saturday: counted from Monday's start, and still no later than 48 hours after receipt.
        #expect(due("2026-11-28T09:00:00Z") == ("2026-11-30T09:00:00Z",
                                                "1 business day, capped at 48 hours after receipt (the cap applies) (received on a non-business day: counted from the start of Monday 2026-11-30)"))
        // Before Independence Day observed on Monday 5 July 2027: a dispenser's Friday request is due Wednesday.
        #expect(due("2027-07-02T08:00:00-04:00", dispenser: true).0 == "2027-07-07T08:00:00-04:00")
    }

    @Test("received times keep their offset; malformed ones are refused")
    func localTimes() {
        #expect(LocalTime(iso8601: "2026-11-27T09:30:00-05:00")?.iso8601 == "2026-11-27T09:30:00-05:00")
        #expect(LocalTime(iso8601: "2026-11-27T23:30:00-05:00")?.day == day("2026-11-27"))
        #expect(LocalTime(iso8601: "2026-11-27T14:30:00Z")?.iso8601 == "2026-11-27T14:30:00Z")
        #expect(LocalTime(iso8601: "2026-02-30T10:00:00Z") == nil)
        #expect(LocalTime(iso8601: "next tuesday") == nil)
    }
}
