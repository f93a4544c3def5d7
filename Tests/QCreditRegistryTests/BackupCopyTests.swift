import Foundation
import GRDB
import QCreditStore
import Testing

/// `RegistryDatabase.backup(to:shouldStop:)`: SQLite's backup, copied 1,024 pages a step.
@Suite struct BackupCopyTests {
    /// A registry database with 12 MiB in a scratch table beside the registry's: three steps and more.
    static func largeFixture() async throws -> RegistryFixture {
        let fixture = try await RegistryFixture()
        try await fixture.rawDatabase().write { db in
            try db.execute(sql: "CREATE TABLE ballast (id INTEGER PRIMARY KEY, data BLOB NOT NULL)")
            for id in 0..<192 { try db.execute(sql: "INSERT INTO ballast VALUES (?, zeroblob(65536))", arguments: [id]) }
        }
        return fixture
    }

    /// Told to stop after the first step (the daemon is stopping), the copy throws
    /// `backupStopped` instead of going on to the end.
    @Test func aCopyToldToStopStopsAfterItsStep() async throws {
        let fixture = try await Self.largeFixture()
        let copy = fixture.directory.appendingPathComponent("copy.sqlite").path
        var asked = 0
        do {
            try fixture.database.backup(to: copy) {
                asked += 1
                return true
            }
            Issue.record("the copy went on to its end")
        } catch StoreError.backupStopped {
        }
        #expect(asked == 1)
    }

    /// Steps are taken on one read snapshot: what another connection writes between them is not
    /// in the copy, which is whole (SQLite's integrity check passes) and as it was when the
    /// copy began. (A copy that restarted on every write could never end under steady writes.)
    @Test func writesBetweenStepsAreNotInTheCopy() async throws {
        let fixture = try await Self.largeFixture()
        let writer = try fixture.rawDatabase()
        let copy = fixture.directory.appendingPathComponent("copy.sqlite").path
        var steps = 0
        try fixture.database.backup(to: copy) {
            steps += 1
            try? writer.write { db in try db.execute(sql: "INSERT INTO ballast VALUES (?, zeroblob(65536))", arguments: [1000 + steps]) }
            return false
        }
        #expect(steps >= 3, "the copy took \(steps) steps")
        let copied = try DatabaseQueue(path: copy)
        let (integrity, rows) = try await copied.read { db in
            (try String.fetchAll(db, sql: "PRAGMA integrity_check"), try Int.fetchOne(db, sql: "SELECT count(*) FROM ballast"))
        }
        #expect(integrity == ["ok"])
        #expect(rows == 192)
        let written = try await writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM ballast") }
        #expect(written == 192 + steps)
    }
}
