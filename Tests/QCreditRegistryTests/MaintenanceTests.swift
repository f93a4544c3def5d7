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

    @Test func anEscalatedListingNeverPointsABankAtTheListingItCameFromOnceThatOneIsRevoked() async throws {
        let fixture = try await RegistryFixture(today: "2026-03-02")
        try await fixture.register(code)
        let abnormal = try await fixture.listed(code, listType: "abnormal-operations", on: "2026-03-02")
        fixture.clock.set(Instant.startOfDay(CivilDate(iso: "2029-03-02")!))
        let escalated = try await fixture.registry.runMaintenance().escalated[0]
        _ = try await fixture.registry.confirmListing(
            listingId: escalated, publicationDate: nil, authority: nil, documentNumber: nil, by: RegistryFixture.regulator)
        // The proposal's own record names neither the earlier listing's id nor its date.
        let proposal = try await fixture.registry.listing(id: escalated)
        for text in [proposal.decision.reason, proposal.decision.documentNumber] {
            #expect(!text.contains("listing \(abnormal.id)") && !text.hasSuffix("-\(abnormal.id)") && !text.contains("2026-03-02"))
        }
        #expect(try await fixture.registry.creditFile(code: code, view: .public).listings.map(\.escalatedFrom) == [nil, abnormal.id])

        _ = try await fixture.registry.removeListing(
            listingId: abnormal.id, reason: "revoked", removedOn: nil, authority: "Zhengzhou AMR", documentNumber: "撤〔2029〕1号",
            explanation: nil, by: RegistryFixture.regulator)
        let publicFile = try await fixture.registry.creditFile(code: code, view: .public)
        #expect(publicFile.listings.map(\.id) == [escalated])
        #expect(publicFile.listings[0].escalatedFrom == nil)
        let page = try await fixture.registry.blacklistPage(listType: nil, since: nil, after: 0, limit: 10, view: .public)
        #expect(page.map(\.1.id) == [escalated] && page[0].1.escalatedFrom == nil)
        // Regulators keep the link.
        #expect(try await fixture.registry.creditFile(code: code, view: .full).listings.last?.escalatedFrom == abnormal.id)
    }
}
