import CanonicalJSON
import Foundation
import GRDB
import QCreditDomain
import QCreditRegistry
import QCreditStore
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
        _ = try await fixture.registry.removeListing(
            listingId: listing.id, reason: "repaired", removedOn: nil, authority: "AMR", documentNumber: "修复2",
            explanation: nil, by: regulator)

        let records = try await fixture.publications()
        #expect(records.map(\.kind) == ["policy", "grade", "override", "listing", "removal"])
        let rows = try fixture.rawDatabase().read { db in
            try Row.fetchAll(db, sql: "SELECT idx, body FROM publication ORDER BY idx")
        }
        #expect(rows.map { $0["idx"] as Int64 } == [0, 1, 2, 3, 4])
        for row in rows {
            let body = [UInt8](row["body"] as Data)
            // Stored bytes are exactly the canonical form of their own content.
            #expect(try JSONValue.parse(body).canonicalBytes() == body)
            #expect(body.count <= PublicationRecord.maximumSize)
        }
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

    @Test func anOversizedRecordIsRefusedBeforeAnythingIsWritten() async throws {
        let record = PublicationRecord(kind: .grade, enterpriseId: 1, body: ["text": .string(String(repeating: "x", count: 70_000))])
        #expect(throws: RegistryError.recordTooLarge(size: 70_011, limit: 65_535)) { try record.canonicalBytes() }
    }
}
