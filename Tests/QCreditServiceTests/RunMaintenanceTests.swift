import CanonicalJSON
import QCreditDomain
import Testing

/// `RunMaintenance` applies what time decides now, the grades included: an operator need not
/// wait for the scheduled regrade after the clock passes an event window's end.
@Suite struct RunMaintenanceTests {
    static let code = "911522010783762860"

    @Test func regradesTheFilesDueAndPublishesOnlyChangedGrades() async throws {
        let fixture = try await ServiceFixture(today: "2026-03-02")
        _ = try await fixture.call("org.qcredit.admin.RegisterEnterprise", ["code": .string(Self.code), "name": "Award Co."])
        // An award (+10, three years) lifts the base 80 (A) to 90 (AA) until 2029-01-15.
        _ = try await fixture.call(
            "org.qcredit.admin.RecordEvent",
            [
                "code": .string(Self.code), "dimension": "product", "kind": "award", "severity": "high",
                "occurredOn": "2026-01-15", "authority": "AMR", "documentNumber": "奖1", "summary": "award",
            ])
        _ = try await fixture.call("org.qcredit.admin.PublishGrades", ["codes": [.string(Self.code)]])
        #expect(try await fixture.call("org.qcredit.query.GetGrade", ["code": .string(Self.code)], as: ServiceFixture.bank)["grade"]?["grade"] == "AA")

        fixture.clock.set(Instant(secondsSinceEpoch: Instant.startOfDay(CivilDate(iso: "2029-01-14")!).secondsSinceEpoch + 3600))
        let dayBefore = try await fixture.call("org.qcredit.operator.RunMaintenance", as: ServiceFixture.operator)
        #expect(dayBefore["regraded"] == 0)

        fixture.clock.set(Instant(secondsSinceEpoch: Instant.startOfDay(CivilDate(iso: "2029-01-15")!).secondsSinceEpoch + 3600))
        let onTheDay = try await fixture.call("org.qcredit.operator.RunMaintenance", as: ServiceFixture.operator)
        #expect(onTheDay["recomputed"] == 1)
        #expect(onTheDay["regraded"] == 1)
        let grade = try await fixture.call("org.qcredit.query.GetGrade", ["code": .string(Self.code)], as: ServiceFixture.bank)
        #expect(grade["grade"]?["grade"] == "A")
        #expect(grade["grade"]?["publishedGrade"] == "A")

        // Run again the same day: nothing is due, nothing new is published.
        let again = try await fixture.call("org.qcredit.operator.RunMaintenance", as: ServiceFixture.operator)
        #expect(again["recomputed"] == 0)
        #expect(again["regraded"] == 0)
    }
}
