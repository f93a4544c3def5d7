import QCreditDomain
import Testing

/// The examples in the doc comments, so they stay true.
@Suite struct DocumentationExampleTests {
    @Test func enterpriseCodeExample() throws {
        let code = try EnterpriseCode(validating: "9115 2201 0783 7941 x1")
        #expect(code.kind == .uscc)
        #expect(code.value == "9115220107837941X1")
        #expect(code.orgCode == "07837941X")
        #expect(code.formattedOrgCode == "07837941-X")
        #expect(code.divisionCode == "152201")
        let legacy = try EnterpriseCode(validating: "07837941-X")
        #expect(legacy.orgCode == code.orgCode)
        #expect(CodeCheck.error("9115220107837941X2")?.reason == "check character at position 18 should be '1', found '2'")
        #expect(EnterpriseCode.normalize(" ９１１５２２０１０７８３７９４１ｘ１ ") == "9115220107837941X1")
        #expect(EnterpriseCode.normalize("07837941－x") == "07837941X")
    }

    @Test func calendarExamples() throws {
        let decided = try #require(CivilDate(iso: "2024-02-29"))
        #expect(decided.adding(CalendarPeriod(iso8601: "P1Y")!).description == "2025-02-28")
        #expect(decided.days(until: CivilDate(iso: "2024-03-31")!) == 31)

        let t = try #require(Instant(rfc3339: "2026-11-27T01:31:11.250+08:00"))
        #expect(t.rfc3339 == "2026-11-26T17:31:11Z")
        #expect(t.civilDate().description == "2026-11-27")
        #expect(t.civilDate(in: .utc).description == "2026-11-26")
    }
}
