import Foundation
import QCreditDomain
import QCreditStore
import Testing

/// The WAL is copied into the database file by a connection of its own, beside the writer
/// (`WALCheckpointer`): it must still happen, and a full checkpoint (before a backup is moved)
/// must still empty the WAL while one runs.
@Suite struct WALCheckpointTests {
    /// A fresh store whose WAL is copied once a commit leaves 20 pages in it.
    private struct SmallStore {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("qcredit-wal-\(UUID().uuidString)")
        var path: String { directory.appendingPathComponent("registry.sqlite").path }

        func open() throws -> RegistryDatabase {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            return try RegistryDatabase(path: path, checkpointPages: 20)
        }

        func size(_ suffix: String = "") -> Int {
            (try? FileManager.default.attributesOfItem(atPath: path + suffix)[.size] as? Int) ?? 0
        }

        func remove() { try? FileManager.default.removeItem(at: directory) }
    }

    /// Ten commits of 100 log records each (about 30 KiB a commit: past 20 pages every time).
    private static func write(to database: RegistryDatabase) async throws {
        let audit = AuditContext(method: "test", peer: nil, parameters: "{}", at: Instant(secondsSinceEpoch: 0))
        let record = Array("{\"padding\":\"\(String(repeating: "x", count: 200))\",\"type\":\"policy\"}".utf8)
        for _ in 0..<10 {
            _ = try await database.write(audit: audit) { writer in
                try writer.appendPublications(Array(repeating: PendingPublication(kind: .policy, enterpriseId: nil, record: record), count: 100))
            }
        }
    }

    @Test func pagesPastTheThresholdReachTheDatabaseFileWithoutAnyoneAsking() async throws {
        let store = SmallStore()
        defer { store.remove() }
        let database = try store.open()
        let before = store.size()
        try await Self.write(to: database)
        // SQLite's own automatic checkpoint is replaced: only the checkpointer copies pages
        // into the database file, which grows by what the commits added.
        var grown = store.size() > before
        for _ in 0..<100 where !grown {
            try await Task.sleep(for: .milliseconds(50))
            grown = store.size() > before
        }
        #expect(grown, "the database file stayed at \(before) bytes; the WAL holds \(store.size("-wal"))")
        #expect(try await database.read { try $0.publicationCount() } == 1000)
    }

    /// Once copied, the WAL is written again from its beginning rather than growing on: its
    /// header's checkpoint sequence number (bytes 12–15) counts each new start.
    @Test func theWALStartsAgainFromItsBeginningOnceCopied() async throws {
        let store = SmallStore()
        defer { store.remove() }
        let database = try store.open()
        let sequence = {
            let header = [UInt8]((try? Data(contentsOf: URL(fileURLWithPath: store.path + "-wal")))?.prefix(16) ?? Data())
            return header.count == 16 ? header[12..<16].reduce(0) { $0 << 8 | Int($1) } : -1
        }
        try await Self.write(to: database)
        let first = sequence()
        var restarted = false
        for _ in 0..<20 where !restarted {
            try await Self.write(to: database)
            restarted = sequence() > first
        }
        #expect(restarted, "checkpoint sequence \(first) → \(sequence()); WAL \(store.size("-wal")) bytes")
    }

    @Test func aFullCheckpointRightAfterHeavyWritesEmptiesTheWAL() async throws {
        let store = SmallStore()
        defer { store.remove() }
        let database = try store.open()
        for _ in 0..<3 {
            try await Self.write(to: database)
            // A background checkpoint is likely running now: this one waits for it, never busy.
            try await database.checkpointWAL()
            #expect(store.size("-wal") == 0)
        }
        #expect(try await database.read { try $0.publicationCount() } == 3000)
    }
}
