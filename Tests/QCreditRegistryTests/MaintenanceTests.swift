import QCreditDomain
import QCreditRegistry
import Testing

@Suite struct MaintenanceTests {
    let code = RegistryFixture.usccA

    @Test func aListingExpiresByItselfWhenItsTermEndsAndTheRemovalIsPublished() async throws {
        let fixture = try await RegistryFixture(today: "2026-03-02")
        try await fixture.register(code)
        let listing = try await fixture.listed(code, on: "2026-03-02")
        #expect(try await fixture.registry.runMaintenance() == MaintenanceSummary())
        fixture.clock.set(Instant.startOfDay(CivilDate(iso: "2029-03-01")!))
        #expect(try await fixture.registry.runMaintenance().expired.isEmpty)
        fixture.clock.set(Instant.startOfDay(CivilDate(iso: "2029-03-02")!))
        #expect(try await fixture.registry.runMaintenance().expired == [listing.id])
        let expired = try await fixture.registry.listing(id: listing.id)
        #expect(expired.state == .removed)
        #expect(expired.removedStep?.removalReason == .expired)
        #expect(expired.removedStep?.date == CivilDate(iso: "2029-03-02"))
        #expect(expired.removedStep?.authority == ListingLifecycle.registryAuthority)
        let records = try await fixture.publications()
        #expect(records.map(\.kind) == ["policy", "listing", "removal"])
        #expect(records[2].body["removal"]?["reason"] == "expired")
        // Running again finds nothing more to do.
        #expect(try await fixture.registry.runMaintenance() == MaintenanceSummary())
        #expect(try await fixture.registry.gradeInForce(code: code).inForce.grade != "D")
    }

    @Test func abnormalOperationsUnremediedForThreeYearsIsProposedForTheSeriousList() async throws {
        let fixture = try await RegistryFixture(today: "2026-03-02")
        try await fixture.register(code)
        let abnormal = try await fixture.listed(code, listType: "abnormal-operations", on: "2026-03-02")
        fixture.clock.set(Instant.startOfDay(CivilDate(iso: "2029-03-01")!))
        #expect(try await fixture.registry.runMaintenance().escalated.isEmpty)
        fixture.clock.set(Instant.startOfDay(CivilDate(iso: "2029-03-02")!))
        let summary = try await fixture.registry.runMaintenance()
        #expect(summary.escalated.count == 1)
        let proposal = try await fixture.registry.listing(id: summary.escalated[0])
        #expect(proposal.listType == "serious-dishonesty")
        #expect(proposal.state == .proposed)
        #expect(proposal.escalatedFrom == abnormal.id)
        // Escalation happens once.
        #expect(try await fixture.registry.runMaintenance().escalated.isEmpty)
    }
}
