import QCreditDomain
import QCreditRegistry
import Testing

@Suite struct ListingLifecycleTests {
    let code = RegistryFixture.usccA
    let regulator = RegistryFixture.regulator

    @Test func proposeObjectResolveConfirmRemove() async throws {
        let fixture = try await RegistryFixture(today: "2026-03-02")
        try await fixture.register(code)
        let registry = fixture.registry
        var listing = try await registry.proposeListing(fixture.proposal(code), by: regulator)
        #expect(listing.state == .proposed)
        listing = try await registry.fileObjection(listingId: listing.id, filedOn: "2026-02-10", summary: "the products were not ours", by: regulator)
        #expect(listing.state == .objected)
        await #expect(
            throws: RegistryError.invalidState(
                listingId: listing.id, state: "objected", action: "confirm", reason: "an objection is pending; resolve it first")
        ) {
            try await registry.confirmListing(listingId: listing.id, publicationDate: nil, authority: nil, documentNumber: nil, by: regulator)
        }
        listing = try await registry.resolveObjection(
            listingId: listing.id, outcome: "rejected", resolvedOn: "2026-02-20", authority: "Zhengzhou AMR",
            documentNumber: "复核〔2026〕2号", summary: "evidence confirmed", by: regulator)
        #expect(listing.state == .proposed)
        listing = try await registry.confirmListing(listingId: listing.id, publicationDate: "2026-03-01", authority: nil, documentNumber: nil, by: regulator)
        #expect(listing.state == .listed)
        #expect(listing.publicationDate == CivilDate(iso: "2026-03-01"))
        #expect(listing.plannedEndDate == CivilDate(iso: "2029-03-01"))
        let check = try await registry.listings(code: code, view: .public)
        #expect(check.1.map(\.id) == [listing.id])
        listing = try await registry.removeListing(
            listingId: listing.id, reason: "revoked", removedOn: nil, authority: "Zhengzhou Intermediate Court",
            documentNumber: "(2026)豫01行初5号", explanation: "decision annulled", by: regulator)
        #expect(listing.state == .removed)
        #expect(listing.removedStep?.removalReason == .revoked)
        #expect(listing.steps.map(\.kind) == [.proposed, .objectionFiled, .objectionResolved, .listed, .removed])
    }

    @Test func illegalTransitionsNameTheCurrentState() async throws {
        let fixture = try await RegistryFixture()
        try await fixture.register(code)
        let registry = fixture.registry
        let listing = try await fixture.listed(code)
        await #expect(
            throws: RegistryError.invalidState(listingId: listing.id, state: "listed", action: "confirm", reason: "it is already listed")
        ) {
            try await registry.confirmListing(listingId: listing.id, publicationDate: nil, authority: nil, documentNumber: nil, by: regulator)
        }
        await #expect(
            throws: RegistryError.invalidState(
                listingId: listing.id, state: "listed", action: "withdraw", reason: "it is already published; remove it instead")
        ) {
            try await registry.withdrawListing(listingId: listing.id, reason: "x", withdrawnOn: nil, documentNumber: nil, by: regulator)
        }
        await #expect(
            throws: RegistryError.invalidState(
                listingId: listing.id, state: "listed", action: "file an objection",
                reason: "the serious-dishonesty list takes no objections after publication")
        ) {
            try await registry.fileObjection(listingId: listing.id, filedOn: nil, summary: "late", by: regulator)
        }
        await #expect(throws: RegistryError.listingNotFound(listingId: 999)) {
            try await registry.confirmListing(listingId: 999, publicationDate: nil, authority: nil, documentNumber: nil, by: regulator)
        }
        // A second open listing of the same type is refused.
        await #expect(throws: RegistryError.self) { try await registry.proposeListing(fixture.proposal(code), by: regulator) }
    }

    @Test func repairIsAllowedOnlyAfterTheMinimumTimeAndHidesTheListingFromThePublic() async throws {
        let fixture = try await RegistryFixture(today: "2026-03-02")
        try await fixture.register(code)
        let registry = fixture.registry
        let listing = try await fixture.listed(code, on: "2026-03-02")
        await #expect(
            throws: RegistryError.invalidState(
                listingId: listing.id, state: "listed", action: "remove it as repaired",
                reason: "credit repair is allowed from 2027-03-02 (P1Y after publication)")
        ) {
            try await registry.removeListing(
                listingId: listing.id, reason: "repaired", removedOn: nil, authority: "AMR", documentNumber: "修复1",
                explanation: nil, by: regulator)
        }
        await #expect(throws: RegistryError.self) {
            try await registry.removeListing(
                listingId: listing.id, reason: "cured", removedOn: nil, authority: "AMR", documentNumber: "x", explanation: nil, by: regulator)
        }
        fixture.clock.advance(days: 365)
        let removed = try await registry.removeListing(
            listingId: listing.id, reason: "repaired", removedOn: nil, authority: "AMR", documentNumber: "修复1",
            explanation: "rectified", by: regulator)
        #expect(removed.state == .removed)
        #expect(try await registry.listings(code: code, view: .public).1.isEmpty)
        #expect(try await registry.listings(code: code, view: .full).1.count == 1)
        #expect(try await registry.creditFile(code: code, view: .public).listings.isEmpty)
    }

    @Test func anUpheldObjectionWithdrawsAProposal() async throws {
        let fixture = try await RegistryFixture()
        try await fixture.register(code)
        let registry = fixture.registry
        let proposal = try await registry.proposeListing(fixture.proposal(code), by: regulator)
        _ = try await registry.fileObjection(listingId: proposal.id, filedOn: nil, summary: "wrong firm", by: regulator)
        let resolved = try await registry.resolveObjection(
            listingId: proposal.id, outcome: "upheld", resolvedOn: nil, authority: "AMR", documentNumber: "复核3", summary: nil,
            by: regulator)
        #expect(resolved.state == .withdrawn)
        #expect(resolved.steps.map(\.kind) == [.proposed, .objectionFiled, .objectionResolved, .withdrawn])
        // Withdrawn proposals were never public: nothing was published for them.
        #expect(try await fixture.publications().map(\.kind) == ["policy"])
    }

    @Test func abnormalOperationsTakesObjectionsForThirtyDaysAfterPublication() async throws {
        let fixture = try await RegistryFixture(today: "2026-03-02")
        try await fixture.register(code)
        let registry = fixture.registry
        let listing = try await fixture.listed(code, listType: "abnormal-operations", on: "2026-03-02")
        fixture.clock.advance(days: 31)
        await #expect(
            throws: RegistryError.invalidState(
                listingId: listing.id, state: "listed", action: "file an objection", reason: "the objection window closed on 2026-04-01")
        ) {
            try await registry.fileObjection(listingId: listing.id, filedOn: nil, summary: "late", by: regulator)
        }
        let contested = try await registry.fileObjection(listingId: listing.id, filedOn: "2026-03-20", summary: "report was filed", by: regulator)
        #expect(contested.state == .contested)
        let revoked = try await registry.resolveObjection(
            listingId: listing.id, outcome: "upheld", resolvedOn: nil, authority: "AMR", documentNumber: "复核9", summary: nil, by: regulator)
        #expect(revoked.state == .removed)
        #expect(revoked.removedStep?.removalReason == .revoked)
        #expect(try await fixture.publications().map(\.kind) == ["policy", "listing", "removal"])
    }

    @Test func datesInTheFutureOrBeforeTheDecisionAreRefused() async throws {
        let fixture = try await RegistryFixture(today: "2026-03-02")
        try await fixture.register(code)
        let registry = fixture.registry
        await #expect(throws: RegistryError.invalidArgument(parameter: "decisionDate", reason: "2026-04-01 is in the future (today is 2026-03-02)")) {
            try await registry.proposeListing(fixture.proposal(code, decisionDate: "2026-04-01"), by: regulator)
        }
        let proposal = try await registry.proposeListing(fixture.proposal(code), by: regulator)
        await #expect(
            throws: RegistryError.invalidArgument(parameter: "publicationDate", reason: "2026-01-01 is before the listing's last step (2026-02-01)")
        ) {
            try await registry.confirmListing(listingId: proposal.id, publicationDate: "2026-01-01", authority: nil, documentNumber: nil, by: regulator)
        }
        await #expect(throws: RegistryError.self) {
            try await registry.proposeListing(fixture.proposal(code, listType: "grey-list"), by: regulator)
        }
    }
}
