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

    /// A revoked listing is void from the start: the listing escalated from it falls with it,
    /// in the same transaction, so that nothing a bank sees (the escalation's reason, its cap)
    /// tells of the revoked listing. Regulators keep both, and the link.
    @Test func aListingEscalatedFromOneThatIsRevokedIsRevokedWithIt() async throws {
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
        #expect(try await fixture.registry.gradeInForce(code: code).inForce.basis == .listing)

        _ = try await fixture.registry.removeListing(
            listingId: abnormal.id, reason: "revoked", removedOn: nil, authority: "Zhengzhou AMR", documentNumber: "撤〔2029〕1号",
            explanation: nil, by: RegistryFixture.regulator)
        let fallen = try await fixture.registry.listing(id: escalated)
        #expect(fallen.state == .removed)
        #expect(fallen.removedStep?.removalReason == .revoked)
        #expect(fallen.removedStep?.reason == "the listing it was escalated from was revoked")
        #expect(fallen.removedStep?.documentNumber == "撤〔2029〕1号")
        // A bank sees neither listing, on the list or in the file, and no cap.
        #expect(try await fixture.registry.creditFile(code: code, view: .public).listings.isEmpty)
        #expect(try await fixture.registry.blacklistPage(listType: nil, since: nil, after: 0, limit: 10, view: .public).isEmpty)
        #expect(try await fixture.registry.gradeInForce(code: code, view: .public).inForce.basis != .listing)
        // Regulators keep both, and the link.
        let full = try await fixture.registry.creditFile(code: code, view: .full).listings
        #expect(full.map(\.state) == [.removed, .removed])
        #expect(full.last?.escalatedFrom == abnormal.id)
        // Both removals are published records.
        #expect(try await fixture.publications().filter { $0.kind == "removal" }.count == 2)
    }

    /// Still a proposal when its source is revoked, the escalation is withdrawn; a source that
    /// ends otherwise (cured) leaves the escalation standing, a decision of its own.
    @Test func anEscalationProposalIsWithdrawnWithItsRevokedSourceButOutlivesACuredOne() async throws {
        let fixture = try await RegistryFixture(today: "2026-03-02")
        try await fixture.register(code)
        try await fixture.register(RegistryFixture.usccB)
        let revoked = try await fixture.listed(code, listType: "abnormal-operations", on: "2026-03-02")
        let cured = try await fixture.listed(RegistryFixture.usccB, listType: "abnormal-operations", on: "2026-03-02")
        fixture.clock.set(Instant.startOfDay(CivilDate(iso: "2029-03-02")!))
        let proposals = try await fixture.registry.runMaintenance().escalated
        #expect(proposals.count == 2)
        for (listing, reason) in [(revoked, "revoked"), (cured, "cured")] {
            _ = try await fixture.registry.removeListing(
                listingId: listing.id, reason: reason, removedOn: nil, authority: "Zhengzhou AMR", documentNumber: "文〔2029〕\(listing.id)号",
                explanation: nil, by: RegistryFixture.regulator)
        }
        var states: [Listing] = []
        for id in proposals { states.append(try await fixture.registry.listing(id: id)) }
        let fromRevoked = try #require(states.first { $0.escalatedFrom == revoked.id })
        let fromCured = try #require(states.first { $0.escalatedFrom == cured.id })
        #expect(fromRevoked.state == .withdrawn)
        #expect(fromRevoked.steps.last?.reason == "the listing it was escalated from was revoked")
        #expect(fromCured.state == .proposed)
    }
}
