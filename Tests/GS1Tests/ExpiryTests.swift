import GS1
import Testing

@Suite("Expiry (AI 17) and calendar dates")
struct ExpiryTests {
    @Test("YYMMDD to ISO")
    func plain() throws {
        let expiry = try Expiry("271231", referenceDate: reference)
        #expect(expiry.iso == "2027-12-31")
        #expect(expiry.yymmdd == "271231")
        #expect(!expiry.isDayUnspecified)
    }

    @Test("DD = 00 is the last day of the month", arguments: [
        ("261100", "2026-11-30"),
        ("261200", "2026-12-31"),
        ("270200", "2027-02-28"),
        ("280200", "2028-02-29"),   // leap year
        ("000200", "2000-02-29"),   // divisible by 400: leap
        ("270400", "2027-04-30"),
    ])
    func monthEnd(_ yymmdd: String, _ iso: String) throws {
        let expiry = try Expiry(yymmdd, referenceDate: reference)
        #expect(expiry.iso == iso)
        #expect(expiry.isDayUnspecified)
        #expect(expiry.yymmdd == yymmdd)
    }

    @Test("the century comes from the 50-year window around the reference year", arguments: [
        (2026, "760101", "2076-01-01"),   // difference 50: this century
        (2026, "770101", "1977-01-01"),   // difference 51: previous century
        (2026, "000101", "2000-01-01"),
        (2070, "200101", "2120-01-01"),   // difference -50: next century
        (2070, "210101", "2021-01-01"),   // difference -49: this century
        (2099, "010101", "2101-01-01"),
        (2001, "990101", "1999-01-01"),
        (2060, "000200", "2100-02-28"),   // next century, and 2100 is not a leap year
    ])
    func centuryWindow(_ year: Int, _ yymmdd: String, _ iso: String) throws {
        let expiry = try Expiry(yymmdd, referenceDate: CalendarDate(year: year, month: 1, day: 1))
        #expect(expiry.iso == iso)
    }

    @Test("bad expiries", arguments: [
        ("271301", GS1Error.Code.badDate),
        ("270230", .badDate),
        ("270229", .badDate),   // 2027 is not a leap year
        ("270431", .badDate),
        ("270001", .badDate),
        ("2712", .badLength),
        ("2712311", .badLength),
        ("27123A", .badCharacter),
    ])
    func bad(_ yymmdd: String, _ code: GS1Error.Code) {
        #expect(gs1Error { try Expiry(yymmdd, referenceDate: reference) }?.code == code)
    }

    @Test("the bad-date message names the month's length")
    func badDateMessage() {
        #expect(gs1Error { try Expiry("270230", referenceDate: reference) }?.description
            == #"expiry "270230": February 2027 has 28 days, not 30"#)
    }

    @Test("building expiries from dates")
    func fromDates() throws {
        #expect(Expiry(date: try CalendarDate(year: 2028, month: 2, day: 29)).yymmdd == "280229")
        let monthOnly = try Expiry(year: 2028, month: 2)
        #expect(monthOnly.yymmdd == "280200")
        #expect(monthOnly.iso == "2028-02-29")
        #expect(try Expiry("280200", referenceDate: reference) == monthOnly)
    }

    @Test("calendar dates: ISO text, days since the epoch, today")
    func calendar() throws {
        #expect(CalendarDate(daysSinceEpoch: 0).description == "1970-01-01")
        #expect(CalendarDate(daysSinceEpoch: -1).description == "1969-12-31")
        #expect(CalendarDate(daysSinceEpoch: 19_723).description == "2024-01-01")
        #expect(try CalendarDate(iso: "2028-02-29") == CalendarDate(year: 2028, month: 2, day: 29))
        #expect(gs1Error { try CalendarDate(iso: "2027-02-29") }?.code == .badDate)
        #expect(gs1Error { try CalendarDate(iso: "2027/02/01") }?.code == .badDate)
        #expect(CalendarDate.today().year >= 2025)
        #expect(try CalendarDate(year: 2027, month: 1, day: 1) < CalendarDate(year: 2027, month: 1, day: 2))
    }
}
