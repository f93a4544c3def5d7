import Foundation
import GRDB

extension RegistryDatabase {
    /// Copies the whole database to a new file at `path` with SQLite's online backup API: a
    /// consistent snapshot, taken while readers and the writer go on. Blocking: call it off any
    /// event loop. `shouldStop` is asked after each step of 1,024 pages (4 MiB): when it says
    /// yes, the copy stops there and throws `StoreError.backupStopped`.
    public func backup(to path: String, shouldStop: () -> Bool = { false }) throws {
        do {
            let destination = try DatabaseQueue(path: path)
            try withoutActuallyEscaping(shouldStop) { shouldStop in
                try pool.backup(to: destination, pagesPerStep: 1024) { progress in
                    if !progress.isCompleted && shouldStop() { throw StoreError.backupStopped }
                }
            }
            try destination.close()
        } catch let error as DatabaseError where error.resultCode == .SQLITE_FULL {
            // SQLite's own text for it here is "not an error" (the message of the other connection).
            throw StoreError.diskFull(path: path)
        }
    }
}

extension RegistryDatabase {
    /// What is wrong with the database file at `path` as a registry's copy (a backup about to
    /// be restored), or nil when it is an intact one: not empty, SQLite's `integrity_check`
    /// passes, and it holds the log. Read only: the file is not changed.
    public static func problemWithCopy(at path: String) -> String? {
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        guard size > 0 else { return "the database file is empty" }
        do {
            return try readOnlyQueue(path).read { db in
                let report = try String.fetchAll(db, sql: "PRAGMA integrity_check")
                guard report == ["ok"] else { return "SQLite's integrity check fails: \(report.prefix(3).joined(separator: "; "))" }
                guard try db.tableExists("publication") else { return "it holds no registry (no publication table)" }
                // A daemon publishes its policy before it can be backed up: a registry without a
                // single record is no backup of a log.
                guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM publication)") ?? false else {
                    return "it holds no log (not one publication record)"
                }
                return nil
            }
        } catch {
            return "\(error)"
        }
    }

    /// Folds the write-ahead log beside the database at `path` (`registry.sqlite-wal`, which
    /// holds the newest acknowledged writes of a daemon that was killed) into the file itself
    /// and empties it, so that the file alone holds every write: a database moved aside or
    /// copied with its files one by one then loses none. Nothing to do without a database or a
    /// write-ahead log; throws when SQLite cannot open or fold them (a damaged copy).
    public static func foldWriteAheadLog(ofDatabaseAt path: String) throws {
        let size = { (file: String) in (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0 }
        guard size(path) > 0, size(path + "-wal") > 0 else { return }
        let queue = try DatabaseQueue(path: path)
        try queue.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        try queue.close()
    }

    /// How many log records the registry database at `path` holds, read without changing it
    /// (no migration, no write); nil when there is none or it cannot be read as one.
    public static func logSize(ofDatabaseAt path: String) -> Int64? {
        readIfPresent(path) { db in
            try db.tableExists("publication") ? Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(idx) + 1, 0) FROM publication") : nil
        }
    }

    /// The migrations the database at `path` records that this version does not know, read
    /// without changing the file; nil when there is no database there yet (or none readable:
    /// opening it for writing then says why).
    static func unknownMigrations(inDatabaseAt path: String) -> Set<String>? {
        readIfPresent(path) { db in try db.tableExists("grdb_migrations") ? unknownMigrations(in: db) : [] }
    }

    /// The migrations `db` records that this version does not know.
    static func unknownMigrations(in db: Database) throws -> Set<String> {
        try SchemaMigrations.migrator.appliedIdentifiers(db).subtracting(SchemaMigrations.migrator.migrations)
    }

    /// The newest checkpoint signed in the database at `path`, read without changing the file;
    /// nil when there is no database or no checkpoint in it.
    public static func latestCheckpoint(inDatabaseAt path: String) -> StoredCheckpoint? {
        readIfPresent(path) { db in try db.tableExists("signed_checkpoint") ? RegistryReader(db).latestCheckpoint() : nil }
    }

    /// The rules published under policy `version` in the database at `path` (canonical JSON),
    /// read without changing the file; nil when there is no database or no such version.
    public static func publishedPolicy(version: String, inDatabaseAt path: String) -> [UInt8]? {
        readIfPresent(path) { db in
            try db.tableExists("grading_policy") ? RegistryReader(db).policyBody(version: version) : nil
        }
    }

    /// `body`'s answer on a read-only connection to the database at `path`; nil when there is
    /// no database there (no file, or an empty one) or it cannot be read that way.
    private static func readIfPresent<T>(_ path: String, _ body: (Database) throws -> T?) -> T? {
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        guard size > 0 else { return nil }
        return (try? readOnlyQueue(path).read(body)) ?? nil
    }

    /// The database at `path`, opened so that nothing can be written to it.
    private static func readOnlyQueue(_ path: String) throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.readonly = true
        return try DatabaseQueue(path: path, configuration: configuration)
    }
}
