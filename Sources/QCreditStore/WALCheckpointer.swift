import Foundation
import GRDB
import GRDBSQLite
import Synchronization

/// Copies the WAL into the database file on a connection and a thread of its own, beside the
/// writer, instead of inside the commit that fills it.
///
/// SQLite's automatic checkpoint runs in the commit that takes the WAL past its threshold: that
/// commit, and every write queued behind it, waits while thousands of pages are copied into the
/// database file and synced (publishing a million grades stalled for a third of a second every
/// ten batches, both cores otherwise idle: BENCHMARKS.md). Here the writer's WAL hook, called
/// after each commit with the WAL's size, hands the copy to this connection, which runs a
/// `PASSIVE` checkpoint while the writer goes on appending, then leaves the last few pages to
/// the writer's next commit, so that the WAL starts again from its beginning. It changes nothing about
/// durability: each commit still syncs the WAL before it returns, and SQLite syncs the WAL before
/// and the database file after a checkpoint. If the WAL still grows (a reader holding an old
/// snapshot keeps the copy from reaching its end), the writer checkpoints itself past
/// ``writerThreshold`` pages, as SQLite would.
final class WALCheckpointer: Sendable {
    /// WAL pages after a commit from which a checkpoint starts on this connection.
    let backgroundThreshold: Int32
    /// WAL pages after a commit from which the writer checkpoints in its commit, as SQLite's own
    /// automatic checkpoint does: four times the other, a bound on the WAL (160 MiB for the
    /// default) whatever the background one achieves.
    var writerThreshold: Int32 { backgroundThreshold * 4 }

    private let connection: DatabaseQueue
    /// Whether a background checkpoint is queued or running (at most one is).
    private let pending = Atomic<Bool>(false)
    /// Whether the writer's next commit copies what the background passes left.
    private let finishOnWriter = Atomic<Bool>(false)
    /// A background pass that copies fewer pages than this hands the rest to the writer.
    private static let lastPassFrames = 1_000

    /// Opens the checkpoint's own connection to the database at `path` (already in WAL mode),
    /// to copy the WAL once a commit leaves `pages` pages or more in it.
    init(path: String, pages: Int32) throws {
        backgroundThreshold = pages
        connection = try DatabaseQueue(path: path)
        // A checkpoint syncs the WAL before copying and the database file after it unless
        // synchronous is OFF; FULL says so, whatever SQLite was built with.
        try connection.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
    }

    /// Makes `db` (the writer) hand its checkpoints to this connection, replacing SQLite's
    /// automatic checkpoint. The hook holds the checkpointer weakly (the database that owns both
    /// is closing once it is gone).
    func install(on db: Database) {
        // One small context per database opened, never freed: SQLite cannot release it, and it
        // outlives the checkpointer only to answer that it has gone.
        let context = Unmanaged.passRetained(WALHookContext(self)).toOpaque()
        sqlite3_wal_hook(db.sqliteConnection, walHook, context)
    }

    /// Called on the writer after a commit left `pages` pages in the WAL.
    fileprivate func committed(_ writer: OpaquePointer?, pages: Int32) {
        if pages >= writerThreshold || finishOnWriter.exchange(false, ordering: .acquiringAndReleasing) {
            sqlite3_wal_checkpoint_v2(writer, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
        } else if pages >= backgroundThreshold, !pending.exchange(true, ordering: .acquiringAndReleasing) {
            connection.asyncWriteWithoutTransaction { [self] db in
                defer { pending.store(false, ordering: .releasing) }
                // Pass after pass while the writer goes on, until a pass finds little new to
                // copy. A failure (the disk full) leaves the pages in the WAL, where they are
                // safe; the next commit past the threshold tries again.
                var backfilled = 0
                for _ in 0..<8 {
                    guard let pass = try? db.checkpoint(.passive) else { return }
                    let copied = pass.checkpointedFrameCount - backfilled
                    backfilled = pass.checkpointedFrameCount
                    if copied < Self.lastPassFrames { break }
                }
                // The writer copies the last few pages in its next commit, when none can be
                // added meanwhile: then the WAL is copied to its end and the commit after starts
                // it again from the beginning. Left to passes beside the writer, the copy would
                // rarely reach the end between two commits, and every commit would start one.
                finishOnWriter.store(true, ordering: .releasing)
            }
        }
    }

    /// Returns once no background checkpoint is running (the writer then starts no new one
    /// until its next commit).
    func waitUntilIdle() {
        connection.writeWithoutTransaction { _ in }
    }
}

/// What the WAL hook is given: the checkpointer while it exists.
private final class WALHookContext: Sendable {
    weak let checkpointer: WALCheckpointer?

    init(_ checkpointer: WALCheckpointer) { self.checkpointer = checkpointer }
}

/// SQLite's WAL hook: after every commit of the writer, with the WAL's size in pages.
private func walHook(context: UnsafeMutableRawPointer?, writer: OpaquePointer?, database: UnsafePointer<CChar>?, pages: Int32)
    -> Int32
{
    guard let context else { return SQLITE_OK }
    Unmanaged<WALHookContext>.fromOpaque(context).takeUnretainedValue().checkpointer?.committed(writer, pages: pages)
    return SQLITE_OK
}
