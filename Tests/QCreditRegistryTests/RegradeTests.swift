import Logging
import QCreditConfig
import QCreditDomain
import QCreditRegistry
import Testing

/// Maintenance keeps published grades fresh: on the day the policy gives a file another letter
/// (or other caps), the new grade is published with no call from anyone.
@Suite struct RegradeTests {
    let code = RegistryFixture.usccA
    /// The daemon's default schedule: at midnight, Beijing time.
    let midnight = RegradeSchedule(minuteOfDay: 0, utcOffset: .beijing)

    /// Just after the regrade time on `date`.
    func morning(_ date: String) -> Instant {
        Instant(secondsSinceEpoch: Instant.startOfDay(CivilDate(iso: date)!).secondsSinceEpoch + 60)
    }

    /// PublishGrades decides as the regrade does: a score that moved alone is no decision.
    @Test func publishGradesLeavesAGradeWhoseScoreAloneMoved() async throws {
        let fixture = try await RegistryFixture(today: "2026-03-02")
        try await fixture.register(code)
        _ = try await fixture.registry.publishGrades(codes: [code], by: RegistryFixture.regulator)
        let before = try await fixture.registry.gradeInForce(code: code).inForce
        #expect(before.grade == "A" && before.record?.score == 80)
        // A small award moves the score, not the letter (AA needs 90).
        _ = try await fixture.registry.recordEvent(
            fixture.event(code, kind: "award", severity: "low", occurredOn: "2026-03-01"), by: RegistryFixture.regulator)
        let events = try await fixture.registry.creditFile(code: code, view: .full).events
        let today = fixture.registry.policy.computeGrade(events: events, asOf: CivilDate(iso: "2026-03-02")!)
        #expect(today.grade == "A" && today.score != 80)
        let published = try await fixture.publications().count
        #expect(try await fixture.registry.publishGrades(codes: [code], by: RegistryFixture.regulator) == PublishSummary(unchanged: 1))
        #expect(try await fixture.publications().count == published)
        #expect(try await fixture.registry.gradeInForce(code: code).inForce.record?.score == 80)
    }

    /// README, *Files no longer active*: a deregistered file keeps its last grade; events may
    /// still be recorded on it, but neither PublishGrades (which counts it as inactive) nor the
    /// daily regrade grades it again, until one of its events is corrected or retracted.
    @Test func aFileNoLongerActiveKeepsItsLastGradeUntilAnEventOfItIsCorrected() async throws {
        let fixture = try await RegistryFixture(today: "2026-03-02")
        let registry = fixture.registry
        try await fixture.register(code)
        let penalty = try await registry.recordEvent(fixture.event(code, occurredOn: "2026-03-01"), by: RegistryFixture.regulator)
        _ = try await registry.publishGrades(codes: [code], by: RegistryFixture.regulator)
        let last = try await registry.gradeInForce(code: code).inForce
        _ = try await registry.updateEnterprise(
            EnterpriseUpdate(code: code, status: "deregistered", reason: "deregistered at its own request"), by: RegistryFixture.regulator)
        let published = try await fixture.publications().count

        // An event that would change the letter is recorded, and changes nothing published.
        _ = try await registry.recordEvent(
            fixture.event(code, kind: "recall", severity: "high", occurredOn: "2026-03-02"), by: RegistryFixture.regulator)
        #expect(try await registry.publishGrades(codes: [code], by: RegistryFixture.regulator) == PublishSummary(inactive: 1))
        #expect(try await registry.publishGrades(codes: nil, by: RegistryFixture.regulator).inactive == 1)
        fixture.clock.advance(days: 400)
        _ = try await registry.regradeDueFiles()
        #expect(try await fixture.publications().count == published)
        #expect(try await registry.gradeInForce(code: code).inForce == last)

        // Retracting its penalty publishes its grade again, without that event.
        _ = try await registry.correctEvent(eventId: penalty, replacement: nil, reason: "issued in error", by: RegistryFixture.regulator)
        let after = try await registry.gradeInForce(code: code).inForce
        #expect(try await fixture.publications().count == published + 1)
        let contributions = after.record?.explanation["contributions"]?.arrayValue ?? []
        #expect(!contributions.contains { $0["eventId"]?.intValue == penalty }, "\(contributions)")
    }

    /// A clock set back (a rehearsal undone, a corrected clock) does not make the grades
    /// published "later" look absent: an unchanged grade is not published again, by
    /// PublishGrades over one file, over every file, or by the regrade.
    @Test func aClockSetBackDoesNotRepublishUnchangedGrades() async throws {
        let fixture = try await RegistryFixture(today: "2026-03-02")
        try await fixture.register(code)
        try await fixture.register(RegistryFixture.usccB)
        #expect(try await fixture.registry.publishGrades(codes: nil, by: RegistryFixture.regulator).published == 2)
        let published = try await fixture.publications().count
        fixture.clock.advance(days: -1)
        #expect(try await fixture.registry.publishGrades(codes: [code], by: RegistryFixture.regulator) == PublishSummary(unchanged: 1))
        #expect(try await fixture.registry.publishGrades(codes: nil, by: RegistryFixture.regulator).published == 0)
        _ = try await fixture.registry.regradeDueFiles()
        #expect(try await fixture.publications().count == published)
    }

    /// A regrade that yields to peers (maintenance's run after writes fall quiet) does its first
    /// batch, then stops before the next once a peer has started a write, so the next import
    /// keeps the writer (and writes that never pause still let it progress); the files it did
    /// not reach stay due and the day's run is not marked done. The next run that sees no peer
    /// write finishes them.
    @Test func aRegradeThatYieldsStopsForAPeersWriteAndTheNextRunFinishes() async throws {
        let fixture = try await RegistryFixture(today: "2026-03-02")
        let codes = [RegistryFixture.usccA, RegistryFixture.usccB, "00251805-7"]
        for code in codes {
            try await fixture.register(code)
            _ = try await fixture.registry.recordEvent(
                fixture.event(code, kind: "award", severity: "high", occurredOn: "2026-03-01"), by: RegistryFixture.regulator)
        }
        let counted = fixture.registry.peerWriteCount
        // A peer's write after the count was read: an import's next batch, say.
        _ = try await fixture.registry.recordEvent(fixture.event(codes[0], occurredOn: "2026-03-01"), by: RegistryFixture.regulator)
        #expect(fixture.registry.peerWriteCount > counted)
        let stopped = try await fixture.registry.regradeDueFiles(batchSize: 1, yieldingToPeerWritesAfter: counted)
        #expect(stopped.yielded && stopped.recomputed == 1, "\(stopped)")
        #expect(try await fixture.registry.lastRegradeDate() == nil)
        // The registry's own writes (this regrade's batches) are not a peer's.
        let quiet = fixture.registry.peerWriteCount
        let finished = try await fixture.registry.regradeDueFiles(batchSize: 1, yieldingToPeerWritesAfter: quiet)
        #expect(!finished.yielded && finished.recomputed == 2 && finished.published == 2, "\(finished)")
        #expect(fixture.registry.peerWriteCount == quiet)
        #expect(try await fixture.registry.lastRegradeDate() == CivilDate(iso: "2026-03-02"))
    }

    /// Two regrades at once (the daemon's scheduled run beside an operator's RunMaintenance)
    /// each report only what they did: a file the other regraded since this one listed it is
    /// no longer due, and is neither recomputed again nor counted twice.
    @Test func twoRegradesAtOnceCountEachFileOnce() async throws {
        let fixture = try await RegistryFixture(today: "2026-03-02")
        let codes = (0..<12).map { USCC.madeUp(serial: 700 + $0) }
        for code in codes {
            try await fixture.register(code)
            _ = try await fixture.registry.recordEvent(
                fixture.event(code, kind: "award", severity: "high", occurredOn: "2026-03-01"), by: RegistryFixture.regulator)
        }
        let published = try await fixture.publications().count
        async let first = fixture.registry.regradeDueFiles(batchSize: 1)
        async let second = fixture.registry.regradeDueFiles(batchSize: 1)
        let (a, b) = try await (first, second)
        #expect(a.recomputed + b.recomputed == codes.count, "\(a) \(b)")
        #expect(a.published + b.published == codes.count, "\(a) \(b)")
        #expect(try await fixture.publications().count == published + codes.count)
    }

    @Test func theGradeChangesOnTheDayAnEventWindowClosesWithNoCall() async throws {
        let fixture = try await RegistryFixture(today: "2026-03-02")
        try await fixture.register(code)
        // An award (+10, no decay, three years) lifts the base 80 (A) to 90 (AA) until 2029-01-15.
        _ = try await fixture.registry.recordEvent(
            fixture.event(code, kind: "award", severity: "high", occurredOn: "2026-01-15"), by: RegistryFixture.regulator)
        _ = try await fixture.registry.publishGrades(codes: [code], by: RegistryFixture.regulator)
        #expect(try await fixture.registry.gradeInForce(code: code).inForce.grade == "AA")
        let published = try await fixture.publications().count

        fixture.clock.set(morning("2029-01-14"))
        let before = try await fixture.registry.runScheduledRegrade(midnight)
        #expect(before?.recomputed == 0)
        #expect(try await fixture.registry.gradeInForce(code: code).inForce.grade == "AA")

        fixture.clock.set(morning("2029-01-15"))
        let onTheDay = try await fixture.registry.runScheduledRegrade(midnight)
        #expect(onTheDay?.published == 1)
        let grade = try await fixture.registry.gradeInForce(code: code)
        #expect(grade.inForce.grade == "A")
        #expect(grade.inForce.record?.effectiveAt == morning("2029-01-15"))
        let records = try await fixture.publications()
        #expect(records.count == published + 1)
        #expect(records.last?.kind == "grade")
        #expect(records.last?.body["grade"]?["grade"] == "A")
        // Nothing lies ahead: the file is not recomputed again.
        #expect(try await fixture.database.read { try $0.regradeDue(enterpriseId: grade.enterprise.id) } == nil)
        fixture.clock.set(morning("2029-01-16"))
        #expect(try await fixture.registry.runScheduledRegrade(midnight)?.recomputed == 0)
    }

    /// A new policy version changes what "the policy applied today" gives: every graded file is
    /// recomputed by the next maintenance tick, even on a day whose run is done, and a file whose
    /// letter it changes gets its new grade published; one whose letter stays keeps its record.
    @Test func aNewPolicyVersionRegradesEveryGradedFileTheSameDay() async throws {
        let fixture = try await RegistryFixture(today: "2026-03-02")
        let other = RegistryFixture.usccB
        try await fixture.register(code)
        try await fixture.register(other)
        _ = try await fixture.registry.recordEvent(
            fixture.event(other, kind: "award", severity: "high", occurredOn: "2026-01-15"), by: RegistryFixture.regulator)
        _ = try await fixture.registry.publishGrades(codes: nil, by: RegistryFixture.regulator)
        #expect(try await fixture.registry.runScheduledRegrade(midnight)?.published == 0)
        #expect(try await fixture.registry.gradeInForce(code: code).inForce.grade == "A")  // base 80
        #expect(try await fixture.registry.gradeInForce(code: other).inForce.grade == "AA")  // 80 + 10

        // Version 2026.2: every file starts from 60, so both letters fall.
        let text = PolicyFile.defaultText.replacingOccurrences(of: "version = \"2026.1\"", with: "version = \"2026.2\"")
            .replacingOccurrences(of: "baseScore = 80", with: "baseScore = 60")
        let changed = try PolicyFile.parse(text, file: "policy.toml")
        let registry = try await Registry(
            database: fixture.database, policy: changed, clock: fixture.clock,
            logger: Logger(label: "qcredit.test", factory: { _ in SwiftLogNoOpLogHandler() }))
        let summary = try await registry.runScheduledRegrade(midnight)
        #expect(summary?.recomputed == 2)
        #expect(summary?.published == 2)
        let regraded = try await registry.gradeInForce(code: code)
        #expect(regraded.inForce.grade != "A")
        #expect(regraded.inForce.record?.policyVersion == "2026.2")
        #expect(try await registry.gradeInForce(code: other).inForce.record?.policyVersion == "2026.2")

        // Back to 2026.1: nothing new in the log for the policy, and the grades follow it again.
        let records = try await fixture.publications().count
        let reverted = try await Registry(
            database: fixture.database, policy: PolicyFile.defaultPolicy(), clock: fixture.clock,
            logger: Logger(label: "qcredit.test", factory: { _ in SwiftLogNoOpLogHandler() }))
        #expect(try await reverted.runScheduledRegrade(midnight)?.published == 2)
        #expect(try await fixture.publications().count == records + 2)
        #expect(try await reverted.gradeInForce(code: code).inForce.grade == "A")
        // Started again with the same policy: nothing is due.
        let again = try await Registry(
            database: fixture.database, policy: PolicyFile.defaultPolicy(), clock: fixture.clock,
            logger: Logger(label: "qcredit.test", factory: { _ in SwiftLogNoOpLogHandler() }))
        #expect(try await again.runScheduledRegrade(midnight)?.recomputed == 0)
    }

    /// A listing keeps the cap of the policy it was published under, as it keeps its term: a new
    /// version that changes the list's cap neither changes the grade answered for the file
    /// without a publication, nor what `GetGradeAt` says the registry answered on a past day.
    /// A listing published under the new version takes the new cap.
    @Test func aListingKeepsTheCapItWasPublishedWith() async throws {
        let fixture = try await RegistryFixture(today: "2026-03-02")
        let other = RegistryFixture.usccB
        try await fixture.register(code)
        try await fixture.register(other)
        _ = try await fixture.registry.publishGrades(codes: nil, by: RegistryFixture.regulator)
        _ = try await fixture.listed(code, listType: "abnormal-operations", on: "2026-03-02")
        #expect(try await fixture.registry.gradeInForce(code: code).inForce.grade == "C")
        let listedDay = try fixture.registry.moment("2026-03-02")

        fixture.clock.set(morning("2026-03-05"))
        let text = PolicyFile.defaultText.replacingOccurrences(of: "version = \"2026.1\"", with: "version = \"2026.2\"")
            .replacingOccurrences(of: "[lists.abnormal-operations]\nmaximumGrade = \"C\"", with: "[lists.abnormal-operations]\nmaximumGrade = \"B\"")
        #expect(text.contains("[lists.abnormal-operations]\nmaximumGrade = \"B\""))
        let registry = try await Registry(
            database: fixture.database, policy: try PolicyFile.parse(text, file: "policy.toml"), clock: fixture.clock,
            logger: Logger(label: "qcredit.test", factory: { _ in SwiftLogNoOpLogHandler() }))
        let records = try await fixture.publications().count
        #expect(try await registry.runScheduledRegrade(midnight)?.published == 0)
        #expect(try await fixture.publications().count == records)
        for view in [RecordView.public, .full] {
            let now = try await registry.gradeInForce(code: code, view: view)
            #expect(now.inForce.grade == "C", "\(view)")
            #expect(now.inForce.caps.map(\.maximumGrade) == ["C"], "\(view)")
            #expect(try await registry.gradeInForce(code: code, at: listedDay, view: view).inForce.grade == "C", "\(view)")
        }
        // Listed under 2026.2: its cap is 2026.2's.
        let otherListing = try await registry.confirmListing(
            listingId: try await registry.proposeListing(fixture.proposal(other, listType: "abnormal-operations"), by: RegistryFixture.regulator).id,
            publicationDate: nil, authority: nil, documentNumber: nil, by: RegistryFixture.regulator)
        #expect(otherListing.listedStep?.maximumGrade == "B")
        #expect(try await registry.gradeInForce(code: other).inForce.grade == "B")
    }

    /// A policy that shows events for less time ends the disclosure of grade records already
    /// published that count them by the new period: the public never sees a grade naming an
    /// event it may no longer see. A longer period again does not bring them back.
    @Test func aShorterEventPeriodEndsTheDisclosureOfGradesThatCountOlderEvents() async throws {
        let fixture = try await RegistryFixture(today: "2026-03-02")
        try await fixture.register(code)
        _ = try await fixture.registry.recordEvent(
            fixture.event(code, kind: "penalty", severity: "medium", occurredOn: "2025-01-15"), by: RegistryFixture.regulator)
        _ = try await fixture.registry.publishGrades(codes: nil, by: RegistryFixture.regulator)
        let old = try #require(try await fixture.registry.gradeInForce(code: code, view: .full).inForce.record)
        let today = try #require(CivilDate(iso: "2026-03-02"))
        #expect(try await fixture.database.read { try $0.isDisclosed(old.publicationIndex, on: today) })

        let text = PolicyFile.defaultText.replacingOccurrences(of: "version = \"2026.1\"", with: "version = \"2026.2\"")
            .replacingOccurrences(of: "window = \"P3Y\"", with: "window = \"P1Y\"")
            .replacingOccurrences(of: "events = \"P3Y\"", with: "events = \"P1Y\"")
        let shorter = try PolicyFile.parse(text, file: "policy.toml")
        #expect(shorter.disclosure.events.description == "P1Y")
        let registry = try await Registry(
            database: fixture.database, policy: shorter, clock: fixture.clock,
            logger: Logger(label: "qcredit.test", factory: { _ in SwiftLogNoOpLogHandler() }))
        // The event happened more than a year ago: neither it nor the grade counting it is shown.
        #expect(try await fixture.database.read { try $0.isDisclosed(old.publicationIndex, on: today) } == false)
        #expect(try await fixture.database.read { try $0.disclosureEnd(of: old.publicationIndex) } == CivilDate(iso: "2026-01-15"))
        _ = try await registry.runScheduledRegrade(midnight)
        let now = try await registry.gradeInForce(code: code)
        #expect(now.inForce.record?.publicationIndex != old.publicationIndex)
        let before = try registry.moment("2026-03-01")
        #expect(try await registry.gradeInForce(code: code, at: before).inForce.record?.publicationIndex != old.publicationIndex)

        // Back to three years: the end already recorded stands.
        _ = try await Registry(
            database: fixture.database, policy: PolicyFile.defaultPolicy(), clock: fixture.clock,
            logger: Logger(label: "qcredit.test", factory: { _ in SwiftLogNoOpLogHandler() }))
        #expect(try await fixture.database.read { try $0.isDisclosed(old.publicationIndex, on: today) } == false)
    }

    /// A grade record whose disclosure a shorter `events` period ended sooner keeps that end
    /// after a return to the longer period, while its event counts on: the day the record stops
    /// being disclosed, a successor with the same letter is published (the regrade is due that
    /// day, whatever PublishGrades decides meanwhile). It was not: a bank was told "ungraded"
    /// for the year until the event's window closed, and neither maintenance nor a publish
    /// changed that (audit).
    @Test func aGradeWhoseDisclosureEndsBeforeItChangesGetsASuccessorThatDay() async throws {
        let fixture = try await RegistryFixture(today: "2026-03-02")
        try await fixture.register(code)
        _ = try await fixture.registry.recordEvent(
            fixture.event(code, kind: "award", severity: "high", occurredOn: "2025-01-01"), by: RegistryFixture.regulator)
        _ = try await fixture.registry.publishGrades(codes: nil, by: RegistryFixture.regulator)
        let graded = try await fixture.registry.gradeInForce(code: code)
        let first = try #require(graded.inForce.record)
        let shorterText = PolicyFile.defaultText.replacingOccurrences(of: "version = \"2026.1\"", with: "version = \"2026.2\"")
            .replacingOccurrences(of: "\"P3Y\"", with: "\"P2Y\"")
        func putInForce(_ policy: Policy) async throws -> Registry {
            let registry = try await fixture.restarted(under: policy)
            _ = try await registry.runScheduledRegrade(midnight)
            return registry
        }
        _ = try await putInForce(try PolicyFile.parse(shorterText, file: "policy.toml"))
        let endsOn = try #require(CivilDate(iso: "2027-01-01"))
        #expect(try await fixture.database.read { try $0.disclosureEnd(of: first.publicationIndex) } == endsOn)
        let registry = try await putInForce(try PolicyFile.defaultPolicy())
        #expect(try await registry.gradeInForce(code: code).inForce.record == first, "the letter stays: the record is kept")
        // PublishGrades, over every file and over one, keeps the day too.
        _ = try await registry.publishGrades(codes: nil, by: RegistryFixture.regulator)
        _ = try await registry.publishGrades(codes: [code], by: RegistryFixture.regulator)
        #expect(try await fixture.database.read { try $0.regradeDue(enterpriseId: graded.enterprise.id) } == endsOn)

        fixture.clock.set(morning("2027-01-01"))
        #expect(try await registry.runScheduledRegrade(midnight)?.published == 1)
        let successor = try #require(try await registry.gradeInForce(code: code).inForce.record)
        #expect(successor.publicationIndex != first.publicationIndex && successor.grade == first.grade)
        #expect(try await fixture.database.read { try $0.isDisclosed(successor.publicationIndex, on: endsOn) })
    }

    /// The maintenance run at start applies a new policy at once, also before the day's
    /// scheduled time (02:00 here, started at 01:00 after yesterday's run).
    @Test func aNewPolicyVersionIsAppliedAtStartBeforeTheScheduledTime() async throws {
        let twoAM = RegradeSchedule(minuteOfDay: 2 * 60, utcOffset: .beijing)
        let fixture = try await RegistryFixture(today: "2026-03-01")
        try await fixture.register(code)
        _ = try await fixture.registry.publishGrades(codes: nil, by: RegistryFixture.regulator)
        fixture.clock.set(Instant(secondsSinceEpoch: Instant.startOfDay(CivilDate(iso: "2026-03-01")!).secondsSinceEpoch + 3 * 3600))
        #expect(try await fixture.registry.runScheduledRegrade(twoAM) != nil)
        fixture.clock.set(Instant(secondsSinceEpoch: Instant.startOfDay(CivilDate(iso: "2026-03-02")!).secondsSinceEpoch + 3600))
        #expect(try await fixture.registry.runScheduledRegrade(twoAM) == nil, "01:00: the day's run is at 02:00")

        let text = PolicyFile.defaultText.replacingOccurrences(of: "version = \"2026.1\"", with: "version = \"2026.2\"")
            .replacingOccurrences(of: "baseScore = 80", with: "baseScore = 60")
        let registry = try await Registry(
            database: fixture.database, policy: try PolicyFile.parse(text, file: "policy.toml"), clock: fixture.clock,
            logger: Logger(label: "qcredit.test", factory: { _ in SwiftLogNoOpLogHandler() }))
        #expect(try await registry.runScheduledRegrade(twoAM)?.published == 1)
        let regraded = try await registry.gradeInForce(code: code)
        #expect(regraded.inForce.record?.policyVersion == "2026.2")
        #expect(regraded.inForce.grade != "A")
    }

    @Test func aScoreThatMovesAloneIsNotPublishedAndGetGradeKeepsThePublishedScore() async throws {
        let fixture = try await RegistryFixture(today: "2026-03-02")
        try await fixture.register(code)
        // A low penalty (-5, fading over three years): 75 (B) now, 80 (A) near the window's end.
        _ = try await fixture.registry.recordEvent(
            fixture.event(code, kind: "penalty", severity: "low", occurredOn: "2026-03-02"), by: RegistryFixture.regulator)
        _ = try await fixture.registry.publishGrades(codes: [code], by: RegistryFixture.regulator)
        let first = try await fixture.registry.gradeInForce(code: code)
        #expect(first.inForce.grade == "B")
        #expect(first.inForce.record?.score == 75)
        let due = try #require(try await fixture.database.read { try $0.regradeDue(enterpriseId: first.enterprise.id) })
        let policy = try PolicyFile.defaultPolicy()
        let events = try await fixture.database.read { try $0.events(enterpriseId: first.enterprise.id) }
        #expect(policy.computeGrade(events: events, asOf: due).grade == "A")
        #expect(policy.computeGrade(events: events, asOf: due.adding(days: -1)).grade == "B")

        // A year on, the score has moved (77) but not the letter: nothing is even recomputed.
        fixture.clock.set(morning("2027-03-02"))
        #expect(try await fixture.registry.runScheduledRegrade(midnight)?.recomputed == 0)
        #expect(policy.computeGrade(events: events, asOf: fixture.registry.today).score == 77)
        #expect(try await fixture.registry.gradeInForce(code: code).inForce.record?.score == 75)

        fixture.clock.set(morning(due.description))
        #expect(try await fixture.registry.runScheduledRegrade(midnight)?.published == 1)
        #expect(try await fixture.registry.gradeInForce(code: code).inForce.grade == "A")
    }

    @Test func aRecordedEventIsRegradedTheSameDayOnceTheDailyRunHasPassed() async throws {
        let fixture = try await RegistryFixture(today: "2026-03-02")
        try await fixture.register(code)
        _ = try await fixture.registry.publishGrades(codes: [code], by: RegistryFixture.regulator)
        #expect(try await fixture.registry.runScheduledRegrade(midnight) != nil)
        _ = try await fixture.registry.recordEvent(
            fixture.event(code, kind: "penalty", severity: "high", occurredOn: "2026-03-01"), by: RegistryFixture.regulator)
        let summary = try await fixture.registry.runScheduledRegrade(midnight)
        #expect(summary?.published == 1)
        // A high penalty takes 30 points: 50 is a D.
        #expect(try await fixture.registry.gradeInForce(code: code).inForce.grade == "D")
    }

    /// A file import is a way of recording events like any other: the daily run's later ticks
    /// regrade the files it touched that same day.
    @Test func anImportedEventIsRegradedTheSameDayLikeARecordedOne() async throws {
        let fixture = try await RegistryFixture(today: "2026-03-02")
        try await fixture.register(code)
        _ = try await fixture.registry.publishGrades(codes: [code], by: RegistryFixture.regulator)
        #expect(try await fixture.registry.runScheduledRegrade(midnight) != nil)
        let outcome = try await fixture.registry.importEvents(
            [fixture.event(code, kind: "penalty", severity: "high", occurredOn: "2026-03-01")],
            place: ImportBatchPlace(importId: "inspections-2026-03", firstLine: 2, lastLine: 2), naming: { "\($0)" },
            by: RegistryFixture.regulator)
        #expect(outcome.imported == 1)
        #expect(try await fixture.registry.runScheduledRegrade(midnight)?.published == 1)
        #expect(try await fixture.registry.gradeInForce(code: code).inForce.grade == "D")
    }

    /// When an override ends the file is back on its computed grade: that is a change of the
    /// grade in force, so it is published (even with the computed letter unchanged) and a bank's
    /// change feed reports it from the override's letter.
    @Test func theEndOfAnOverrideIsPublishedAndReachesTheFeed() async throws {
        let fixture = try await RegistryFixture(today: "2026-03-02")
        try await fixture.register(code)
        _ = try await fixture.registry.publishGrades(codes: [code], by: RegistryFixture.regulator)
        #expect(try await fixture.registry.runScheduledRegrade(midnight) != nil)
        _ = try await fixture.registry.overrideGrade(
            code: code, grade: "AA", reason: "exemplary recall handling", documentNumber: "复核3", until: "2026-03-31",
            by: RegistryFixture.regulator)
        let cursor = try await fixture.registry.logEnd()

        fixture.clock.set(morning("2026-03-31"))
        #expect(try await fixture.registry.runScheduledRegrade(midnight)?.published == 0, "still in force on its last day")
        fixture.clock.set(morning("2026-04-01"))
        #expect(try await fixture.registry.runScheduledRegrade(midnight)?.published == 1)
        let grade = try await fixture.registry.gradeInForce(code: code)
        #expect(grade.inForce.grade == "A")
        #expect(grade.inForce.basis == .computed)
        let page = try await fixture.registry.changes(after: cursor, target: .codes([code]), view: .public)
        #expect(page.changes.map(\.kind) == [.grade])
        #expect(page.changes.first?.old == "AA")
        #expect(page.changes.first?.new == "A")
    }

    /// A file graded on 2026-03-02 with one event of `kind` from the day before, and its grade.
    func gradedFile(with kind: String, _ severity: String) async throws -> (RegistryFixture, GradeInForce) {
        let fixture = try await RegistryFixture(today: "2026-03-02")
        try await fixture.register(code)
        _ = try await fixture.registry.recordEvent(
            fixture.event(code, kind: kind, severity: severity, occurredOn: "2026-03-01"), by: RegistryFixture.regulator)
        _ = try await fixture.registry.publishGrades(codes: [code], by: RegistryFixture.regulator)
        return (fixture, try await fixture.registry.gradeInForce(code: code).inForce)
    }

    /// An override on a file no longer active still ends on its day: the run after its last day
    /// publishes the computed grade (the feed says AA → A), rather than leaving the grade in
    /// force to fall back a day later, unpublished, to the grade from before the override.
    /// Files the run only skips are not counted as recomputed.
    @Test func anOverrideOnAFileNoLongerActiveEndsWithAPublishedGrade() async throws {
        let (fixture, computed) = try await gradedFile(with: "penalty", "medium")
        let registry = fixture.registry
        #expect(try await registry.runScheduledRegrade(midnight) != nil)
        _ = try await registry.overrideGrade(
            code: code, grade: "AA", reason: "rectified", documentNumber: "复核5", until: "2026-03-31", by: RegistryFixture.regulator)
        _ = try await registry.updateEnterprise(
            EnterpriseUpdate(code: code, status: "deregistered", reason: "deregistered at its own request"), by: RegistryFixture.regulator)
        let cursor = try await registry.logEnd()

        fixture.clock.set(morning("2026-03-31"))
        let lastDay = try await registry.runScheduledRegrade(midnight)
        #expect(lastDay?.published == 0 && lastDay?.recomputed == 0, "\(String(describing: lastDay))")
        fixture.clock.set(morning("2026-04-01"))
        #expect(try await registry.runScheduledRegrade(midnight) == RegradeSummary(recomputed: 1, published: 1))
        let after = try await registry.gradeInForce(code: code).inForce
        #expect(after.basis == .computed && after.record?.publicationIndex != computed.record?.publicationIndex, "\(after)")
        let page = try await registry.changes(after: cursor, target: .codes([code]), view: .public)
        #expect(page.changes.map(\.kind) == [.grade] && page.changes.first?.old == "AA", "\(page.changes)")

        // Then it keeps that grade: nothing more is due for it.
        fixture.clock.set(morning("2027-06-01"))
        #expect(try await registry.runScheduledRegrade(midnight) == RegradeSummary())
        #expect(try await registry.gradeInForce(code: code).inForce == after)
    }

    /// A file set back to active follows the policy again from that day: its grade, frozen
    /// while it was not active (the run dropped it from the schedule), is recomputed by the
    /// next regrade with no PublishGrades.
    @Test func aFileActiveAgainIsRegradedWithNoCall() async throws {
        let (fixture, awarded) = try await gradedFile(with: "award", "high")
        let registry = fixture.registry
        _ = try await registry.updateEnterprise(
            EnterpriseUpdate(code: code, status: "deregistered", reason: "deregistered at its own request"), by: RegistryFixture.regulator)
        // Past the award's window: the run reaches the file, not active, and leaves it.
        fixture.clock.advance(days: 1200)
        #expect(try await registry.regradeDueFiles() == RegradeSummary(skipped: 1))
        // Frozen for a regulator; a bank no longer sees it (the award it names is past its
        // disclosure period).
        #expect(try await registry.gradeInForce(code: code, view: .full).inForce == awarded)
        #expect(try await registry.gradeInForce(code: code, view: .public).inForce.basis == .ungraded)

        _ = try await registry.updateEnterprise(
            EnterpriseUpdate(code: code, status: "active", reason: "registration restored"), by: RegistryFixture.regulator)
        #expect(try await registry.regradeDueFiles() == RegradeSummary(recomputed: 1, published: 1))
        let now = try await registry.gradeInForce(code: code).inForce
        #expect(now.grade != awarded.grade && now.record?.explanation["contributions"]?.arrayValue == [], "\(now)")
    }

    /// Between an override's last day and the next day's regrade (at 02:00 here) the override
    /// is still answered, the grade of the day before, never the computed grade from before
    /// the override (which ignores what was recorded under it); the run then publishes today's.
    @Test func anOverrideIsAnsweredUntilTheRunAfterItsLastDay() async throws {
        let twoAM = RegradeSchedule(minuteOfDay: 2 * 60, utcOffset: .beijing)
        func at(_ date: String, hour: Int) -> Instant {
            Instant(secondsSinceEpoch: Instant.startOfDay(CivilDate(iso: date)!).secondsSinceEpoch + Int64(hour) * 3600)
        }
        let fixture = try await RegistryFixture(today: "2026-03-02")
        try await fixture.register(code)
        _ = try await fixture.registry.recordEvent(
            fixture.event(code, kind: "penalty", severity: "medium", occurredOn: "2026-03-01"), by: RegistryFixture.regulator)
        _ = try await fixture.registry.publishGrades(codes: [code], by: RegistryFixture.regulator)
        let before = try await fixture.registry.gradeInForce(code: code).inForce
        #expect(before.basis == .computed)
        _ = try await fixture.registry.overrideGrade(
            code: code, grade: "AA", reason: "rectified", documentNumber: "复核4", until: "2026-03-31", by: RegistryFixture.regulator)
        _ = try await fixture.registry.recordEvent(
            fixture.event(code, kind: "award", severity: "high", occurredOn: "2026-03-02"), by: RegistryFixture.regulator)

        fixture.clock.set(at("2026-03-31", hour: 3))
        #expect(try await fixture.registry.runScheduledRegrade(twoAM)?.published == 0, "still in force on its last day")
        fixture.clock.set(at("2026-04-01", hour: 1))
        #expect(try await fixture.registry.runScheduledRegrade(twoAM) == nil, "01:00: the day's run is at 02:00")
        for view in [RecordView.public, .full] {
            let answered = try await fixture.registry.gradeInForce(code: code, view: view).inForce
            #expect(answered.basis == .override && answered.grade == "AA", "\(view): \(answered)")
        }
        fixture.clock.set(at("2026-04-01", hour: 3))
        #expect(try await fixture.registry.runScheduledRegrade(twoAM)?.published == 1)
        let after = try await fixture.registry.gradeInForce(code: code).inForce
        #expect(after.basis == .computed)
        #expect(after.record?.publicationIndex != before.record?.publicationIndex)
        // What was answered at 01:00 is what GetGradeAt says of 01:00.
        let then = try await fixture.registry.gradeInForce(code: code, at: at("2026-04-01", hour: 1)).inForce
        #expect(then.basis == .override && then.grade == "AA")
    }

    @Test func theScheduleRunsDailyAtItsTimeAndOnStartWhenARunWasMissed() {
        let schedule = RegradeSchedule(minuteOfDay: 2 * 60 + 30, utcOffset: .beijing)
        let day = CivilDate(iso: "2026-03-02")!
        func at(_ hour: Int, _ minute: Int, on date: CivilDate = day) -> Instant {
            Instant(secondsSinceEpoch: Instant.startOfDay(date).secondsSinceEpoch + Int64(hour * 3600 + minute * 60))
        }
        // Yesterday's run stands until today's time.
        #expect(!schedule.shouldRun(lastRun: day.adding(days: -1), now: at(2, 29)))
        #expect(schedule.shouldRun(lastRun: day.adding(days: -1), now: at(2, 30)))
        // Down across yesterday's run: run at once on start.
        #expect(schedule.shouldRun(lastRun: day.adding(days: -2), now: at(1, 0)))
        #expect(schedule.shouldRun(lastRun: nil, now: at(1, 0)))
        // After today's run, ticks keep up with what became due today.
        #expect(schedule.shouldRun(lastRun: day, now: at(15, 0)))
        // The clock set back across midnight, behind the last run's day: nothing is regraded by
        // itself until the clock is there again (what it published would be dated before that
        // run's grades, which would hide it again).
        #expect(!schedule.shouldRun(lastRun: day.adding(days: 1), now: at(1, 0)))
        #expect(!schedule.shouldRun(lastRun: day.adding(days: 1), now: at(15, 0)))
        #expect(schedule.nextSlot(after: at(2, 30)) == at(2, 30, on: day.adding(days: 1)))
        #expect(schedule.nextSlot(after: at(1, 0)) == at(2, 30))
    }

    /// The day `nextGradeChange` names is never late: no day before it gives another letter or
    /// other caps, checked day by day against the policy itself.
    @Test(arguments: ["penalty", "complaint", "recall", "spot-check-failed", "award"])
    func theNextChangeIsNeverLate(kind: String) throws {
        let policy = try PolicyFile.defaultPolicy()
        let start = CivilDate(iso: "2026-03-02")!
        var events: [QualityEvent] = []
        // Events before, on and after the start, of this kind and of a capping one.
        for (index, (days, severity)) in [(-400, "high"), (-30, "medium"), (0, "low"), (20, "high")].enumerated() {
            events.append(
                QualityEvent(
                    id: Int64(index + 1),
                    details: QualityEventDetails(
                        dimension: Dimension(rawValue: "product")!,
                        kind: EventKind(rawValue: index.isMultiple(of: 2) ? kind : "penalty")!,
                        severity: Severity(rawValue: severity)!, occurredOn: start.adding(days: days), authority: "a",
                        documentNumber: "n", legalBasis: nil, summary: "s", evidenceURL: nil),
                    recordedAt: Instant(secondsSinceEpoch: 0), supersedes: nil, correctionReason: nil, isRetraction: false,
                    supersededBy: nil))
        }
        var day = start
        var checked = 0
        while let next = policy.nextGradeChange(events: events, after: policy.computeGrade(events: events, asOf: day)) {
            let now = policy.computeGrade(events: events, asOf: day)
            var between = day.adding(days: 1)
            while between < next {
                let later = policy.computeGrade(events: events, asOf: between)
                #expect(later.grade == now.grade && later.caps == now.caps, "\(kind): changed on \(between), before \(next)")
                between = between.adding(days: 1)
                checked += 1
            }
            day = next
        }
        #expect(checked > 0)
    }
}
