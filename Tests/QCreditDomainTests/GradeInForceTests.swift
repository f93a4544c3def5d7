import QCreditDomain
import Testing

/// Which grade record is answered on a day: an override in force beats the computed grade, and
/// stands the day after its last day until that day's regrade publishes a computed grade.
@Suite struct GradeInForceTests {
    let scale = GradeScale(["AAA", "AA", "A", "B", "C", "D"])

    func record(_ basis: GradeRecord.Basis, _ grade: String, index: Int64, until: String? = nil) -> GradeRecord {
        GradeRecord(
            id: index, basis: basis, grade: grade, score: basis == .computed ? 70 : nil, policyVersion: "2026.1",
            explanation: .null, effectiveAt: Instant(secondsSinceEpoch: 1_770_000_000 + index), until: until.flatMap(CivilDate.init(iso:)),
            publicationIndex: index)
    }

    func answered(on date: String, computed: GradeRecord?, override: GradeRecord?) -> GradeRecord? {
        GradeInForce.resolve(computed: computed, override: override, caps: [], on: CivilDate(iso: date)!, scale: scale).record
    }

    @Test func anOverrideStandsUntilTheRegradeAfterItsLastDay() {
        let before = record(.computed, "C", index: 1)
        let override = record(.override, "AA", index: 2, until: "2026-03-31")
        #expect(answered(on: "2026-03-31", computed: before, override: override) == override, "its last day")
        #expect(answered(on: "2026-04-01", computed: before, override: override) == override, "before the day's run")
        #expect(answered(on: "2026-04-01", computed: nil, override: override) == override, "a file never computed")
        let after = record(.computed, "B", index: 3)
        #expect(answered(on: "2026-04-01", computed: after, override: override) == after, "after the day's run")
        #expect(answered(on: "2026-04-02", computed: before, override: override) == before, "no longer, a day later")
        #expect(answered(on: "2026-04-02", computed: nil, override: override) == nil)
        let forever = record(.override, "AA", index: 4)
        #expect(answered(on: "9999-12-31", computed: after, override: forever) == forever)
    }
}
