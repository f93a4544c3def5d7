import Foundation
import CanonicalJSON
import QCreditConfig
import QCreditDomain
import QCreditService
import Testing
import Varlink

/// An event is shown to the public for the policy's `events` period after it happened, and not
/// at all once retracted or corrected. A grade record names the events it counts, so no reply a
/// bank receives may name such an event through a grade either: not the grade in force, not a
/// past grade (`GetGradeAt`), not an opening (`GetEntries`, `GetEvidence`).
@Suite struct EventDisclosureTests {
    static let code = "911522010783762860"

    /// Every reply a bank can get about the file, as text.
    static func bankReplies(_ fixture: ServiceFixture, pastDate: String) async throws -> [(String, String)] {
        let code = JSONValue.string(Self.code)
        let size = JSONValue.int(try await fixture.logSize())
        let calls: [(String, [String: JSONValue], Bool)] = [
            ("org.qcredit.query.GetGrade", ["code": code], false),
            ("org.qcredit.query.GetGrades", ["codes": [code]], true),
            ("org.qcredit.query.GetGradeAt", ["code": code, "at": .string(pastDate)], false),
            ("org.qcredit.query.GetFile", ["code": code], false),
            ("org.qcredit.query.GetEvidence", ["code": code], false),
            ("org.qcredit.audit.GetEntries", ["start": 0, "end": size], true),
        ]
        var texts: [(String, String)] = []
        for (method, parameters, more) in calls {
            for reply in try await fixture.replies(method, parameters, as: ServiceFixture.bank, more: more) {
                #expect(reply.error == nil, "\(method): \(reply)")
                texts.append((method, String(decoding: JSONValue.object(reply.parameters).encoded(), as: UTF8.self)))
            }
        }
        return texts
    }

    static func record(_ fixture: ServiceFixture, kind: String, occurredOn: String) async throws -> JSONValue {
        try #require(
            try await fixture.call(
                "org.qcredit.admin.RecordEvent",
                [
                    "code": .string(code), "dimension": "product", "kind": .string(kind), "severity": "low",
                    "occurredOn": .string(occurredOn), "authority": "Zhengzhou AMR", "documentNumber": "郑市监〔2023〕5号",
                    "summary": "Spot check",
                ])["eventId"])
    }

    @Test func anEventPastItsDisclosurePeriodLeavesEveryGradeABankSees() async throws {
        let fixture = try await ServiceFixture(today: "2026-03-02", withGradeIndex: true)
        _ = try await fixture.call("org.qcredit.admin.RegisterEnterprise", ["code": .string(Self.code), "name": "Dairy Co."])
        // A penalty counts for three years, and is shown for three years (events: P3Y): its last day is today.
        let eventId = try await Self.record(fixture, kind: "penalty", occurredOn: "2023-03-03")
        _ = try await fixture.call("org.qcredit.admin.PublishGrades", ["codes": [.string(Self.code)]])
        let before = try await fixture.call("org.qcredit.query.GetGrade", ["code": .string(Self.code)], as: ServiceFixture.bank)
        #expect(before["grade"]?["contributions"]?.arrayValue?.first?["eventId"] == eventId, "shown while disclosed")

        fixture.clock.advance(days: 1)
        _ = try await fixture.call("org.qcredit.operator.RunMaintenance", as: ServiceFixture.operator)
        for (method, text) in try await Self.bankReplies(fixture, pastDate: "2026-03-02") {
            #expect(!text.contains("2023-03-03"), "\(method) names the event after its disclosure ended: \(text)")
        }
        // The bank still has a grade: published again without the event, the same day.
        let after = try await fixture.call("org.qcredit.query.GetGrade", ["code": .string(Self.code)], as: ServiceFixture.bank)
        #expect(after["grade"]?["grade"] == "A")
        #expect(after["grade"]?["contributions"] == [])
        // Regulators still see the record that named it.
        let history = try await fixture.call("org.qcredit.query.GetGradeAt", ["code": .string(Self.code), "at": "2026-03-02"])
        #expect(history["grade"]?["contributions"]?.arrayValue?.first?["eventId"] == eventId)
    }

    /// Also for a file no longer active (deregistered), which is otherwise not graded again: the
    /// grade it keeps is published again without the event.
    @Test(arguments: [false, true], [false, true])
    func aRetractedOrCorrectedEventLeavesEveryGradeABankSeesAtOnce(_ corrected: Bool, _ deregistered: Bool) async throws {
        let fixture = try await ServiceFixture(today: "2026-03-02", withGradeIndex: true)
        _ = try await fixture.call("org.qcredit.admin.RegisterEnterprise", ["code": .string(Self.code), "name": "Dairy Co."])
        // Worth a point: the letter stays A with or without it.
        let eventId = try await Self.record(fixture, kind: "spot-check-passed", occurredOn: "2026-02-11")
        _ = try await fixture.call("org.qcredit.admin.PublishGrades", ["codes": [.string(Self.code)]])
        if deregistered {
            _ = try await fixture.call(
                "org.qcredit.admin.UpdateEnterprise", ["code": .string(Self.code), "status": "deregistered", "reason": "dissolved"])
        }
        var correction: [String: JSONValue] = ["eventId": eventId, "reason": "recorded in the wrong file"]
        if corrected {
            correction["event"] = [
                "code": .string(Self.code), "dimension": "product", "kind": "spot-check-passed", "severity": "low",
                "occurredOn": "2026-02-12", "authority": "Zhengzhou AMR", "documentNumber": "郑市监〔2023〕5号", "summary": "Spot check",
            ]
        }
        _ = try await fixture.call("org.qcredit.admin.CorrectEvent", correction)
        // No maintenance run: the correction itself withdrew the grades that named the event.
        for (method, text) in try await Self.bankReplies(fixture, pastDate: "2026-03-02T00:00:01+08:00") {
            #expect(!text.contains("2026-02-11"), "\(method) names the withdrawn event: \(text)")
        }
        for caller in [ServiceFixture.bank, ServiceFixture.regulator] {
            let after = try await fixture.call("org.qcredit.query.GetGrade", ["code": .string(Self.code)], as: caller)
            #expect(after["grade"]?["grade"] == "A", "\(after)")
            let cited = after["grade"]?["contributions"]?.arrayValue?.compactMap { $0["occurredOn"] } ?? []
            #expect(cited == (corrected ? ["2026-02-12"] : []))
        }
    }

    /// A grade no longer disclosed is as if it had never been public: a bank asking about the
    /// days it stood is answered the grade it replaced, still disclosed (it was told "ungraded",
    /// which no public record ever said); the regulator sees the grade that stood.
    @Test func theDaysOfAGradeWithdrawnByARetractionShowTheGradeBeforeIt() async throws {
        let fixture = try await ServiceFixture(today: "2026-03-02", withGradeIndex: true)
        let code = JSONValue.string(Self.code)
        _ = try await fixture.call("org.qcredit.admin.RegisterEnterprise", ["code": code, "name": "Dairy Co."])
        _ = try await fixture.call("org.qcredit.admin.PublishGrades", ["codes": [code]])
        let first = try await fixture.call("org.qcredit.query.GetGrade", ["code": code], as: ServiceFixture.bank)["grade"]
        fixture.clock.advance(days: 1)
        let eventId = try await Self.record(fixture, kind: "penalty", occurredOn: "2026-03-03")
        _ = try await fixture.call("org.qcredit.admin.PublishGrades", ["codes": [code]])
        let penalised = try await fixture.call("org.qcredit.query.GetGrade", ["code": code])["grade"]
        #expect(penalised?["grade"] != first?["grade"], "\(String(describing: penalised))")
        fixture.clock.advance(days: 1)
        _ = try await fixture.call("org.qcredit.admin.CorrectEvent", ["eventId": eventId, "reason": "recorded in the wrong file"])
        _ = try await fixture.call("org.qcredit.admin.PublishGrades", ["codes": [code]])
        let asBank = try await fixture.call("org.qcredit.query.GetGradeAt", ["code": code, "at": "2026-03-03"], as: ServiceFixture.bank)
        #expect(asBank["grade"]?["grade"] == first?["grade"], "\(asBank)")
        #expect(asBank["grade"]?["logIndex"] == first?["logIndex"], "\(asBank)")
        #expect(asBank["grade"]?["basis"] == "computed", "\(asBank)")
        let asRegulator = try await fixture.call("org.qcredit.query.GetGradeAt", ["code": code, "at": "2026-03-03"])
        #expect(asRegulator["grade"]?["logIndex"] == penalised?["logIndex"], "\(asRegulator)")
    }

    /// An export is withdrawn only for a record it disclosed: a grade withdrawn by a retraction
    /// before the export was written (hidden for every day) was never in it, so the later end of
    /// that grade's disclosure as a replaced grade (a year on) withdraws nothing.
    @Test func anExportIsNotWithdrawnForARecordItNeverDisclosed() async throws {
        let fixture = try await ServiceFixture(today: "2026-03-02", withGradeIndex: true)
        let code = JSONValue.string(Self.code)
        _ = try await fixture.call("org.qcredit.admin.RegisterEnterprise", ["code": code, "name": "Dairy Co."])
        let eventId = try await Self.record(fixture, kind: "penalty", occurredOn: "2026-03-01")
        _ = try await fixture.call("org.qcredit.admin.PublishGrades", ["codes": [code]])
        _ = try await fixture.call("org.qcredit.admin.CorrectEvent", ["eventId": eventId, "reason": "recorded in the wrong file"])
        fixture.clock.advance(days: 1)
        let export = try await fixture.call("org.qcredit.operator.Export", ["full": true], as: ServiceFixture.operator)
        let name = try #require(export["name"]?.stringValue)

        fixture.clock.advance(days: 365)
        let next = try await fixture.call("org.qcredit.operator.Export", [:], as: ServiceFixture.operator)
        #expect(next["pruned"]?.arrayValue ?? [] == [], "\(next)")
        #expect(next["kind"] == "delta", "\(next)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.exportsDirectory).contains(name))
    }

    /// An event may not count in grades after the public stops seeing it.
    @Test func aPolicyWhoseEventsOutliveTheirDisclosureIsRefused() throws {
        let policy = try PolicyFile.defaultPolicy()
        var rules = policy.disclosure
        rules.events = CalendarPeriod(years: 2)
        #expect(throws: PolicyError.self) {
            try Policy(
                version: "shorter", scale: policy.scale, thresholds: policy.thresholds, baseScore: policy.baseScore,
                minimumScore: policy.minimumScore, maximumScore: policy.maximumScore, events: policy.events, caps: policy.caps,
                lists: policy.lists, disclosure: rules)
        }
    }
}

/// README, *Disclosure rules*: a computed grade a newer one replaced stays open to the public for
/// `gradesAfterReplaced` (P1Y) after the day it was replaced; an override while in force, and for
/// that period after its last day. Checked day by day at the edges, as a bank reads the log.
@Suite struct GradeDisclosurePeriodTests {
    static let code = JSONValue.string(EventDisclosureTests.code)

    @Test func aReplacedGradeAndAnEndedOverrideAreOpenForTheirPeriodThenNoLonger() async throws {
        let fixture = try await ServiceFixture(today: "2026-03-02")
        _ = try await fixture.call("org.qcredit.admin.RegisterEnterprise", ["code": Self.code, "name": "Dairy Co."])
        _ = try await fixture.call("org.qcredit.admin.PublishGrades", ["codes": [Self.code]])
        let logIndex = { () async throws -> Int64 in
            try #require(try await fixture.call("org.qcredit.query.GetGrade", ["code": Self.code])["grade"]?["logIndex"]?.intValue)
        }
        let replaced = try await logIndex()
        _ = try await fixture.call(
            "org.qcredit.admin.RecordEvent",
            [
                "code": Self.code, "dimension": "product", "kind": "recall", "severity": "high", "occurredOn": "2026-03-02",
                "authority": "Zhengzhou AMR", "documentNumber": "郑市监〔2026〕7号", "summary": "Recall",
            ])
        _ = try await fixture.call("org.qcredit.admin.PublishGrades", ["codes": [Self.code]])
        #expect(try await logIndex() != replaced, "a newer computed grade was published")
        _ = try await fixture.call(
            "org.qcredit.admin.OverrideGrade",
            ["code": Self.code, "grade": "B", "reason": "on-site review", "documentNumber": "郑复〔2026〕2号", "until": "2026-06-30"])
        let override = try await logIndex()

        // Whether a bank receives the record's opening, on the registry's day `date`.
        func opened(_ index: Int64, on date: String) async throws -> Bool {
            fixture.clock.set(Instant(secondsSinceEpoch: Instant.startOfDay(try #require(CivilDate(iso: date)), in: .beijing).secondsSinceEpoch + 12 * 3600))
            let replies = try await fixture.replies(
                "org.qcredit.audit.GetEntries", ["start": .int(index), "end": .int(index + 1)], as: ServiceFixture.bank, more: true)
            return (try #require(replies.first).parameters["opening"] ?? .null) != .null
        }
        // Replaced on 2026-03-02: open through 2027-03-01.
        #expect(try await opened(replaced, on: "2026-03-02"))
        #expect(try await opened(replaced, on: "2027-03-01"))
        #expect(try await !opened(replaced, on: "2027-03-02"))
        // In force through 2026-06-30: open then, and through 2027-06-30.
        #expect(try await opened(override, on: "2026-06-30"))
        #expect(try await opened(override, on: "2027-06-30"))
        #expect(try await !opened(override, on: "2027-07-01"))
    }
}

/// README, *Auditing an export*: an export that disclosed a record whose disclosure period has
/// since run out is withdrawn at the next maintenance tick, with its restricted part; one that
/// disclosed nothing now hidden stays. (`RunMaintenance` here; the daemon's tick calls the same withdrawal.)
@Suite struct ExportWithdrawalByPeriodTests {
    @Test func anExportOfARecordWhosePeriodRanOutIsWithdrawnAtTheNextTick() async throws {
        let fixture = try await ServiceFixture(today: "2026-03-02")
        let code = JSONValue.string(EventDisclosureTests.code)
        _ = try await fixture.call("org.qcredit.admin.RegisterEnterprise", ["code": code, "name": "Dairy Co."])
        _ = try await fixture.call("org.qcredit.admin.PublishGrades", ["codes": [code]])
        let first = try #require(try await fixture.call("org.qcredit.operator.Export", ["full": true], as: ServiceFixture.operator)["name"]?.stringValue)
        // Replaced today by a newer computed grade: the first stays open for a year.
        _ = try await fixture.call(
            "org.qcredit.admin.RecordEvent",
            [
                "code": code, "dimension": "product", "kind": "recall", "severity": "high", "occurredOn": "2026-03-02",
                "authority": "Zhengzhou AMR", "documentNumber": "郑市监〔2026〕8号", "summary": "Recall",
            ])
        _ = try await fixture.call("org.qcredit.admin.PublishGrades", ["codes": [code]])
        let names = { () throws -> Set<String> in
            Set(try FileManager.default.contentsOfDirectory(atPath: fixture.exportsDirectory).filter { $0.hasPrefix("qcredit-export-") })
        }
        let restricted = { () throws -> Set<String> in
            Set(try FileManager.default.contentsOfDirectory(atPath: fixture.exportsDirectory + "/restricted"))
        }
        fixture.clock.advance(days: 364)
        _ = try await fixture.call("org.qcredit.operator.RunMaintenance", as: ServiceFixture.operator)
        #expect(try names() == [first], "still disclosed: the export stays")
        fixture.clock.advance(days: 1)
        _ = try await fixture.call("org.qcredit.operator.RunMaintenance", as: ServiceFixture.operator)
        #expect(try names().isEmpty, "the grade's year ran out: its export is withdrawn")
        #expect(try restricted().isEmpty, "with its restricted part")
    }

    /// A retraction or correction ends the disclosure of the grades that named the event at
    /// once: the exports that opened them are gone before the correction's reply, as after a
    /// repair, not at the next tick.
    @Test(arguments: [false, true]) func aCorrectionWithdrawsTheExportsOfTheGradesThatNamedTheEvent(_ corrected: Bool) async throws {
        let fixture = try await ServiceFixture(today: "2026-03-02")
        let code = JSONValue.string(EventDisclosureTests.code)
        _ = try await fixture.call("org.qcredit.admin.RegisterEnterprise", ["code": code, "name": "Dairy Co."])
        let eventId = try await EventDisclosureTests.record(fixture, kind: "spot-check-passed", occurredOn: "2026-02-11")
        _ = try await fixture.call("org.qcredit.admin.PublishGrades", ["codes": [code]])
        let first = try #require(try await fixture.call("org.qcredit.operator.Export", ["full": true], as: ServiceFixture.operator)["name"]?.stringValue)
        var correction: [String: JSONValue] = ["eventId": eventId, "reason": "recorded in the wrong file"]
        if corrected {
            correction["event"] = [
                "code": code, "dimension": "product", "kind": "spot-check-passed", "severity": "low",
                "occurredOn": "2026-02-12", "authority": "Zhengzhou AMR", "documentNumber": "郑市监〔2023〕5号", "summary": "Spot check",
            ]
        }
        _ = try await fixture.call("org.qcredit.admin.CorrectEvent", correction)
        #expect(!FileManager.default.fileExists(atPath: fixture.exportsDirectory + "/" + first), "the correction withdrew it")
        #expect(!FileManager.default.fileExists(atPath: fixture.exportsDirectory + "/restricted/" + first), "with its restricted part")
    }

    /// A withdrawal cut short by a kill leaves `.<name>.deleting`, which the public can read: the
    /// next maintenance tick removes it (and a restricted part's), not only the next export.
    @Test func whatAKilledWithdrawalLeftGoesAtTheNextTick() async throws {
        let fixture = try await ServiceFixture(today: "2026-03-02")
        let files = FileManager.default
        let leftovers = [
            fixture.exportsDirectory + "/.qcredit-export-20260301T000000Z-full.deleting",
            fixture.exportsDirectory + "/restricted/.qcredit-export-20260301T000000Z-full.deleting",
        ]
        for directory in leftovers {
            try files.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try Data("{\"salt\":\"…\"}\n".utf8).write(to: URL(fileURLWithPath: directory + "/openings.jsonl"))
        }
        _ = try await fixture.call("org.qcredit.operator.RunMaintenance", as: ServiceFixture.operator)
        for directory in leftovers { #expect(!files.fileExists(atPath: directory), "\(directory)") }
    }

    /// README, *Moving the clock to see it*: a clock set back behind a revocation does not make
    /// the export written then look older than the revocation. The export's tree holds the
    /// revocation's own record, so the export was made after it and never disclosed that
    /// listing: the next tick keeps it. A revocation recorded after the export still withdraws it,
    /// whatever the clock says of the two.
    @Test func anExportWrittenAfterTheClockWentBackIsKeptForDecisionsInItsTree() async throws {
        let fixture = try await ServiceFixture(today: "2026-03-02")
        let code = JSONValue.string(EventDisclosureTests.code)
        _ = try await fixture.call("org.qcredit.admin.RegisterEnterprise", ["code": code, "name": "Dairy Co."])
        func confirmedListing(_ number: Int) async throws -> JSONValue {
            let proposed = try await fixture.call(
                "org.qcredit.admin.ProposeListing",
                [
                    "code": code, "listType": "serious-dishonesty", "reason": "Forged reports", "legalBasis": "Art. 9",
                    "authority": "Zhengzhou AMR", "documentNumber": .string("郑市监〔2026〕\(number)号"), "decisionDate": "2026-03-02",
                ])
            let listingId = try #require(proposed["listing"]?["id"])
            _ = try await fixture.call("org.qcredit.admin.ConfirmListing", ["listingId": listingId])
            return listingId
        }
        func revoke(_ listingId: JSONValue, _ number: Int) async throws {
            _ = try await fixture.call(
                "org.qcredit.admin.RemoveListing",
                ["listingId": listingId, "reason": "revoked", "authority": "Zhengzhou AMR", "documentNumber": .string("郑市监〔2026〕\(number)号")])
        }
        try await revoke(try await confirmedListing(11), 12)
        let inForce = try await confirmedListing(13)
        fixture.clock.advance(seconds: -3 * 3600)
        let export = try #require(try await fixture.call("org.qcredit.operator.Export", ["full": true], as: ServiceFixture.operator)["name"]?.stringValue)
        _ = try await fixture.call("org.qcredit.operator.RunMaintenance", as: ServiceFixture.operator)
        #expect(FileManager.default.fileExists(atPath: fixture.exportsDirectory + "/" + export), "kept: it never disclosed the revoked listing")

        // Revoked after it with the clock set back further still, before the export's time: the
        // export's snapshot is on record, so the log says the revocation came after it.
        fixture.clock.advance(seconds: -3600)
        try await revoke(inForce, 14)
        #expect(!FileManager.default.fileExists(atPath: fixture.exportsDirectory + "/" + export), "it disclosed the listing revoked after it")
    }

    /// An export withdrawn in the second the next one is written does not hand that one its
    /// name: a name stands for one export, whatever a client or an auditor kept of it.
    @Test func theExportAfterAWithdrawalInTheSameSecondGetsANameOfItsOwn() async throws {
        let fixture = try await ServiceFixture(today: "2026-03-02")
        let code = JSONValue.string(EventDisclosureTests.code)
        _ = try await fixture.call("org.qcredit.admin.RegisterEnterprise", ["code": code, "name": "Dairy Co."])
        let proposed = try await fixture.call(
            "org.qcredit.admin.ProposeListing",
            [
                "code": code, "listType": "serious-dishonesty", "reason": "Forged reports", "legalBasis": "Art. 9",
                "authority": "Zhengzhou AMR", "documentNumber": "郑市监〔2026〕9号", "decisionDate": "2026-03-02",
            ])
        let listingId = try #require(proposed["listing"]?["id"])
        _ = try await fixture.call("org.qcredit.admin.ConfirmListing", ["listingId": listingId])
        let first = try #require(try await fixture.call("org.qcredit.operator.Export", ["full": true], as: ServiceFixture.operator)["name"]?.stringValue)
        _ = try await fixture.call(
            "org.qcredit.admin.RemoveListing",
            ["listingId": listingId, "reason": "revoked", "authority": "Zhengzhou AMR", "documentNumber": "郑市监〔2026〕10号"])
        #expect(!FileManager.default.fileExists(atPath: fixture.exportsDirectory + "/" + first), "the revocation withdrew it")
        let next = try await fixture.call("org.qcredit.operator.Export", ["full": true], as: ServiceFixture.operator)
        #expect(next["name"] == .string(first + "-2"), "\(next)")
    }
}
