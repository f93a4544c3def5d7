import QCreditDomain
import Testing

@Suite struct CivilDateTests {
    /// Day numbers checked against Python's `datetime.date` (proleptic Gregorian).
    @Test(arguments: [
        ("1970-01-01", 0), ("1969-12-31", -1), ("2000-02-29", 11016), ("2026-11-27", 20784),
        ("1900-01-01", -25567), ("1600-03-01", -135080), ("0001-01-01", -719162),
        ("0000-03-01", -719468), ("9999-12-31", 2932896),
    ])
    func knownDayNumbers(_ iso: String, _ days: Int) throws {
        let date = try #require(CivilDate(iso: iso))
        #expect(date.daysSinceEpoch == days)
        #expect(CivilDate(daysSinceEpoch: days) == date)
        #expect(date.description == iso)
    }

    /// `YYYY-MM-DD` for the years ``CivilDate/init(iso:)`` reads; other years with more digits or a sign.
    @Test func datesPrintAsTheyAreRead() throws {
        for (year, text) in [(0, "0000-01-09"), (7, "0007-01-09"), (987, "0987-01-09"), (2026, "2026-01-09"), (9999, "9999-01-09")] {
            let date = try #require(CivilDate(year: year, month: 1, day: 9))
            #expect(date.description == text)
            #expect(CivilDate(iso: text) == date)
        }
        #expect(try #require(CivilDate(year: 10_000, month: 12, day: 31)).description == "10000-12-31")
        #expect(try #require(CivilDate(year: -1, month: 10, day: 1)).description == "-0001-10-01")
    }

    /// Walks day by day through eight centuries with a naive calendar (independent of
    /// Hinnant's formulas): every day must get the next number and convert back.
    @Test func dayNumbersAreConsecutiveFrom1600To2400() throws {
        var year = 1600, month = 1, day = 1
        var expected = try #require(CivilDate(iso: "1600-01-01")).daysSinceEpoch
        while year <= 2400 {
            let date = try #require(CivilDate(year: year, month: month, day: day))
            #expect(date.daysSinceEpoch == expected)
            #expect(CivilDate(daysSinceEpoch: expected) == date)
            expected += 1
            day += 1
            if day > CivilDate.daysInMonth(year: year, month: month) {
                day = 1
                month += 1
                if month > 12 { month = 1; year += 1 }
            }
        }
    }

    /// Round trips over ±2.7 million days (about ±7,400 years), including negative years.
    @Test func roundTripsOverAWideRange() {
        var mismatches = 0
        var previous = CivilDate(daysSinceEpoch: -2_700_001)
        for days in stride(from: -2_700_000, through: 2_700_000, by: 1) {
            let date = CivilDate(daysSinceEpoch: days)
            if date.daysSinceEpoch != days || !(previous < date) { mismatches += 1 }
            previous = date
        }
        #expect(mismatches == 0)
        #expect(CivilDate(daysSinceEpoch: -2_700_000).year < 0)
    }

    @Test func leapYears() {
        #expect(!CivilDate.isLeapYear(1900))
        #expect(CivilDate.isLeapYear(2000))
        #expect(CivilDate.isLeapYear(2024))
        #expect(!CivilDate.isLeapYear(2025))
        #expect(!CivilDate.isLeapYear(2100))
        #expect(CivilDate(iso: "1900-02-29") == nil)
        #expect(CivilDate(iso: "2000-02-29") != nil)
        #expect(CivilDate(iso: "2024-02-29") != nil)
        #expect(CivilDate(iso: "2023-02-29") == nil)
        #expect(CivilDate(iso: "1900-02-28")!.adding(days: 1) == CivilDate(iso: "1900-03-01"))
        #expect(CivilDate(iso: "2000-02-28")!.adding(days: 1) == CivilDate(iso: "2000-02-29"))
        #expect(CivilDate(iso: "2000-01-01")!.days(until: CivilDate(iso: "2001-01-01")!) == 366)
        #expect(CivilDate(iso: "1900-01-01")!.days(until: CivilDate(iso: "1901-01-01")!) == 365)
    }

    @Test(arguments: [
        "2024-1-05", "24-01-05", "02024-01-05", "+2024-01-05", "-2024-01-05", "2024-01-05 ",
        " 2024-01-05", "2024/01/05", "20240105", "2024-13-01", "2024-00-10", "2024-01-00",
        "2024-04-31", "2024-01-32", "２０２４-01-05", "2024-01-05T00:00:00Z", "", "abcd-ef-gh",
    ])
    func strictParsingRefuses(_ text: String) {
        #expect(CivilDate(iso: text) == nil)
    }

    @Test func partsAndFormatting() throws {
        let date = try #require(CivilDate(year: 5, month: 3, day: 7))
        #expect(date.description == "0005-03-07")
        #expect(CivilDate(iso: "0005-03-07") == date)
        #expect(CivilDate(year: 2024, month: 2, day: 30) == nil)
        #expect(CivilDate(year: 2024, month: 0, day: 1) == nil)
        #expect(CivilDate(iso: "2026-11-27")?.year == 2026)
        #expect(CivilDate(iso: "2026-11-27")?.month == 11)
        #expect(CivilDate(iso: "2026-11-27")?.day == 27)
    }

    @Test func orderingAndDayDifferences() throws {
        let dates = ["2025-01-01", "2024-12-31", "2024-02-29", "1999-12-31"].compactMap { CivilDate(iso: $0) }
        #expect(dates.sorted().map(\.description) == ["1999-12-31", "2024-02-29", "2024-12-31", "2025-01-01"])
        let a = try #require(CivilDate(iso: "2024-12-31"))
        let b = try #require(CivilDate(iso: "2025-01-01"))
        #expect(a.days(until: b) == 1)
        #expect(b.days(until: a) == -1)
        #expect(a.days(until: a) == 0)
        #expect(a.adding(days: 365 + 1) == CivilDate(iso: "2026-01-01"))
        #expect(b.adding(days: -1) == a)
        #expect(CivilDate.latest.adding(days: 1) == CivilDate.latest)
        #expect(CivilDate(iso: "2026-01-01")!.adding(days: .max) == CivilDate.latest)
    }

    @Test(arguments: [
        ("2024-02-29", "P1Y", "2025-02-28"),    // clamped: no Feb 29 in 2025
        ("2024-02-29", "P4Y", "2028-02-29"),
        ("2024-01-31", "P1M", "2024-02-29"),    // clamped to the leap-year February
        ("2023-01-31", "P1M", "2023-02-28"),
        ("2024-01-31", "P1M1D", "2024-03-01"),  // months first (Feb 29), then the day
        ("2024-03-31", "P6M", "2024-09-30"),
        ("2024-10-31", "P3M", "2025-01-31"),
        ("2024-11-15", "P14M", "2026-01-15"),
        ("2024-12-15", "P1Y1M30D", "2026-02-14"),
        ("2024-06-15", "P30D", "2024-07-15"),
        ("2024-06-15", "P0D", "2024-06-15"),
        ("2023-03-01", "P3Y", "2026-03-01"),
        // Nothing passes 9999-12-31, the last date the registry's YYYY-MM-DD text holds.
        ("9999-12-31", "P1D", "9999-12-31"),
        ("9999-06-30", "P1Y", "9999-12-31"),
        ("9998-12-31", "P1Y1D", "9999-12-31"),
        ("2026-01-01", "P100000Y", "9999-12-31"),
        // Too long to count in months at all (it trapped on overflow).
        ("2026-01-01", "P999999999999999999Y", "9999-12-31"),
        ("2026-01-01", "P768614336404564650Y8M", "9999-12-31"),
    ])
    func addingPeriods(_ start: String, _ period: String, _ end: String) throws {
        let date = try #require(CivilDate(iso: start))
        let span = try #require(CalendarPeriod(iso8601: period))
        #expect(date.adding(span).description == end)
    }
}
