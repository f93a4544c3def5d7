import QCreditDomain
import Testing

@Suite struct CalendarPeriodTests {
    @Test(arguments: [
        ("P3Y", 3, 0, 0), ("P1Y6M", 1, 6, 0), ("P30D", 0, 0, 30), ("P2Y3M10D", 2, 3, 10),
        ("P6M", 0, 6, 0), ("P1Y15D", 1, 0, 15), ("P0D", 0, 0, 0), ("P18M", 0, 18, 0),
    ])
    func parsesAndPrintsBack(_ text: String, _ years: Int, _ months: Int, _ days: Int) throws {
        let period = try #require(CalendarPeriod(iso8601: text))
        #expect(period == CalendarPeriod(years: years, months: months, days: days))
        #expect(period.description == text)
    }

    @Test func leadingZerosAndZeroPartsAreReadButNotPrinted() {
        #expect(CalendarPeriod(iso8601: "P03Y")?.description == "P3Y")
        #expect(CalendarPeriod(iso8601: "P0Y6M")?.description == "P6M")
        #expect(CalendarPeriod(iso8601: "P0Y")?.description == "P0D")
        #expect(CalendarPeriod.zero.description == "P0D")
        #expect(CalendarPeriod(years: 1) != CalendarPeriod(months: 12))  // not normalised
    }

    @Test(arguments: [
        "", "P", "3Y", "p3y", "P3y", "-P3Y", "P-3Y", "P+3Y", "P1.5Y", "P1,5Y", "PT1H", "P1DT2H",
        "P2W", "P1M1Y", "P1D1M", "P1Y1Y", "PY", "P1", "P 1Y", "P1Y ", "P３Y",
        "P99999999999999999999Y",
    ])
    func refusesAnythingElse(_ text: String) {
        #expect(CalendarPeriod(iso8601: text) == nil)
    }
}
