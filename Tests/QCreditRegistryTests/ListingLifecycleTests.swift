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
        // Too early: the refusal cites the rule and the first day an application can be made.
        await #expect(
            throws: RegistryError.repairNotEligible(
                listingId: listing.id, rule: "policy lists.serious-dishonesty.repairAfter = P1Y after publication (2026-03-02)",
                eligibleOn: CivilDate(iso: "2027-03-02"), reason: "the minimum period since publication has not passed")
        ) { try await fixture.applyForRepair(listing.id) }
        // Removal as repaired is not a single step any more.
        await #expect(throws: RegistryError.self) {
            try await registry.removeListing(
                listingId: listing.id, reason: "repaired", removedOn: nil, authority: "AMR", documentNumber: "修复1",
                explanation: nil, by: regulator)
        }
        // The refusal names what RemoveListing takes, and where a repair goes instead.
        do {
            _ = try await registry.removeListing(
                listingId: listing.id, reason: "cured", removedOn: nil, authority: "AMR", documentNumber: "x", explanation: nil, by: regulator)
            Issue.record("a serious-dishonesty listing was removed as cured")
        } catch let RegistryError.invalidArgument(parameter, reason) {
            #expect(parameter == "reason")
            #expect(reason == "serious-dishonesty listings are removed as revoked (repaired: through ApplyForRepair and DecideRepair)")
        }
        fixture.clock.advance(days: 365)
        let application = try await fixture.applyForRepair(listing.id)
        #expect(application.decideBy == CivilDate(iso: "2027-03-17"))
        #expect(application.isPending)
        // One application at a time.
        await #expect(throws: RegistryError.self) { try await fixture.applyForRepair(listing.id) }
        let (decided, removed) = try await registry.decideRepair(
            applicationId: application.id, decision: "approve", reason: "rectified", documentNumber: "修复1", decidedOn: nil,
            authority: nil, by: regulator)
        #expect(decided.outcome?.decision == .approve)
        #expect(decided.outcome?.removalStepId == removed.removedStep?.id)
        #expect(removed.state == .removed)
        #expect(removed.removedStep?.removalReason == .repaired)
        #expect(try await registry.listings(code: code, view: .public).1.isEmpty)
        #expect(try await registry.listings(code: code, view: .full).1.count == 1)
        #expect(try await registry.creditFile(code: code, view: .public).listings.isEmpty)
        // Decided once.
        await #expect(throws: RegistryError.self) {
            try await registry.decideRepair(
                applicationId: application.id, decision: "reject", reason: "x", documentNumber: "y", decidedOn: nil, authority: nil,
                by: regulator)
        }
    }

    /// A file listed on 2026-03-02 and a repair application made 400 days later, undecided.
    func applicationAYearAfterListing() async throws -> (RegistryFixture, Listing, RepairApplication) {
        let fixture = try await RegistryFixture(today: "2026-03-02")
        try await fixture.register(code)
        let listing = try await fixture.listed(code, on: "2026-03-02")
        fixture.clock.advance(days: 400)
        return (fixture, listing, try await fixture.applyForRepair(listing.id))
    }

    /// A decision's date is `decidedOn` in every error, whichever rule refuses it.
    @Test func aRepairDecidedInTheFutureIsRefusedNamingDecidedOn() async throws {
        let (fixture, _, application) = try await applicationAYearAfterListing()
        let tomorrow = fixture.registry.today.adding(days: 1).description
        try await expectEveryDecisionRefused(application, of: fixture, decidedOn: tomorrow) { error in
            guard case .invalidArgument(let parameter, let reason) = error else {
                Issue.record("\(error)")
                return
            }
            #expect(parameter == "decidedOn")
            #expect(reason.contains("future"))
        }
        #expect(try await fixture.registry.repairApplications(pendingOnly: true).map(\.id) == [application.id])
    }

    /// An application whose listing is revoked before anyone decides it is moot: it is no longer
    /// to be decided, so it never shows as overdue.
    @Test func anApplicationWhoseListingWasRevokedIsNoLongerPending() async throws {
        let (fixture, listing, application) = try await applicationAYearAfterListing()
        _ = try await fixture.registry.removeListing(
            listingId: listing.id, reason: "revoked", removedOn: nil, authority: "AMR", documentNumber: "撤1", explanation: nil,
            by: regulator)
        fixture.clock.advance(days: 30)
        #expect(try await fixture.registry.repairApplications(pendingOnly: true).isEmpty)
        let all = try await fixture.registry.repairApplications(pendingOnly: false)
        #expect(all.map(\.id) == [application.id])
        // Listed in full as moot, past its deadline but never overdue.
        #expect(all.first?.isMoot == true)
        #expect(all.first?.isPending == false)
        #expect(all.first?.isOverdue(on: fixture.registry.today) == false)
        // Nothing is left to decide, either way: the application stays moot.
        try await expectMoot(application, of: fixture, state: "removed", saying: "moot")
        #expect(try await fixture.registry.repairApplications(pendingOnly: false).first?.isMoot == true)
        // A new application is refused because the listing is off its list, not because of the moot one.
        await #expect {
            _ = try await fixture.applyForRepair(listing.id)
        } throws: { error in
            guard case RegistryError.repairNotEligible(let id, _, _, _) = error else { return false }
            return id == listing.id
        }
    }

    /// Decides `application` both ways (dated `decidedOn`, today when nil): each must be
    /// refused, and `check` looks at the error.
    func expectEveryDecisionRefused(
        _ application: RepairApplication, of fixture: RegistryFixture, decidedOn: String? = nil, _ check: (RegistryError) -> Void
    ) async throws {
        for decision in ["approve", "reject"] {
            do {
                _ = try await fixture.registry.decideRepair(
                    applicationId: application.id, decision: decision, reason: "late", documentNumber: "晚1", decidedOn: decidedOn,
                    authority: nil, by: regulator)
                Issue.record("application \(application.id) was decided (\(decision))")
            } catch let error as RegistryError {
                check(error)
            }
        }
    }

    /// Deciding `application` either way is refused as moot, its listing in `state`.
    func expectMoot(_ application: RepairApplication, of fixture: RegistryFixture, state: String, saying text: String) async throws {
        try await expectEveryDecisionRefused(application, of: fixture) { error in
            guard case .invalidState(_, let listingState, _, let reason) = error else {
                Issue.record("\(error)")
                return
            }
            #expect(listingState == state)
            #expect(reason.contains(text), "\(reason)")
        }
    }

    /// A listing whose term has ended is expired, whether or not maintenance has removed it yet:
    /// an application still undecided is moot, and a new one is refused (both were accepted, and
    /// an approval removed an expired listing as repaired, hiding it from the public for good).
    @Test func aListingWhoseTermEndedIsNotRepairedBeforeMaintenanceExpiresIt() async throws {
        let (fixture, listing, application) = try await applicationAYearAfterListing()
        let end = try #require(listing.plannedEndDate)
        fixture.clock.advance(days: fixture.registry.today.days(until: end))
        try await expectMoot(application, of: fixture, state: "listed", saying: "moot: the listing's term ended on \(end)")
        #expect(try await fixture.registry.listings(code: code, view: .full).1.first?.state == .listed)
        await #expect(
            throws: RegistryError.repairNotEligible(
                listingId: listing.id, rule: "policy lists.serious-dishonesty.term", eligibleOn: nil,
                reason: "the listing's term ended on \(end): it is removed as expired, not by credit repair")
        ) { try await fixture.applyForRepair(listing.id) }
    }

    @Test func aRejectedApplicationLeavesTheListingAndAnOverdueOneIsPending() async throws {
        let fixture = try await RegistryFixture(today: "2026-03-02")
        try await fixture.register(code)
        let registry = fixture.registry
        let listing = try await fixture.listed(code, on: "2026-03-02")
        fixture.clock.advance(days: 400)
        let first = try await fixture.applyForRepair(listing.id)
        let (rejected, still) = try await registry.decideRepair(
            applicationId: first.id, decision: "reject", reason: "penalty not paid in full", documentNumber: "驳1", decidedOn: nil,
            authority: nil, by: regulator)
        #expect(rejected.outcome?.decision == .reject)
        #expect(still.state == .listed)
        let second = try await fixture.applyForRepair(listing.id)
        fixture.clock.advance(days: 16)
        let pending = try await registry.repairApplications(pendingOnly: true)
        #expect(pending.map(\.id) == [second.id])
        #expect(pending[0].isOverdue(on: registry.today))
        #expect(try await registry.repairApplications(pendingOnly: false).map(\.id) == [first.id, second.id])
    }

    /// A new application after a rejection is dated on or after that decision: dated before it,
    /// the record would show two applications undecided at once, which ApplyForRepair refuses.
    @Test func anApplicationDatedBeforeTheDecisionOnTheLastOneIsRefusedNamingAppliedOn() async throws {
        let (fixture, listing, first) = try await applicationAYearAfterListing()
        let registry = fixture.registry
        fixture.clock.advance(days: 3)
        _ = try await registry.decideRepair(
            applicationId: first.id, decision: "reject", reason: "penalty not paid in full", documentNumber: "驳2", decidedOn: nil,
            authority: nil, by: regulator)
        let decidedOn = registry.today
        func apply(on date: CivilDate) async throws -> RepairApplication {
            try await registry.applyForRepair(
                RepairApplicationRequest(
                    listingId: listing.id, appliedOn: date.description, commitmentLetterSHA256: String(repeating: "cd", count: 32),
                    penaltyFulfilment: "Fine paid in full", applicantContact: "Li Ming"),
                by: regulator)
        }
        for early in [first.appliedOn.adding(days: -1), first.appliedOn, decidedOn.adding(days: -1)] {
            await #expect {
                _ = try await apply(on: early)
            } throws: { error in
                guard case RegistryError.invalidArgument(let parameter, let reason) = error else { return false }
                return parameter == "appliedOn" && reason.contains("before the decision on application \(first.id) (\(decidedOn))")
            }
        }
        #expect(try await registry.repairApplications(pendingOnly: false).map(\.id) == [first.id], "nothing was recorded")
        let second = try await apply(on: decidedOn)
        #expect(second.appliedOn == decidedOn)
    }

    @Test func anUpheldObjectionWithdrawsAProposal() async throws {
        let (fixture, proposal) = try await proposalUnderObjection()
        let registry = fixture.registry
        let resolved = try await registry.resolveObjection(
            listingId: proposal.id, outcome: "upheld", resolvedOn: nil, authority: "AMR", documentNumber: "复核3", summary: nil,
            by: regulator)
        #expect(resolved.state == .withdrawn)
        #expect(resolved.steps.map(\.kind) == [.proposed, .objectionFiled, .objectionResolved, .withdrawn])
        // Withdrawn proposals were never public: nothing was published for them.
        #expect(try await fixture.publications().map(\.kind) == ["policy"])
    }

    /// A registry with one proposal, against which an objection was filed.
    private func proposalUnderObjection() async throws -> (RegistryFixture, Listing) {
        let fixture = try await RegistryFixture()
        try await fixture.register(code)
        let proposal = try await fixture.registry.proposeListing(fixture.proposal(code), by: regulator)
        _ = try await fixture.registry.fileObjection(listingId: proposal.id, filedOn: nil, summary: "wrong firm", by: regulator)
        return (fixture, proposal)
    }

    /// A proposal under objection may still be withdrawn: the objection is then moot, and
    /// nothing was ever published.
    @Test func aProposalUnderObjectionCanBeWithdrawn() async throws {
        let (fixture, proposal) = try await proposalUnderObjection()
        let registry = fixture.registry
        let withdrawn = try await registry.withdrawListing(
            listingId: proposal.id, reason: "dropped on review", withdrawnOn: nil, documentNumber: nil, by: regulator)
        #expect(withdrawn.state == .withdrawn)
        #expect(withdrawn.steps.map(\.kind) == [.proposed, .objectionFiled, .withdrawn])
        #expect(try await fixture.publications().map(\.kind) == ["policy"])
    }

    /// A file on the abnormal-operations list since 2026-03-02 (objections until 2026-04-01).
    func abnormalOperationsListing() async throws -> (RegistryFixture, Listing) {
        let fixture = try await RegistryFixture(today: "2026-03-02")
        try await fixture.register(code)
        return (fixture, try await fixture.listed(code, listType: "abnormal-operations", on: "2026-03-02"))
    }

    func expectObjectionWindowClosed(_ listing: Listing, _ registry: Registry) async {
        await #expect(
            throws: RegistryError.invalidState(
                listingId: listing.id, state: "listed", action: "file an objection", reason: "the objection window closed: its last day was 2026-04-01")
        ) {
            try await registry.fileObjection(listingId: listing.id, filedOn: nil, summary: "late", by: regulator)
        }
    }

    @Test func abnormalOperationsTakesObjectionsForThirtyDaysAfterPublication() async throws {
        let (fixture, listing) = try await abnormalOperationsListing()
        let registry = fixture.registry
        fixture.clock.advance(days: 31)
        await expectObjectionWindowClosed(listing, registry)
        // Recorded late, an objection filed on paper within the window may be dated back, but
        // not before the listing's last step (its publication here).
        await #expect(
            throws: RegistryError.invalidArgument(parameter: "filedOn", reason: "2026-03-01 is before the listing's last step (2026-03-02)")
        ) {
            try await registry.fileObjection(listingId: listing.id, filedOn: "2026-03-01", summary: "early", by: regulator)
        }
        let contested = try await registry.fileObjection(listingId: listing.id, filedOn: "2026-03-20", summary: "report was filed", by: regulator)
        #expect(contested.state == .contested)
        // Contested, it can be neither withdrawn nor removed: the refusal says what is left to do.
        await #expect(
            throws: RegistryError.invalidState(
                listingId: listing.id, state: "contested", action: "withdraw",
                reason: "it is already published and an objection is pending; resolve the objection (upheld removes it as revoked)")
        ) {
            try await registry.withdrawListing(listingId: listing.id, reason: "x", withdrawnOn: nil, documentNumber: nil, by: regulator)
        }
        let revoked = try await registry.resolveObjection(
            listingId: listing.id, outcome: "upheld", resolvedOn: nil, authority: "AMR", documentNumber: "复核9", summary: nil, by: regulator)
        #expect(revoked.state == .removed)
        #expect(revoked.removedStep?.removalReason == .revoked)
        // Two steps: the objection settled (the listing back where it was), then the revocation.
        #expect(revoked.steps.suffix(2).map(\.stateAfter) == [.listed, .removed])
        #expect(try await fixture.publications().map(\.kind) == ["policy", "listing", "removal"])
    }

    /// contested ──rejected──▶ listed: the listing stands as it was, and takes no second
    /// objection once its window has closed.
    @Test func aRejectedObjectionToAListingLeavesItListed() async throws {
        let (fixture, listing) = try await abnormalOperationsListing()
        let registry = fixture.registry
        fixture.clock.advance(days: 10)
        let contested = try await registry.fileObjection(listingId: listing.id, filedOn: nil, summary: "report was filed", by: regulator)
        #expect(contested.state == .contested)
        let kept = try await registry.resolveObjection(
            listingId: listing.id, outcome: "rejected", resolvedOn: nil, authority: "AMR", documentNumber: "复核10", summary: nil,
            by: regulator)
        #expect(kept.state == .listed)
        #expect(kept.removedStep == nil)
        #expect(try await fixture.publications().map(\.kind) == ["policy", "listing"])
        fixture.clock.advance(days: 30)
        await expectObjectionWindowClosed(listing, registry)
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

    /// A publication date whose term has already run out would make the file listed (grade D)
    /// until maintenance expired it, with a removal dated before the listing was recorded.
    @Test func aPublicationDateWhoseTermHasAlreadyEndedIsRefused() async throws {
        let fixture = try await RegistryFixture(today: "2026-03-02")
        try await fixture.register(code)
        let registry = fixture.registry
        let proposal = try await registry.proposeListing(fixture.proposal(code, decisionDate: "2020-01-10"), by: regulator)
        let published = try await fixture.publications().map(\.kind)
        await #expect(
            throws: RegistryError.invalidArgument(
                parameter: "publicationDate",
                reason: "a listing published on 2023-03-02 would have ended on 2026-03-02 (the list's term is P3Y), "
                    + "on or before today (2026-03-02): give the day it is published")
        ) {
            try await registry.confirmListing(listingId: proposal.id, publicationDate: "2023-03-02", authority: nil, documentNumber: nil, by: regulator)
        }
        #expect(try await registry.listing(id: proposal.id).state == .proposed)
        #expect(try await fixture.publications().map(\.kind) == published)
        // One day later, the term has one day left: it is published, and in force today.
        let listing = try await registry.confirmListing(
            listingId: proposal.id, publicationDate: "2023-03-03", authority: nil, documentNumber: nil, by: regulator)
        #expect(listing.plannedEndDate == CivilDate(iso: "2026-03-03"))
        #expect(try await registry.listings(code: code, view: .public).1.first?.state == .listed)
    }
}
