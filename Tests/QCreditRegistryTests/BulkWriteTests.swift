import Foundation
import GRDB
import QCreditDomain
@testable import QCreditRegistry
import QCreditStore
import Synchronization
import Testing
import TransparencyLog

/// The store's bulk paths (issue 9): loading files in batches and publishing a batch of grades
/// with one append to the log must leave exactly what the one-at-a-time paths leave.
@Suite struct BulkWriteTests {
    @Test func walkingEveryFilePublishesEachGradeWithItsLeafAndMerkleNodes() async throws {
        let fixture = try await RegistryFixture()
        let codes = (0..<7).map { USCC.madeUp(serial: 500 + $0) }
        for code in codes { try await fixture.register(code) }
        _ = try await fixture.registry.recordEvents(
            [fixture.event(codes[1]), fixture.event(codes[4])], by: RegistryFixture.regulator)
        // Batches of 3: the walk crosses batch boundaries and odd tree sizes.
        let summary = try await fixture.registry.publishGrades(codes: nil, by: RegistryFixture.regulator, batchSize: 3)
        #expect(summary == PublishSummary(published: 7))
        try await Self.expectTreeMatchesLeaves(fixture)
        // Each file's record is its own, in id order after the policy's.
        let records = try await fixture.publications()
        #expect(records.count == 8)
        #expect(records.dropFirst().map { $0.body["subject"]?["uscc"]?.stringValue } == codes)
        let grade = try await fixture.registry.gradeInForce(code: codes[1], view: .full)
        #expect(grade.inForce.record?.publicationIndex == 2)
    }

    @Test func aFileWhoseGradeCannotBeWrittenIsSkippedAndTheOthersArePublished() async throws {
        let fixture = try await RegistryFixture()
        try await fixture.register(RegistryFixture.usccA)
        let refused = try await fixture.register(RegistryFixture.usccB)
        try await fixture.register(RegistryFixture.usccC)
        // Stands in for any failure of one file's writes inside a batch: an index whose expression
        // overflows (an error) for this file's rows alone. Not a trigger: the walk's batches run
        // without triggers.
        try await fixture.rawDatabase().write { db in
            try db.execute(
                sql: """
                    CREATE INDEX refuse_one_grade ON grade_record(
                        CASE WHEN enterprise_id = \(refused.id) THEN abs(-9223372036854775807 - 1) ELSE 0 END)
                    """)
        }
        let summary = try await fixture.registry.publishGrades(codes: nil, by: RegistryFixture.regulator)
        #expect(summary == PublishSummary(published: 2, failed: 1))
        let records = try await fixture.publications()
        let subjects = records.dropFirst().map { $0.body["subject"]?["uscc"]?.stringValue }
        #expect(subjects == [RegistryFixture.usccA, RegistryFixture.usccC])
        try await Self.expectTreeMatchesLeaves(fixture)
    }

    /// Named by `codes`, the files are published atomically: one whose grade cannot be written
    /// refuses the call, and nothing is published (the walk over every file skips it instead).
    @Test func publishingNamedFilesIsAllOrNothing() async throws {
        let fixture = try await RegistryFixture()
        try await fixture.register(RegistryFixture.usccA)
        let refused = try await fixture.register(RegistryFixture.usccB)
        try await fixture.rawDatabase().write { db in
            try db.execute(
                sql: """
                    CREATE INDEX refuse_one_grade ON grade_record(
                        CASE WHEN enterprise_id = \(refused.id) THEN abs(-9223372036854775807 - 1) ELSE 0 END)
                    """)
        }
        let before = try await fixture.publications().count
        await #expect(throws: (any Error).self) {
            try await fixture.registry.publishGrades(codes: [RegistryFixture.usccA, RegistryFixture.usccB], by: RegistryFixture.regulator)
        }
        #expect(try await fixture.publications().count == before)
    }

    /// The walk decides a batch on a snapshot while the batch before it is written. A peer's
    /// write that lands between deciding and writing must not be published over: the batch is
    /// decided again, and the grade takes the new event into account.
    @Test func aWriteBetweenDecidingAndWritingABatchIsNotPublishedOver() async throws {
        let fixture = try await RegistryFixture()
        var files: [Int64: String] = [:]
        for serial in 700..<706 {
            let code = USCC.madeUp(serial: serial)
            files[try await fixture.register(code).id] = code
        }
        let codeOfFile = files
        let events = codeOfFile.mapValues { fixture.event($0) }
        let registry = fixture.registry
        let penalised = Mutex<[String]>([])
        let summary = try await registry.publishEveryGrade(by: RegistryFixture.regulator, batchSize: 2) { batch in
            // A penalty for the batch's second file, recorded after the batch was decided.
            let id = batch.ids[1]
            _ = try await registry.recordEvents([events[id]!], by: RegistryFixture.regulator)
            penalised.withLock { $0.append(codeOfFile[id]!) }
        }
        #expect(summary == PublishSummary(published: 6))
        #expect(penalised.withLock { $0.count } == 3)
        for code in codeOfFile.values {
            let record = try #require(try await registry.gradeInForce(code: code, view: .full).inForce.record)
            let contributions = record.explanation["contributions"]?.arrayValue?.count
            #expect(contributions == (penalised.withLock { $0.contains(code) } ? 1 : 0), "\(code)")
        }
        try await Self.expectTreeMatchesLeaves(fixture)
    }

    @Test func insertEnterprisesOpensEveryFileOrNone() async throws {
        let fixture = try await RegistryFixture()
        // A file with a USCC holds the organization code inside it too, as registration gives it.
        let files = (0..<3).map { n in
            let uscc = USCC.madeUp(serial: 900 + n)
            return NewEnterprise(
                codes: [
                    EnterpriseCodeEntry(code: uscc, kind: .uscc),
                    EnterpriseCodeEntry(code: String(uscc.dropFirst(8).prefix(9)), kind: .orgCode),
                ],
                name: "Bulk Co. \(n)", divisionCode: "110000", entityType: "enterprise")
        }
        let audit = AuditContext(method: "test.load", peer: nil, parameters: "{}", at: fixture.clock.now())
        let ids = try await fixture.database.write(audit: audit) { try $0.insertEnterprises(files) }
        for (id, file) in zip(ids, files) {
            let stored = try #require(try await fixture.database.read { try $0.enterprise(id: id) })
            #expect(stored.codes == file.codes)
            #expect(stored.name == file.name)
            #expect(stored.current.status == .active)
            #expect(stored.current.divisionCode == "110000")
        }
        // A code already held fails the whole batch: nothing of it is kept.
        let fresh = NewEnterprise(
            codes: [EnterpriseCodeEntry(code: USCC.madeUp(serial: 999), kind: .uscc)], name: "New", divisionCode: nil,
            entityType: nil)
        let again = [fresh, files[1]]
        await #expect(throws: DatabaseError.self) {
            _ = try await fixture.database.write(audit: audit) { try $0.insertEnterprises(again) }
        }
        #expect(try await fixture.database.read { try $0.enterpriseCount() } == 3)
    }

    /// The stored tree gives, at every size, the root of the stored leaves, and an inclusion
    /// proof of each leaf that verifies.
    static func expectTreeMatchesLeaves(_ fixture: RegistryFixture) async throws {
        let size = try await fixture.registry.logSize()
        let leaves = try await fixture.database.read { try $0.entries(from: 0, to: size, limit: Int(size)).map(\.leaf) }
        var accumulator = MerkleAccumulator()
        for leaf in leaves {
            accumulator.append(leafData: leaf)
            let treeSize = accumulator.size
            let root = try await fixture.database.read { try $0.merkleRoot(size: treeSize) }
            #expect(root == accumulator.root, "root at size \(treeSize)")
        }
        for (index, leaf) in leaves.enumerated() {
            let proof = try await fixture.database.read {
                try MerkleTree.inclusionProof(index: Int64(index), size: size, reader: $0.merkleNodes)
            }
            try MerkleProof.verifyInclusion(
                leafHash: MerkleHash.leaf(leaf), index: Int64(index), treeSize: size, proof: proof, root: accumulator.root)
        }
    }
}
