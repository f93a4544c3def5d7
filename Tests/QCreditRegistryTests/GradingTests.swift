import CanonicalJSON
import QCreditConfig
import QCreditDomain
import QCreditRegistry
import Testing

@Suite struct GradingTests {
    let code = RegistryFixture.usccA

    @Test func aPublishedGradeExplainsItself() async throws {
        let fixture = try await RegistryFixture(today: "2026-03-02")
        try await fixture.register(code)
        let eventId = try await fixture.registry.recordEvent(fixture.event(code, severity: "medium", occurredOn: "2026-01-15"), by: RegistryFixture.regulator)
        let summary = try await fixture.registry.publishGrades(codes: [code], by: RegistryFixture.regulator)
        #expect(summary == PublishSummary(published: 1))
        let view = try await fixture.registry.gradeInForce(code: code)
        let record = try #require(view.inForce.record)
        // 80 − round(15 × 1050 ÷ 1096) = 80 − 14 = 66: a C (60 ≤ 66 < 70).
        #expect(view.inForce.grade == "C")
        #expect(view.inForce.basis == .computed)
        #expect(record.score == 66)
        #expect(record.policyVersion == "2026.1")
        let contribution = try #require(record.explanation["contributions"]?.arrayValue?.first)
        #expect(contribution["eventId"] == .int(eventId))
        #expect(contribution["points"] == -15)
        #expect(contribution["windowDays"] == 1096)
        #expect(contribution["remainingDays"] == 1050)
        #expect(contribution["value"] == -14)
        #expect(record.explanation["baseScore"] == 80)
    }

    @Test func republishingAnUnchangedGradePublishesNothing() async throws {
        let fixture = try await RegistryFixture()
        try await fixture.register(code)
        try await fixture.register(RegistryFixture.usccB)
        #expect(try await fixture.registry.publishGrades(codes: nil, by: RegistryFixture.regulator) == PublishSummary(published: 2))
        let size = try await fixture.registry.logSize()
        #expect(try await fixture.registry.publishGrades(codes: nil, by: RegistryFixture.regulator) == PublishSummary(unchanged: 2))
        #expect(try await fixture.registry.logSize() == size)
    }

    @Test func aSeriousDishonestyListingForcesDAtOnceAndRepairLiftsIt() async throws {
        let fixture = try await RegistryFixture(today: "2026-03-02")
        try await fixture.register(code)
        _ = try await fixture.registry.publishGrades(codes: [code], by: RegistryFixture.regulator)
        #expect(try await fixture.registry.gradeInForce(code: code).inForce.grade == "A")
        let listing = try await fixture.listed(code)
        let forced = try await fixture.registry.gradeInForce(code: code)
        #expect(forced.inForce.grade == "D")
        #expect(forced.inForce.basis == .listing)
        #expect(forced.inForce.bindingCaps.map(\.listingId) == [listing.id])
        #expect(forced.inForce.publicationIndex == listing.listedStep?.publicationIndex)
        #expect(forced.listTypes == ["serious-dishonesty"])
        fixture.clock.advance(days: 366)
        try await fixture.repair(listing.id)
        let repaired = try await fixture.registry.gradeInForce(code: code)
        #expect(repaired.inForce.grade == "A")
        #expect(repaired.inForce.basis == .computed)
    }

    @Test func aNeverGradedButListedEnterpriseIsD() async throws {
        let fixture = try await RegistryFixture()
        try await fixture.register(code)
        #expect(try await fixture.registry.gradeInForce(code: code).inForce.basis == .ungraded)
        _ = try await fixture.listed(code)
        #expect(try await fixture.registry.gradeInForce(code: code).inForce.grade == "D")
    }

    @Test func abnormalOperationsCapsAtC() async throws {
        let fixture = try await RegistryFixture()
        try await fixture.register(code)
        _ = try await fixture.registry.publishGrades(codes: [code], by: RegistryFixture.regulator)
        _ = try await fixture.listed(code, listType: "abnormal-operations")
        let view = try await fixture.registry.gradeInForce(code: code)
        #expect(view.inForce.grade == "C")
        #expect(view.inForce.record?.grade == "A")
        #expect(view.inForce.basis == .listing)
    }

    @Test func anOverrideStandsUntilItsEndDateAndPublishingSkipsIt() async throws {
        let fixture = try await RegistryFixture(today: "2026-03-02")
        try await fixture.register(code)
        _ = try await fixture.registry.publishGrades(codes: [code], by: RegistryFixture.regulator)
        let overridden = try await fixture.registry.overrideGrade(
            code: code, grade: "B", reason: "pending investigation", documentNumber: "豫市监〔2026〕7号", until: "2026-03-31",
            by: RegistryFixture.regulator)
        #expect(overridden.inForce.grade == "B")
        #expect(overridden.inForce.basis == .override)
        #expect(try await fixture.registry.publishGrades(codes: [code], by: RegistryFixture.regulator) == PublishSummary(overridden: 1))
        fixture.clock.advance(days: 30)
        // The day after its last day it stands until that day's regrade (or a PublishGrades)
        // publishes the computed grade.
        #expect(try await fixture.registry.gradeInForce(code: code).inForce.grade == "B")
        #expect(try await fixture.registry.publishGrades(codes: [code], by: RegistryFixture.regulator).published == 1)
        #expect(try await fixture.registry.gradeInForce(code: code).inForce.grade == "A")
        await #expect(throws: RegistryError.self) {
            try await fixture.registry.overrideGrade(code: code, grade: "E", reason: "x", documentNumber: "y", until: nil, by: RegistryFixture.regulator)
        }
    }

    /// "Until 9999-12-31" is how a regulator writes "no end": the override's disclosure end
    /// (its last day + 1 + the policy's period) stays a date the store can write, read and
    /// order, and replacing the override still ends its disclosure on time.
    @Test func anOverrideUntilTheLastDateOfYear9999IsStoredAndReplacedLikeAnyOther() async throws {
        let fixture = try await RegistryFixture(today: "2026-03-02")
        try await fixture.register(code)
        let first = try await fixture.registry.overrideGrade(
            code: code, grade: "AA", reason: "model enterprise", documentNumber: "豫市监〔2026〕8号", until: "9999-12-31",
            by: RegistryFixture.regulator)
        let index = try #require(first.inForce.publicationIndex)
        #expect(try await fixture.database.read { try $0.disclosureEnd(of: index) } == CivilDate.latest)
        _ = try await fixture.registry.overrideGrade(
            code: code, grade: "B", reason: "pending investigation", documentNumber: "豫市监〔2026〕9号", until: nil,
            by: RegistryFixture.regulator)
        let replacedEnds = CivilDate(iso: "2026-03-02")!.adding(fixture.registry.policy.disclosure.gradesAfterReplaced)
        #expect(try await fixture.database.read { try $0.disclosureEnd(of: index) } == replacedEnds)
        _ = try await fixture.registry.runMaintenance()
        #expect(try await fixture.registry.creditFile(code: code, view: .public).grades.count == 2)
    }

    @Test func theGradeOnAPastDateIsTheOneInForceThen() async throws {
        let fixture = try await RegistryFixture(today: "2026-03-02")
        try await fixture.register(code)
        _ = try await fixture.registry.publishGrades(codes: [code], by: RegistryFixture.regulator)
        fixture.clock.advance(days: 10)
        _ = try await fixture.registry.recordEvent(fixture.event(code, severity: "high", occurredOn: "2026-03-10"), by: RegistryFixture.regulator)
        _ = try await fixture.registry.publishGrades(codes: [code], by: RegistryFixture.regulator)
        let registry = fixture.registry
        #expect(try await registry.gradeInForce(code: code, at: registry.moment("2026-03-01")).inForce.basis == .ungraded)
        #expect(try await registry.gradeInForce(code: code, at: registry.moment("2026-03-02")).inForce.grade == "A")
        #expect(try await registry.gradeInForce(code: code, at: registry.moment("2026-03-11")).inForce.grade == "A")
        #expect(try await registry.gradeInForce(code: code, at: registry.moment("2026-03-12")).inForce.grade == "D")
        #expect(try await registry.gradeInForce(code: code, at: registry.moment("2026-03-05T00:00:00+08:00")).inForce.grade == "A")
        #expect(throws: RegistryError.self) { try registry.moment("yesterday") }
        // A day the calendar lacks is named as such, as every date parameter names it.
        #expect(throws: RegistryError.invalidArgument(parameter: "at", reason: "'2026-02-30' is not a day of the calendar: 2026-02 has 28 days, not 30")) {
            try registry.moment("2026-02-30")
        }
    }

    /// A listing counts from the moment it was recorded, not from the start of its publication
    /// day: the grade at a past moment is the grade the registry answered at that moment, and
    /// never names a record that did not exist yet. So is its removal.
    @Test func aListingCountsFromWhenItWasRecordedNotFromTheStartOfItsDay() async throws {
        let fixture = try await RegistryFixture(today: "2026-03-02")
        try await fixture.register(code)
        _ = try await fixture.registry.publishGrades(codes: [code], by: RegistryFixture.regulator)
        fixture.clock.advance(days: 1)
        fixture.clock.set(Instant(secondsSinceEpoch: fixture.clock.now().secondsSinceEpoch + 10 * 3600))
        let beforeListing = fixture.clock.now()
        fixture.clock.set(Instant(secondsSinceEpoch: beforeListing.secondsSinceEpoch + 60))
        let listing = try await fixture.listed(code)
        #expect(listing.publicationDate == fixture.registry.today)
        let registry = fixture.registry
        let before = try await registry.gradeInForce(code: code, at: beforeListing, view: .full)
        #expect(before.inForce.grade == "A")
        #expect(before.inForce.caps.isEmpty, "the listing did not exist yet")
        #expect(try await registry.gradeInForce(code: code, view: .full).inForce.grade == "D")

        fixture.clock.advance(days: 10)
        let beforeRemoval = fixture.clock.now()
        fixture.clock.set(Instant(secondsSinceEpoch: beforeRemoval.secondsSinceEpoch + 60))
        _ = try await registry.removeListing(
            listingId: listing.id, reason: "revoked", removedOn: nil, authority: "AMR", documentNumber: "x", explanation: nil,
            by: RegistryFixture.regulator)
        #expect(try await registry.gradeInForce(code: code, at: beforeRemoval, view: .full).inForce.grade == "D")
        #expect(try await registry.gradeInForce(code: code, view: .full).inForce.grade == "A")
    }

    @Test func aRecentHighPenaltyCapsTheGradeWhateverTheScore() throws {
        let policy = try PolicyFile.defaultPolicy()
        func event(_ id: Int64, _ kind: EventKind, _ severity: Severity) -> QualityEvent {
            QualityEvent(
                id: id,
                details: QualityEventDetails(
                    dimension: .product, kind: kind, severity: severity, occurredOn: CivilDate(iso: "2026-01-01")!,
                    authority: "AMR", documentNumber: "1", summary: "s"),
                recordedAt: Instant(secondsSinceEpoch: 0))
        }
        let events = [event(1, .award, .high), event(2, .award, .high), event(3, .award, .high), event(4, .penalty, .high)]
        let computation = policy.computeGrade(events: events, asOf: CivilDate(iso: "2026-01-02")!)
        #expect(computation.scoreGrade == "AAA" || computation.scoreGrade == "AA" || computation.scoreGrade == "A")
        #expect(computation.grade == "B")
        #expect(computation.caps.map(\.eventId) == [4])
        // A year later the cap no longer applies; the penalty still weighs (linear decay).
        let later = policy.computeGrade(events: events, asOf: CivilDate(iso: "2027-01-02")!)
        #expect(later.caps.isEmpty)
        #expect(later.grade != "B")
    }

    @Test func eventsOutsideTheirWindowOrSupersededDoNotCount() throws {
        let policy = try PolicyFile.defaultPolicy()
        let details = QualityEventDetails(
            dimension: .service, kind: .complaint, severity: .high, occurredOn: CivilDate(iso: "2025-01-01")!,
            authority: "12365", documentNumber: "c-1", summary: "s")
        let old = QualityEvent(id: 1, details: details, recordedAt: Instant(secondsSinceEpoch: 0))
        let superseded = QualityEvent(id: 2, details: details, recordedAt: Instant(secondsSinceEpoch: 0), supersededBy: 3)
        #expect(policy.computeGrade(events: [old, superseded], asOf: CivilDate(iso: "2026-01-01")!).contributions.isEmpty)
        #expect(policy.computeGrade(events: [old], asOf: CivilDate(iso: "2025-12-31")!).contributions.count == 1)
    }
}
