import Foundation
import GRDB
import Logging
import QCreditConfig
import QCreditDomain
import QCreditRegistry
@testable import QCreditStore
import Testing
import TransparencyLog

@Suite struct StoreTests {
    @Test func recordsCannotBeChangedOrDeletedEvenWithRawSQL() async throws {
        let fixture = try await RegistryFixture()
        try await fixture.register(RegistryFixture.usccA)
        _ = try await fixture.registry.publishGrades(codes: nil, by: RegistryFixture.regulator)
        let raw = try fixture.rawDatabase()
        for statement in [
            "UPDATE publication SET body = x'00' WHERE idx = 0", "DELETE FROM publication",
            "UPDATE enterprise_revision SET name = 'x'", "DELETE FROM audit_entry", "UPDATE grade_record SET grade = 'AAA'",
        ] {
            #expect(throws: DatabaseError.self, "\(statement)") { try raw.write { try $0.execute(sql: statement) } }
        }
        // A gap in the log is refused too.
        #expect(throws: DatabaseError.self) {
            try raw.write {
                try $0.execute(sql: "INSERT INTO publication (idx, kind, body, recorded_at, audit_id) VALUES (99, 'grade', x'7b7d', 0, 1)")
            }
        }
    }

    @Test func everyWriteIsInTheAuditTrailWithItsPeer() async throws {
        let fixture = try await RegistryFixture()
        let caller = Caller(
            method: "org.qcredit.admin.RegisterEnterprise", peer: AuditContext.Peer(uid: 1001, gid: 1002, pid: 4242),
            parameters: ["code": .string(RegistryFixture.usccA)])
        _ = try await fixture.registry.register(RegistrationRequest(code: RegistryFixture.usccA, name: "Audited Co."), by: caller)
        let entries = try await fixture.database.read { try $0.auditEntries() }
        let entry = try #require(entries.last)
        #expect(entry.method == "org.qcredit.admin.RegisterEnterprise")
        #expect(entry.peerUid == 1001)
        #expect(entry.peerGid == 1002)
        #expect(entry.peerPid == 4242)
        #expect(entry.parameters.contains(RegistryFixture.usccA))
        #expect(entry.at == fixture.clock.now())
        // The first entry is the registry putting its policy in force, with no peer.
        #expect(entries.first?.peerUid == nil)
    }

    @Test func theDatabaseIsInWALModeWithFullSynchronousCommits() async throws {
        let fixture = try await RegistryFixture()
        let raw = try fixture.rawDatabase()
        #expect(try await raw.read { try String.fetchOne($0, sql: "PRAGMA journal_mode") } == "wal")
        // GRDB's pool sets NORMAL (1) on its writer when it turns WAL on; the registry must
        // leave it at FULL (2), or commits reach the WAL without an fsync.
        #expect(try await fixture.database.writerSynchronousMode() == 2)
        #expect(
            try await fixture.database.appliedMigrations() == [
                "0001_registry.sql", "0002_merkle_log.sql", "0003_no_replace.sql", "0004_disclosure.sql",
                "0005_name_search.sql", "0006_imports.sql", "0007_watch.sql", "0008_name_index_at_commit.sql",
                "0009_event_corrections_index.sql", "0010_import_batch_digest.sql",
                "0011_check_lists_as_comparisons.sql", "0012_leaf_hashes_from_publications.sql",
                "0013_low_merkle_levels_from_leaves.sql", "0014_openings_in_publication.sql", "0015_anchored_name_search.sql",
                "0016_contentless_name_search.sql", "0017_org_codes_derived_from_usccs.sql",
                "0018_name_search_without_positions.sql", "0019_grade_disclosure_follows_its_events.sql",
                "0020_listings_shown_to_followers.sql",
                "0021_checkpoints_signed_again.sql", "0022_name_search_folded.sql", "0023_watch_lists_by_organisation.sql",
                "0024_export_snapshots.sql", "0025_listing_caps_fixed_at_publication.sql", "0026_exports_written.sql",
            ])
    }

    /// A new directory holding a migrated registry database with no rows, its WAL folded in.
    static func migratedEmptyRegistry() async throws -> (directory: URL, path: String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("qcredit-store-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("registry.sqlite").path
        let database = try RegistryDatabase(path: path)
        try await database.checkpointWAL()
        return (directory, path)
    }

    /// A copy about to be restored must hold a log: a registry without a single record (a
    /// daemon publishes its policy before it can be backed up) is no backup.
    @Test func aRegistryCopyWithoutARecordIsNoBackup() async throws {
        let (directory, path) = try await Self.migratedEmptyRegistry()
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(RegistryDatabase.problemWithCopy(at: path) == "it holds no log (not one publication record)")
    }

    /// A database a newer qcredit migrated further is refused, not run by code that does not
    /// know its schema, and is left as it was.
    @Test func aDatabaseWrittenByANewerVersionIsRefusedUnchanged() async throws {
        let (directory, path) = try await Self.migratedEmptyRegistry()
        defer { try? FileManager.default.removeItem(at: directory) }
        // The schema and the migrations applied: what a refused open must leave as they were.
        let schema = { () throws -> [String] in
            let queue = try DatabaseQueue(path: path)
            defer { try? queue.close() }
            return try queue.read { db in
                try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY identifier")
                    + String.fetchAll(db, sql: "SELECT type || ' ' || name || ' ' || COALESCE(sql, '') FROM sqlite_master ORDER BY name")
            }
        }
        let queue = try DatabaseQueue(path: path)
        try await queue.write { try $0.execute(sql: "INSERT INTO grdb_migrations VALUES ('0099_from_the_future.sql')") }
        try queue.close()
        let before = try schema()
        // Byte for byte: not even SQLite's header (its change counter, the schema cookie) moves.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect {
            _ = try RegistryDatabase(path: path)
        } throws: { error in
            "\(error)".contains("was written by a newer qcredit (schema migrations this version does not know: 0099_from_the_future.sql)")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == bytes)
        #expect(try schema() == before)
    }

    /// Migration 11 rewrites value-list CHECKs in the stored schema: a store written before it
    /// keeps its rows, passes SQLite's integrity check, and its CHECKs refuse and accept what
    /// they did.
    @Test func valueListChecksRewrittenInPlaceStillRefuseWhatTheyRefused() async throws {
        let store = try await OlderStore(upTo: "0010_import_batch_digest.sql") { db in
            try db.execute(
                sql: "INSERT INTO enterprise_revision (enterprise_id, name, status, recorded_at, audit_id) "
                    + "VALUES (1, 'Old Co.', 'deregistered', 0, 1)")
            try db.execute(sql: "INSERT INTO publication (idx, kind, body, recorded_at, audit_id) VALUES (0, 'policy', x'7b7d', 0, 1)")
        }
        defer { store.remove() }
        let path = store.path
        let database = try RegistryDatabase(path: path)
        #expect(try await database.appliedMigrations().contains("0011_check_lists_as_comparisons.sql"))
        let raw = try DatabaseQueue(path: path)
        try await raw.read { db in
            #expect(try String.fetchAll(db, sql: "PRAGMA integrity_check") == ["ok"])
            #expect(try String.fetchOne(db, sql: "SELECT name FROM enterprise_revision") == "Old Co.")
            for table in ["publication", "enterprise_revision", "listing_step", "disclosure_end"] {
                let sql = try #require(try String.fetchOne(db, sql: "SELECT sql FROM sqlite_schema WHERE name = ?", arguments: [table]))
                #expect(!sql.contains(" IN ("), "\(table): \(sql)")
            }
        }
        try await raw.write { db in
            let columns = "listing_id, kind, state_after, on_date, outcome, removal_reason, recorded_at, audit_id"
            try db.execute(sql: "INSERT INTO listing (id, enterprise_id, list_type, reason, legal_basis, authority, document_number, "
                + "decision_date, name_at_decision, audit_id) VALUES (1, 1, 'l', 'r', 'b', 'a', 'd', '2026-01-01', 'n', 1)")
            let refused = [
                "INSERT INTO publication (idx, kind, body, recorded_at, audit_id) VALUES (1, 'grades', x'7b7d', 0, 1)",
                "INSERT INTO enterprise_revision (enterprise_id, name, status, recorded_at, audit_id) VALUES (1, 'N', 'Active', 0, 1)",
                "INSERT INTO listing_step (\(columns)) VALUES (1, 'listing', 'listed', '2026-01-01', NULL, NULL, 0, 1)",
                "INSERT INTO listing_step (\(columns)) VALUES (1, 'listed', 'list', '2026-01-01', NULL, NULL, 0, 1)",
                "INSERT INTO listing_step (\(columns)) VALUES (1, 'removed', 'removed', '2026-01-01', NULL, 'fixed', 0, 1)",
                "INSERT INTO disclosure_end (publication_idx, ends_on, reason, audit_id) VALUES (0, '2026-01-01', 'forgotten', 1)",
            ]
            for statement in refused {
                #expect(throws: DatabaseError.self, "\(statement)") { try db.execute(sql: statement) }
            }
            // Every listed value, and NULL where the column allows it, is still accepted.
            try db.execute(sql: "INSERT INTO publication (idx, kind, body, recorded_at, audit_id) VALUES (1, NULL, x'7b7d', 0, 1)")
            for (index, kind) in ["listing", "removal", "grade", "override", "policy"].enumerated() {
                try db.execute(
                    sql: "INSERT INTO publication (idx, kind, body, recorded_at, audit_id) VALUES (?, ?, x'7b7d', 0, 1)",
                    arguments: [index + 2, kind])
            }
            for status in ["active", "deregistered", "licence-revoked"] {
                try db.execute(
                    sql: "INSERT INTO enterprise_revision (enterprise_id, name, status, recorded_at, audit_id) VALUES (1, 'N', ?, 0, 1)",
                    arguments: [status])
            }
            for (kind, state) in zip(
                ["proposed", "objection-filed", "objection-resolved", "listed", "withdrawn", "removed"],
                ["proposed", "objected", "listed", "contested", "withdrawn", "removed"])
            {
                try db.execute(
                    sql: "INSERT INTO listing_step (\(columns)) VALUES (1, ?, ?, '2026-01-01', NULL, NULL, 0, 1)", arguments: [kind, state])
            }
            for reason in ["expired", "repaired", "revoked", "cured"] {
                try db.execute(
                    sql: "INSERT INTO listing_step (\(columns)) VALUES (1, 'removed', 'removed', '2026-01-01', NULL, ?, 0, 1)",
                    arguments: [reason])
            }
            for reason in ["superseded", "override-ends", "expired", "cured", "repaired", "revoked"] {
                try db.execute(
                    sql: "INSERT INTO disclosure_end (publication_idx, ends_on, reason, audit_id) VALUES (0, '2026-01-01', ?, 1)",
                    arguments: [reason])
            }
        }
    }

    /// Migration 9 rebuilds the event table: a store written before it keeps every event, id and
    /// correction, still refuses a second correction of an event, and numbers new events on.
    @Test func eventsRecordedBeforeTheCorrectionIndexMigrationKeepTheirIdsAndRules() async throws {
        let columns = "enterprise_id, dimension, kind, severity, occurred_on, authority, document_number, summary, "
            + "supersedes, is_retraction, recorded_at, audit_id"
        let store = try await OlderStore(upTo: "0008_name_index_at_commit.sql") { db in
            for (id, supersedes) in [(1, nil), (2, nil), (5, 1 as Int64?)] {
                try db.execute(
                    sql: "INSERT INTO quality_event (id, \(columns)) VALUES (?, 1, 'product', 'penalty', 'low', '2026-01-15', "
                        + "'authority', 'doc', 'summary', ?, 0, 0, 1)", arguments: [id, supersedes])
            }
        }
        defer { store.remove() }
        let path = store.path
        let database = try RegistryDatabase(path: path)
        #expect(try await database.appliedMigrations().contains("0009_event_corrections_index.sql"))
        let raw = try DatabaseQueue(path: path)
        let rows = try raw.read { db in try Row.fetchAll(db, sql: "SELECT id, supersedes FROM quality_event ORDER BY id") }
        #expect(rows.map { $0["id"] as Int64 } == [1, 2, 5])
        #expect(rows.map { $0["supersedes"] as Int64? } == [nil, nil, 1])
        #expect(throws: DatabaseError.self) {
            try raw.write { db in try db.execute(sql: "INSERT INTO quality_event (\(columns)) SELECT \(columns) FROM quality_event WHERE id = 5") }
        }
        let next = try await raw.write { db in
            try db.execute(sql: "INSERT INTO quality_event (\(columns)) SELECT \(columns) FROM quality_event WHERE id = 2")
            return db.lastInsertedRowID
        }
        #expect(next == 6)
    }

    /// Migration 25: a listing already published takes the cap of the policy the registry last
    /// ran with (not merely the newest published), and keeps it from then on.
    @Test func listingsPublishedBeforeCapsWereFixedTakeThePolicyInForce() async throws {
        let store = try await OlderStore(upTo: "0024_export_snapshots.sql") { db in
            for (index, version, cap) in [(0, "2026.1", "C"), (1, "2026.2", "B")] {
                try db.execute(
                    sql: "INSERT INTO publication (idx, kind, body, recorded_at, audit_id) VALUES (?, 'policy', x'7b7d', 0, 1)",
                    arguments: [index])
                let body = #"{"lists":{"abnormal-operations":{"maximumGrade":"\#(cap)"},"uncapped":{"maximumGrade":null}},"version":"\#(version)"}"#
                try db.execute(
                    sql: "INSERT INTO grading_policy (version, body, publication_idx, audit_id) VALUES (?, CAST(? AS BLOB), ?, 1)",
                    arguments: [version, body, index])
            }
            try db.execute(sql: "INSERT INTO maintenance_state (name, value) VALUES ('policyInForce', '2026.1')")
            for (id, type) in [(1, "abnormal-operations"), (2, "uncapped")] {
                try db.execute(
                    sql: """
                        INSERT INTO listing (id, enterprise_id, list_type, name_at_decision, reason, legal_basis, authority,
                            document_number, decision_date, audit_id) VALUES (?, 1, ?, 'n', 'r', 'b', 'a', 'd', '2026-01-01', 1)
                        """, arguments: [id, type])
                for kind in ["proposed", "listed"] {
                    try db.execute(
                        sql: """
                            INSERT INTO listing_step (listing_id, kind, state_after, on_date, recorded_at, audit_id)
                            VALUES (?, ?, ?, '2026-01-02', 0, 1)
                            """, arguments: [id, kind, kind])
                }
            }
        }
        defer { store.remove() }
        let database = try RegistryDatabase(path: store.path)
        let listings = try await database.read { reader in try [1, 2].map { try reader.listing(id: $0)! } }
        #expect(listings[0].listedStep?.maximumGrade == "C")
        #expect(listings[0].steps.first?.maximumGrade == nil)
        #expect(listings[1].listedStep != nil && listings[1].listedStep?.maximumGrade == nil)
        // Still append-only afterwards.
        let raw = try DatabaseQueue(path: store.path)
        #expect(throws: (any Error).self) { try raw.write { try $0.execute(sql: "UPDATE listing_step SET maximum_grade = 'A'") } }
    }

    /// Migration 23: a list that held an organisation by both its codes holds it once, by its
    /// USCC; a code with no such sibling stays.
    @Test func aWatchListHoldingBothCodesOfAnOrganisationKeepsItsUSCC() async throws {
        let store = try await OlderStore(upTo: "0021_checkpoints_signed_again.sql") { db in
            try db.execute(sql: "INSERT INTO watch_list (id, owner_uid, name, created_at) VALUES (1, 2000, 'loans', 0)")
            for code in [RegistryFixture.usccA, "078376286", "078377449"] {
                try db.execute(sql: "INSERT INTO watch_list_code (list_id, code) VALUES (1, ?)", arguments: [code])
            }
        }
        defer { store.remove() }
        let database = try RegistryDatabase(path: store.path)
        let codes = try await database.read { try $0.watchListCodes(1, after: "", limit: 10) }
        #expect(codes == ["078377449", RegistryFixture.usccA])
    }

    /// Migration 17: the organization code inside a USCC is kept for look-ups by code but left
    /// out of the index by file. A file lists it, shows it in the export's state and is watched
    /// by it all the same, whether it was opened before the migration (both rows indexed) or
    /// after (derived from the USCC).
    @Test func theOrganizationCodeInsideAUSCCIsDerivedWhereTheIndexByFileLeavesItOut() async throws {
        let (before, beforeOrg) = (RegistryFixture.usccA, "078376286")
        let (after, afterOrg) = (RegistryFixture.usccB, "078377449")
        let store = try await OlderStore(upTo: "0016_contentless_name_search.sql") { db in
            for (code, kind) in [(before, "uscc"), (beforeOrg, "orgCode")] {
                try db.execute(
                    sql: "INSERT INTO enterprise_code (code, enterprise_id, kind, audit_id) VALUES (?, 1, ?, 1)", arguments: [code, kind])
            }
            try db.execute(
                sql: "INSERT INTO enterprise_revision (enterprise_id, name, status, recorded_at, audit_id) VALUES (1, 'Before Co.', 'active', 0, 1)")
        }
        defer { store.remove() }
        let database = try RegistryDatabase(path: store.path)
        let registry = try await Registry(
            database: database, policy: PolicyFile.defaultPolicy(), clock: ManualClock(CivilDate(iso: "2026-03-02")!),
            logger: Logger(label: "qcredit.test", factory: { _ in SwiftLogNoOpLogHandler() }))
        let afterId = try await registry.register(RegistrationRequest(code: after, name: "After Co."), by: RegistryFixture.regulator).id
        let derived = try await database.read { try String.fetchAll($0.db, sql: "SELECT code FROM enterprise_code WHERE derived_from_uscc = 1") }
        #expect(derived == [afterOrg])
        let bank = Caller(method: "test", peer: AuditContext.Peer(uid: 2000, gid: 2000, pid: 7))
        _ = try await registry.editWatchList("loans", codes: [beforeOrg, afterOrg], edit: .set, by: bank)
        for (id, uscc, orgCode) in [(Int64(1), before, beforeOrg), (afterId, after, afterOrg)] {
            let file = try await registry.enterprise(code: orgCode)
            #expect(file.id == id)
            #expect(file.codes.map(\.code) == [uscc, orgCode])
            let (state, codes, watched) = try await database.read { reader in
                let list = try #require(try reader.watchListId(owner: 2000, name: "loans"))
                return (
                    try reader.stateRow(enterpriseId: id, atOrBefore: Instant(secondsSinceEpoch: .max)),
                    try reader.codes(enterpriseId: id), try reader.watchList(list, watches: id)
                )
            }
            #expect(state?.uscc == uscc)
            #expect(state?.orgCode == orgCode)
            #expect(codes == [orgCode, uscc])
            #expect(watched)
        }
    }

    /// Migrations 12 and 13: a store whose tree kept every level (the leaf hashes and the three
    /// levels above them in `merkle_node`) loses those rows and keeps its roots and proofs, which
    /// now hash the leaves in `publication` for them; leaves appended after it store only the
    /// nodes of level 4 and up.
    @Test func lowTreeLevelsStoredBeforeGoAndEveryRootStaysTheSame() async throws {
        let bodies = (0..<43).map { Array("{\"commitment\":\"leaf \($0)\",\"format\":2}".utf8) }
        let store = try await OlderStore(upTo: "0011_check_lists_as_comparisons.sql") { db in
            var tree = MerkleAccumulator()
            for (index, body) in bodies.enumerated() {
                try db.execute(
                    sql: "INSERT INTO publication (idx, kind, body, recorded_at, audit_id) VALUES (?, 'policy', ?, 0, 1)",
                    arguments: [index, Data(body)])
                try tree.appendNodes(leafHash: MerkleHash.leaf(body)) { node, hash in
                    try db.execute(
                        sql: "INSERT INTO merkle_node (level, idx, hash) VALUES (?, ?, ?)",
                        arguments: [node.level, node.index, Data(hash)])
                }
            }
        }
        defer { store.remove() }
        let database = try RegistryDatabase(path: store.path)
        let counts = { @Sendable in
            try await database.read { reader in
                try (
                    Int.fetchOne(reader.db, sql: "SELECT COUNT(*) FROM merkle_node WHERE level < 4") ?? -1,
                    Int.fetchOne(reader.db, sql: "SELECT COUNT(*) FROM merkle_node") ?? -1
                )
            }
        }
        // 43 leaves have two perfect subtrees of 16 leaves (level 4) and one of 32 (level 5).
        #expect(try await counts() == (0, 3))
        var expected = MerkleAccumulator()
        for body in bodies {
            expected.append(leafData: body)
            let size = expected.size
            #expect(try await database.read { try $0.merkleRoot(size: size) } == expected.root)
        }
        for (index, body) in bodies.enumerated() {
            let proof = try await database.read { try MerkleTree.inclusionProof(index: Int64(index), size: 43, reader: $0.merkleNodes) }
            try MerkleProof.verifyInclusion(
                leafHash: MerkleHash.leaf(body), index: Int64(index), treeSize: 43, proof: proof, root: expected.root)
        }
        for oldSize in 1..<43 {
            let old = bodies[..<oldSize].reduce(into: MerkleAccumulator()) { $0.append(leafData: $1) }.root
            let proof = try await database.read { try MerkleTree.consistencyProof(from: Int64(oldSize), to: 43, reader: $0.merkleNodes) }
            try MerkleProof.verifyConsistency(
                oldSize: Int64(oldSize), newSize: 43, oldRoot: old, newRoot: expected.root, proof: proof)
        }
        // Five more leaves, one append each, then sixteen in one batch: 64 leaves have four
        // subtrees of 16, two of 32 and one of 64, still none below level 4.
        let audit = AuditContext(method: "test", peer: nil, parameters: "{}", at: Instant(secondsSinceEpoch: 0))
        let record = Array("{\"type\":\"policy\"}".utf8)
        for _ in 0..<5 {
            _ = try await database.write(audit: audit) { writer in
                try writer.appendPublications([PendingPublication(kind: .policy, enterpriseId: nil, record: record)])
            }
        }
        _ = try await database.write(audit: audit) { writer in
            try writer.appendPublications(Array(repeating: PendingPublication(kind: .policy, enterpriseId: nil, record: record), count: 16))
        }
        #expect(try await counts() == (0, 7))
        let leaves = try await database.read { try $0.entries(from: 0, to: 64, limit: 64).map(\.leaf) }
        let root = leaves.reduce(into: MerkleAccumulator()) { $0.append(leafData: $1) }.root
        #expect(try await database.read { try $0.merkleRoot(size: 64) } == root)
    }

    /// Migration 14: openings kept in a table of their own move into their publication rows,
    /// byte for byte; a leaf without one (replayed from a public export) stays without; the
    /// old table goes, and the rows stay append-only.
    @Test func openingsMoveIntoTheirPublicationRowsUnchanged() async throws {
        let openings = (0..<3).map { n in
            RecordOpening(salt: (0..<32).map { UInt8($0 + n) }, record: Array("{\"type\":\"policy\",\"n\":\(n)}".utf8))
        }
        let store = try await OlderStore(upTo: "0013_low_merkle_levels_from_leaves.sql") { db in
            for (index, opening) in openings.enumerated() {
                try db.execute(
                    sql: "INSERT INTO publication (idx, kind, body, recorded_at, audit_id) VALUES (?, 'policy', ?, 0, 1)",
                    arguments: [index, Data(opening.leaf.bytes)])
                // Leaf 1 has no opening, as after a restore from a public export.
                guard index != 1 else { continue }
                try db.execute(
                    sql: "INSERT INTO publication_opening (idx, salt, record) VALUES (?, ?, ?)",
                    arguments: [index, Data(opening.salt), Data(opening.record)])
            }
        }
        defer { store.remove() }
        let database = try RegistryDatabase(path: store.path)
        let entries = try await database.read { try $0.entries(from: 0, to: 3, limit: 3) }
        #expect(entries.map(\.leaf) == openings.map(\.leaf.bytes))
        #expect(entries.map(\.opening) == [openings[0], nil, openings[2]])
        #expect(try await database.read { try $0.publication(index: 2)?.body } == openings[2].record)
        #expect(try await database.read { try $0.publication(index: 1) } == nil)
        let raw = try DatabaseQueue(path: store.path)
        #expect(try await raw.read { try $0.tableExists("publication_opening") } == false)
        #expect(throws: DatabaseError.self) {
            try raw.write { try $0.execute(sql: "UPDATE publication SET record = x'7b7d' WHERE idx = 0") }
        }
        // Both halves of an opening, or neither.
        #expect(throws: DatabaseError.self) {
            try raw.write {
                try $0.execute(
                    sql: "INSERT INTO publication (idx, kind, body, recorded_at, audit_id, salt) VALUES (3, 'policy', x'7b7d', 0, 1, zeroblob(32))")
            }
        }
    }

    /// REPLACE deletes the row it replaces; that must not be a way round the append-only rule.
    @Test func insertOrReplaceCannotRewriteAnyRecord() async throws {
        let fixture = try await RegistryFixture()
        try await fixture.register(RegistryFixture.usccA)
        let event = try await fixture.registry.recordEvent(fixture.event(RegistryFixture.usccA), by: RegistryFixture.regulator)
        _ = try await fixture.registry.correctEvent(eventId: event, replacement: nil, reason: "recorded twice", by: RegistryFixture.regulator)
        _ = try await fixture.listed(RegistryFixture.usccA)
        // Sixteen more files, so the log has a tree node of the lowest stored level to replace.
        for serial in 0..<16 { try await fixture.register(USCC.madeUp(serial: 700 + serial)) }
        _ = try await fixture.registry.publishGrades(codes: nil, by: RegistryFixture.regulator)
        let raw = try fixture.rawDatabase()
        let before = try await fixture.publications()
        let eventColumns = "enterprise_id, dimension, kind, severity, occurred_on, authority, document_number, summary, "
            + "supersedes, is_retraction, recorded_at, audit_id"
        for statement in [
            // An event by its id, and a second correction of a corrected event by its unique key.
            "INSERT OR REPLACE INTO quality_event (id, \(eventColumns)) SELECT id, \(eventColumns) FROM quality_event LIMIT 1",
            "INSERT OR REPLACE INTO quality_event (\(eventColumns)) SELECT \(eventColumns) FROM quality_event WHERE supersedes IS NOT NULL",
            "INSERT OR REPLACE INTO listing SELECT * FROM listing LIMIT 1",
            "INSERT OR REPLACE INTO publication (idx, kind, body, recorded_at, audit_id) VALUES (0, 'grade', x'7b7d', 0, 1)",
            "REPLACE INTO audit_entry (id, at, method, parameters) VALUES (1, 0, 'forged', '{}')",
            "INSERT OR REPLACE INTO enterprise (id, audit_id) VALUES (1, 1)",
            "INSERT OR REPLACE INTO enterprise_code (code, enterprise_id, kind, audit_id) "
                + "SELECT code, enterprise_id, kind, audit_id FROM enterprise_code LIMIT 1",
            "INSERT OR REPLACE INTO enterprise_revision (id, enterprise_id, name, status, recorded_at, audit_id) "
                + "VALUES (1, 1, 'Renamed behind the log', 'active', 0, 1)",
            "INSERT OR REPLACE INTO grading_policy (version, body, publication_idx, audit_id) "
                + "SELECT version, x'7b7d', publication_idx, audit_id FROM grading_policy",
            "INSERT OR REPLACE INTO grade_record (id, enterprise_id, basis, grade, policy_version, explanation, "
                + "effective_at, publication_idx, audit_id) SELECT id, enterprise_id, basis, 'AAA', policy_version, "
                + "explanation, effective_at, publication_idx, audit_id FROM grade_record",
            "INSERT OR REPLACE INTO merkle_node (level, idx, hash) VALUES (4, 0, zeroblob(32))",
        ] {
            #expect(throws: DatabaseError.self, "\(statement)") { try raw.write { try $0.execute(sql: statement) } }
        }
        #expect(try await fixture.publications().map(\.body) == before.map(\.body))
    }

    /// Whether the writer refuses a grade row for a file that does not exist, as its foreign key
    /// does once the checks are on again.
    private func refusesDanglingReference(_ writer: RegistryWriter) -> Bool {
        let sql = """
            INSERT INTO grade_record (enterprise_id, basis, grade, policy_version, explanation, effective_at,
                publication_idx, audit_id)
            VALUES (999999, 'computed', 'A', 'x', x'7b7d', 0, 1, 1)
            """
        do {
            try writer.db.cachedStatement(sql: sql).execute()
            return false
        } catch let error as DatabaseError {
            return error.extendedResultCode == .SQLITE_CONSTRAINT_FOREIGNKEY
        } catch {
            return false
        }
    }

    /// Batch imports insert with the connection's triggers and foreign-key checks off (RegistryWriter+GuardTriggers);
    /// the writer must come out of every batch, applied or failed, with its guards on again,
    /// including for a statement first prepared inside the batch.
    @Test func theWriterKeepsItsGuardsAfterABatchImport() async throws {
        let fixture = try await RegistryFixture()
        let rows = [
            RegistrationRequest(code: RegistryFixture.usccA, name: "Batch One Co."),
            RegistrationRequest(code: "91152201078376286X", name: "Wrong Check Character Co."),
        ]
        let outcome = try await fixture.registry.registerEnterprises(rows, place: nil, naming: { "\($0)" }, by: RegistryFixture.regulator)
        #expect(outcome.imported == 1 && outcome.rejections.count == 1)
        let events = try await fixture.registry.importEvents(
            [fixture.event(RegistryFixture.usccA), fixture.event(RegistryFixture.usccB)], place: nil, naming: { "\($0)" },
            by: RegistryFixture.regulator)
        #expect(events.imported == 1 && events.rejections.count == 1)
        let audit = AuditContext(method: "test", peer: nil, parameters: "{}", at: fixture.clock.now())
        let guarded = try await fixture.database.write(audit: audit) { writer in
            let refused = {
                [
                    "UPDATE enterprise_revision SET name = 'Renamed behind the log'", "DELETE FROM quality_event",
                    "INSERT OR REPLACE INTO enterprise (id, audit_id) VALUES (1, 1)",
                ].map { sql in (try? writer.db.cachedStatement(sql: sql).execute()) == nil } + [refusesDanglingReference(writer)]
            }
            // Prepared (and cached) while the guards are off, run once they are on again.
            try writer.insertingWithoutGuards {
                _ = try writer.db.cachedStatement(sql: "UPDATE enterprise_revision SET name = 'Renamed behind the log'")
            }
            let afterApplied = refused()
            struct Failed: Error {}
            _ = try? writer.insertingWithoutGuards { throw Failed() }
            return afterApplied + refused() + [writer.triggersEnabled(), writer.foreignKeysEnabled()]
        }
        #expect(guarded == Array(repeating: true, count: 10))
        let names = try await fixture.database.read { try $0.enterprise(id: 1)?.name }
        #expect(names == "Batch One Co.")
    }

    /// The bulk paths write with the foreign-key checks off (RegistryWriter+GuardTriggers), so
    /// what they write must hold every reference by construction: after batch imports of files
    /// and events, a listing, an override and the walk over every file, SQLite finds no row
    /// whose parent is missing.
    @Test func theBulkPathsWriteOnlyReferencesThatExist() async throws {
        let fixture = try await RegistryFixture()
        let codes = [RegistryFixture.usccA, RegistryFixture.usccB, RegistryFixture.usccC]
        let files = try await fixture.registry.registerEnterprises(
            codes.map { RegistrationRequest(code: $0, name: "Bulk \($0) Co.") }, place: nil, naming: { "\($0)" },
            by: RegistryFixture.regulator)
        #expect(files.imported == 3)
        let events = try await fixture.registry.importEvents(
            codes.map { fixture.event($0) } + [fixture.event(RegistryFixture.usccA, kind: "award", severity: "low")],
            place: nil, naming: { "\($0)" }, by: RegistryFixture.regulator)
        #expect(events.imported == 4)
        _ = try await fixture.registry.recordEvents([fixture.event(RegistryFixture.usccB)], by: RegistryFixture.regulator)
        _ = try await fixture.listed(RegistryFixture.usccC)
        let first = try await fixture.registry.publishGrades(codes: nil, by: RegistryFixture.regulator, batchSize: 2)
        fixture.clock.advance(days: 400)
        let second = try await fixture.registry.publishGrades(codes: nil, by: RegistryFixture.regulator, batchSize: 2)
        #expect(first.published == 3 && second.published > 0)
        let dangling = try await fixture.database.read { reader in try Row.fetchAll(reader.db, sql: "PRAGMA foreign_key_check").map(\.description) }
        #expect(dangling.isEmpty, "\(dangling)")
    }

    /// Publishing every grade writes its batches without the guard triggers and foreign-key
    /// checks; the writer has them again afterwards, for the statements it prepared during the walk too.
    @Test func theWriterKeepsItsGuardsAfterPublishingEveryGrade() async throws {
        let fixture = try await RegistryFixture()
        for code in [RegistryFixture.usccA, RegistryFixture.usccB] { try await fixture.register(code) }
        let summary = try await fixture.registry.publishGrades(codes: nil, by: RegistryFixture.regulator, batchSize: 1)
        #expect(summary.published == 2)
        let audit = AuditContext(method: "test", peer: nil, parameters: "{}", at: fixture.clock.now())
        let refused = try await fixture.database.write(audit: audit) { writer in
            [
                "UPDATE grade_record SET grade = 'AAA'", "DELETE FROM publication",
                "INSERT OR REPLACE INTO grade_record SELECT * FROM grade_record WHERE id = 1",
                "INSERT INTO publication (idx, kind, body, recorded_at, audit_id) VALUES (99, 'grade', x'7b7d', 0, 1)",
            ].map { sql in (try? writer.db.cachedStatement(sql: sql).execute()) == nil }
                + [writer.triggersEnabled(), writer.foreignKeysEnabled(), refusesDanglingReference(writer)]
        }
        #expect(refused == Array(repeating: true, count: 7))
        #expect(try await fixture.registry.logSize() == 3)
    }

    @Test func aChangedPolicyThatKeepsItsVersionIsRefused() async throws {
        let fixture = try await RegistryFixture()
        var changed = fixture.registry.policy
        changed.baseScore = 70
        await #expect(throws: PolicyError.self) {
            _ = try await Registry(database: fixture.database, policy: changed, clock: fixture.clock)
        }
        changed.version = "2026.2"
        let reopened = try await Registry(
            database: fixture.database, policy: changed, clock: fixture.clock,
            logger: Logger(label: "qcredit.test", factory: { _ in SwiftLogNoOpLogHandler() }))
        #expect(try await reopened.logSize() == 2)
    }
}
