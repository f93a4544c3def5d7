import CSQLiteSetup
import Foundation
import GRDB
import Synchronization

/// The registry's SQLite database: a WAL-mode pool of readers beside one writer, migrated
/// from `Schema/` on open.
///
/// Durability: the writer runs with `synchronous = FULL`, so every commit fsyncs the WAL before
/// `write` returns, and a write the daemon has acknowledged survives `kill -9` and power loss.
/// The setting is applied after the pool exists and read back: GRDB's `DatabasePool` sets
/// `synchronous = NORMAL` on the writer when it turns WAL on, after `prepareDatabase`, which
/// would leave commits in the WAL unsynced until the next checkpoint.
///
/// ```swift
/// let database = try RegistryDatabase(path: "/var/lib/qcredit/registry.sqlite")
/// let id = try await database.read { try $0.enterpriseId(forCode: "91350100M000100Y43") }
/// ```
public final class RegistryDatabase: Sendable {
    /// The pool itself, for the store's own extensions (backups, snapshots).
    let pool: DatabasePool
    /// Copies the WAL into the database file beside the writer (the writer's commits hand it the work).
    private let checkpointer: WALCheckpointer
    public let path: String
    private let changeObservers = FileChangeObservers()
    /// Signalled after every committed write, for change feeds.
    public let commits = CommitSignal()
    /// Write transactions committed since the database was opened, counted on the writer right
    /// after each commit (so a write reads an exact count: see ``RegistryWriter/committedWritesBefore``).
    private let committedWrites = CommitCounter()
    /// Write transactions committed since opening that ended a record's disclosure.
    private let disclosureEnds = CommitCounter()

    /// `PRAGMA synchronous` value of `FULL`.
    static let fullSynchronous = 2

    /// SQLite's process-wide settings, made once before the process opens its first database.
    private static let sqliteSetUp: Void = { _ = qcredit_sqlite_skip_memory_statistics() }()

    /// Opens (creating if needed) and migrates the database at `path`. The WAL is copied into
    /// the database file, beside the writer, once a commit leaves `checkpointPages` pages in it.
    public init(path: String, readerCount: Int = 4, checkpointPages: Int32 = 10_000) throws {
        Self.sqliteSetUp
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.maximumReaderCount = readerCount
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in try NameIndexKey.install(on: db) }
        // A downgrade would run older code on a schema it does not know: refused, and the file
        // left byte for byte as it was (it is checked before the pool opens it for writing,
        // which touches SQLite's header even when nothing else is written).
        if let unknown = Self.unknownMigrations(inDatabaseAt: path), !unknown.isEmpty {
            throw StoreError.writtenByNewerVersion(path: path, unknownMigrations: unknown.sorted())
        }
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            let synchronous = try pool.barrierWriteWithoutTransaction { db in
                try db.execute(sql: "PRAGMA synchronous = FULL")
                return try Int.fetchOne(db, sql: "PRAGMA synchronous")
            }
            guard synchronous == Self.fullSynchronous else {
                throw StoreError.cannotOpen(
                    path: path, reason: "the writer reports synchronous = \(synchronous.map(String.init) ?? "nothing"), not FULL (2)")
            }
            // Again on the pool: the read-only look before it found no answer when the file could
            // not be read that way (busy, no -shm): a downgrade is still refused, unchanged in content.
            let unknown = try pool.read(Self.unknownMigrations(in:))
            guard unknown.isEmpty else { throw StoreError.writtenByNewerVersion(path: path, unknownMigrations: unknown.sorted()) }
            try SchemaMigrations.migrator.migrate(pool)
            // Statement journals (an insert that has triggers or can fail part-way copies each
            // page it changes into one) stay in memory on the writer. On disk they spilled past
            // 64 KiB: publishing 10,000 grades made 57,000 page writes to a temporary file.
            // Set after the migrations, whose index builds may sort more than memory should hold.
            // The writer's page cache holds the code and name indexes' upper levels and most of
            // their leaves (SQLite's default, 2 MiB, made registering a million files read 17 GB
            // through pread, now 3.4 GB), and the WAL is copied into the database every 10,000
            // pages rather than 1,000 (a leaf written by several batches is copied once), by the
            // checkpointer's connection beside the writer. Larger WALs cost more: with no
            // checkpoint at all, every page lookup searched a WAL index of a million frames and
            // the import ran at two thirds of the speed (BENCHMARKS.md).
            checkpointer = try WALCheckpointer(path: path, pages: checkpointPages)
            try pool.barrierWriteWithoutTransaction { [checkpointer] db in
                try db.execute(sql: "PRAGMA temp_store = MEMORY")
                try db.execute(sql: "PRAGMA cache_size = -32768")
                checkpointer.install(on: db)
            }
        } catch let error as StoreError {
            throw error
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CORRUPT || error.resultCode == .SQLITE_NOTADB {
            // The operator's next step, which SQLite's words do not give.
            throw StoreError.cannotOpen(
                path: path, reason: "\(error). The file is damaged: restore the newest backup (qcredit restore BACKUP "
                    + "--entries EXPORT…, README: Backup and restore), keeping the damaged file aside")
        } catch {
            throw StoreError.cannotOpen(path: path, reason: "\(error)")
        }
        self.path = path
    }

    /// What the writer connection reports for `PRAGMA synchronous` (2 is FULL: every commit is
    /// synced to disk before it returns).
    public func writerSynchronousMode() async throws -> Int {
        try await pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 }
    }

    /// Runs `body` in a read transaction on one of the pool's readers (never on the caller's
    /// thread): it sees one consistent snapshot of the database.
    public func read<T: Sendable>(_ body: @escaping @Sendable (RegistryReader) throws -> T) async throws -> T {
        try await pool.read { db in try body(RegistryReader(db)) }
    }

    /// ``read(_:)`` on the calling thread, which it blocks: for threads meant for blocking work
    /// (NIO's blocking pool), never an event loop or Swift's cooperative pool.
    public func readBlocking<T>(_ body: (RegistryReader) throws -> T) throws -> T {
        try pool.read { db in try body(RegistryReader(db)) }
    }

    /// Runs `body` in one write transaction that starts by recording `audit`. Either all of it
    /// is committed (and on disk when this returns) or none of it.
    ///
    /// This is the one place registry writes commit: once one has, the observers given to
    /// ``observeFileChanges(_:)`` learn which files it touched, before this returns.
    public func write<T: Sendable>(
        audit: AuditContext, _ body: @escaping @Sendable (RegistryWriter) throws -> T
    ) async throws -> T {
        let changes = FileChangeCollector()
        let result = try await pool.write { [committedWrites] db in
            Self.countCommit(of: db, in: committedWrites)
            let writer = try RegistryWriter(
                db, audit: audit, changes: changes, committedWritesBefore: committedWrites.value)
            let result = try body(writer)
            try writer.indexNewNames()
            return result
        }
        changeObservers.notify(changes.changes)
        // Counted before the write returns, and after the observers (the grade index) dropped
        // what it changed: a stream that checks the count before each reply it sends composes
        // none for the public from what this write stopped disclosing.
        if changes.endedDisclosure { disclosureEnds.increment() }
        commits.signal()
        return result
    }

    /// Calls `observer` after every committed write with the files it touched (see
    /// ``FileChanges``), on the writing task and before the write returns: what the observer
    /// updates is current when the write is acknowledged. Observers must be quick.
    public func observeFileChanges(_ observer: @escaping @Sendable (FileChanges) -> Void) {
        changeObservers.add(observer)
    }

    /// A write that is bookkeeping, not a registry decision (a signed checkpoint): it gets no
    /// audit entry of its own.
    func writeWithoutAudit(_ body: @escaping @Sendable (Database) throws -> Void) async throws {
        try await pool.write { [committedWrites] db in
            Self.countCommit(of: db, in: committedWrites)
            try body(db)
        }
    }

    /// How many committed write transactions ended a record's disclosure since the database was
    /// opened (``RegistryWriter/endDisclosure(of:on:reason:)``), read before a stream's page.
    public var disclosureEndCount: Int { disclosureEnds.value }

    /// How many write transactions have committed since the database was opened. A read that
    /// takes this before its snapshot sees at least those writes.
    public var committedWriteCount: Int { committedWrites.value }

    /// Counts the transaction `db` is in once it commits, on the writer, before the next one starts.
    private static func countCommit(of db: Database, in counter: CommitCounter) {
        db.afterNextTransaction(onCommit: { _ in counter.increment() })
    }

    /// Copies every committed page from the WAL into the database file and empties the WAL, so
    /// the file alone holds the whole database (before it is moved or copied).
    public func checkpointWAL() async throws {
        let path = self.path
        try await pool.writeWithoutTransaction { [checkpointer] db in
            // A checkpoint running beside the writer would make this one busy; none starts
            // while the writer is here.
            checkpointer.waitUntilIdle()
            // The pragma reports a reader in the way as a row (busy = 1), not as an error.
            let busy = try Int.fetchOne(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)") ?? 0
            if busy != 0 { throw StoreError.walInUse(path: path) }
        }
    }

    /// The schema migrations applied to this database, in order.
    public func appliedMigrations() async throws -> [String] {
        try await pool.read { db in try SchemaMigrations.migrator.appliedMigrations(db) }
    }
}

/// A count of committed write transactions, shared with the writer's commit hook.
private final class CommitCounter: Sendable {
    private let count = Atomic<Int>(0)

    var value: Int { count.load(ordering: .acquiring) }

    func increment() { count.add(1, ordering: .releasing) }
}
