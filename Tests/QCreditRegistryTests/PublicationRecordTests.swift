import CanonicalJSON
import Foundation
import GRDB
import QCreditCrypto
@testable import QCreditDomain
import QCreditRegistry
import QCreditStore
import TransparencyLog
import Testing

@Suite struct PublicationRecordTests {
    let code = RegistryFixture.usccA
    let regulator = RegistryFixture.regulator

    @Test func everyPublicDecisionWritesOneCanonicalRecordNumberedFromZero() async throws {
        let fixture = try await RegistryFixture(today: "2026-03-02")
        try await fixture.register(code, name: "河南示例质量有限公司")
        _ = try await fixture.registry.recordEvent(fixture.event(code), by: regulator)  // not a publication
        _ = try await fixture.registry.publishGrades(codes: [code], by: regulator)
        _ = try await fixture.registry.overrideGrade(
            code: code, grade: "B", reason: "review", documentNumber: "豫市监〔2026〕8号", until: nil, by: regulator)
        let listing = try await fixture.listed(code)
        fixture.clock.advance(days: 400)
        try await fixture.repair(listing.id)

        let records = try await fixture.publications()
        #expect(records.map(\.kind) == ["policy", "grade", "override", "listing", "removal"])
        let rows = try fixture.rawDatabase().read { db in
            try Row.fetchAll(
                db, sql: "SELECT idx, body, salt, record FROM publication ORDER BY idx")
        }
        #expect(rows.map { $0["idx"] as Int64 } == [0, 1, 2, 3, 4])
        var commitments: Set<[UInt8]> = []
        for row in rows {
            let leaf = [UInt8](row["body"] as Data)
            let record = [UInt8](row["record"] as Data)
            // The leaf is a commitment naming nothing; the opening (salt, record) opens it.
            let commitment = try #require(LeafCommitment(bytes: leaf), "\(String(decoding: leaf, as: UTF8.self))")
            #expect(RecordOpening(salt: [UInt8](row["salt"] as Data), record: record).opens(leaf))
            #expect(try JSONValue.parse(leaf).canonicalBytes() == leaf)
            #expect(!String(decoding: leaf, as: UTF8.self).contains(code))
            commitments.insert(commitment.commitment)
            // The record is exactly the canonical form of its own content, and fits a leaf's limit.
            #expect(try JSONValue.parse(record).canonicalBytes() == record)
            #expect(record.count <= PublicationRecord.maximumSize)
        }
        #expect(commitments.count == rows.count)
        let listingRecord = records[3].body
        #expect(listingRecord["type"] == "listing")
        #expect(listingRecord["format"] == 1)
        #expect(listingRecord["subject"]?["uscc"] == .string(code))
        #expect(listingRecord["subject"]?["name"] == "河南示例质量有限公司")
        #expect(listingRecord["listing"]?["listType"] == "serious-dishonesty")
        #expect(listingRecord["listing"]?["plannedEndDate"] == "2029-03-02")
        #expect(records[4].body["removal"]?["reason"] == "repaired")
        #expect(records[2].body["override"]?["previousGrade"] == "C")
        #expect(records[0].body["policy"]?["version"] == "2026.1")
    }

    @Test func aRefusedDecisionPublishesNothing() async throws {
        let fixture = try await RegistryFixture()
        try await fixture.register(code)
        let listing = try await fixture.listed(code)
        let before = try await fixture.registry.logSize()
        await #expect(throws: RegistryError.self) {
            try await fixture.registry.removeListing(
                listingId: listing.id, reason: "repaired", removedOn: nil, authority: "AMR", documentNumber: "x",
                explanation: nil, by: regulator)
        }
        #expect(try await fixture.registry.logSize() == before)
    }

    /// One large credit file must not stop grading: its grade is published with its
    /// contributions summarised, and every other file is graded too.
    @Test func aFileWithTwoThousandEventsInForceIsGradedWithTheOthers() async throws {
        let fixture = try await RegistryFixture(today: "2026-03-02")
        try await fixture.register(code)
        try await fixture.register(RegistryFixture.usccB)
        let events = (0..<2000).map { n in
            fixture.event(code, kind: n.isMultiple(of: 2) ? "complaint" : "award", severity: "low", occurredOn: "2026-02-01")
        }
        _ = try await fixture.registry.recordEvents(events, by: regulator)
        let summary = try await fixture.registry.publishGrades(codes: nil, by: regulator)
        #expect(summary == PublishSummary(published: 2))

        let view = try await fixture.registry.gradeInForce(code: code)
        let record = try #require(try await fixture.publications().last { $0.body["subject"]?["uscc"] == .string(code) })
        let published = try #require(record.body["grade"])
        #expect(published["grade"] == JSONValue(view.inForce.grade))
        #expect(published["contributions"] == nil)
        let contributions = try #require(published["contributionsSummary"])
        #expect(contributions["count"] == 2000)
        let explanation = try #require(view.inForce.record?.explanation)
        let values = try #require(explanation["contributions"]?.arrayValue)
        #expect(values.count == 2000, "GetGrade still explains every contribution")
        #expect(contributions["total"] == .int(values.reduce(0) { $0 + ($1["value"]?.intValue ?? 0) }))
        #expect(contributions["explanationSHA256"] == .string(Base64.encode(Digest.sha256(try explanation.canonicalBytes()))))
        #expect(contributions["values"]?.arrayValue?.first == [.int(values[0]["eventId"]!.intValue!), .int(values[0]["value"]!.intValue!)])
    }

    /// A file whose grade is capped by 1,500 grave recalls at once (and lifted by 3,000 awards)
    /// is graded, and so is the other file: its record exceeded the limit on its caps alone, and
    /// its grade was never published again (audit).
    @Test func aFileCappedByThousandsOfEventsIsGraded() async throws {
        let fixture = try await RegistryFixture(today: "2026-03-02")
        try await fixture.register(code)
        try await fixture.register(RegistryFixture.usccB)
        let events = (0..<4_500).map { n in
            fixture.event(code, kind: n < 1_500 ? "recall" : "award", severity: "high", occurredOn: "2026-02-01")
        }
        _ = try await fixture.registry.recordEvents(events, by: regulator)
        #expect(try await fixture.registry.publishGrades(codes: nil, by: regulator) == PublishSummary(published: 2))
        let record = try #require(try await fixture.publications().last { $0.body["subject"]?["uscc"] == .string(code) })
        #expect(record.body["grade"]?["grade"] == "A")
        #expect(record.body["grade"]?["capsSummary"]?["count"] == 1_500)
        #expect(try await fixture.registry.gradeInForce(code: code).inForce.grade == "A")
    }

    /// Past what even event ids and values fit in, the record keeps the count, total and digest.
    @Test func aGradeRecordAlwaysFitsInTheLog() throws {
        let contributions = (0..<10_000).map { n in
            Contribution(
                eventId: Int64(n + 1), kind: .complaint, severity: .low, dimension: .service,
                occurredOn: CivilDate(iso: "2026-01-01")!, points: -1, remainingDays: 300, windowDays: 365, value: -1)
        }
        let computation = GradeComputation(
            policyVersion: "2026.1", asOf: CivilDate(iso: "2026-03-02")!, baseScore: 80, contributions: contributions,
            score: 0, scoreGrade: "D", caps: [], grade: "D")
        let record = PublicationRecord.grade(
            computation, enterpriseId: 1, subject: PublicationSubject(uscc: code, orgCode: nil, name: "Co."),
            publishedAt: Instant(secondsSinceEpoch: 0))
        let bytes = try record.canonicalBytes()
        #expect(bytes.count <= PublicationRecord.maximumSize)
        let summary = try #require(record.body["grade"]?["contributionsSummary"])
        #expect(summary["count"] == 10_000)
        #expect(summary["total"] == -10_000)
        #expect(summary["values"] == nil)
    }

    /// Thousands of event caps binding at once (every grave event of the window caps the grade)
    /// are summarised too: such a file's record exceeded the limit and its grade was never
    /// published again (audit).
    @Test func aGradeRecordWithThousandsOfBindingCapsFitsInTheLog() throws {
        let caps = (0..<1_500).map { AppliedEventCap(eventId: Int64($0 + 1), kind: .recall, maximumGrade: "A") }
        let contributions = (0..<3_000).map { n in
            Contribution(
                eventId: Int64(n + 2_000), kind: .award, severity: .high, dimension: .product,
                occurredOn: CivilDate(iso: "2026-01-01")!, points: 10, remainingDays: 300, windowDays: 1096, value: 10)
        }
        let computation = GradeComputation(
            policyVersion: "2026.1", asOf: CivilDate(iso: "2026-03-02")!, baseScore: 80, contributions: contributions,
            score: 100, scoreGrade: "AAA", caps: caps, grade: "A")
        let record = PublicationRecord.grade(
            computation, enterpriseId: 1, subject: PublicationSubject(uscc: code, orgCode: nil, name: "Co."),
            publishedAt: Instant(secondsSinceEpoch: 0))
        #expect(try record.canonicalBytes().count <= PublicationRecord.maximumSize)
        let grade = try #require(record.body["grade"])
        #expect(grade["caps"] == nil && grade["grade"] == "A")
        #expect(grade["capsSummary"]?["count"] == 1_500 && grade["capsSummary"]?["maximumGrade"] == "A")
        #expect(grade["capsSummary"]?["eventIds"]?.arrayValue?.count == 1_500)
        let bytes = try PublicationRecord.gradeBytes(
            computation, enterpriseId: 1, subject: PublicationSubject(uscc: code, orgCode: nil, name: "Co."), publishedAt: Instant(secondsSinceEpoch: 0))
        #expect(bytes.record.count <= PublicationRecord.maximumSize)
    }

    @Test func anOversizedRecordIsRefusedBeforeAnythingIsWritten() async throws {
        let record = PublicationRecord(kind: .grade, enterpriseId: 1, body: ["text": .string(String(repeating: "x", count: 70_000))])
        #expect(throws: RegistryError.recordTooLarge(size: 70_011, limit: 65_535)) { try record.canonicalBytes() }
    }
}
