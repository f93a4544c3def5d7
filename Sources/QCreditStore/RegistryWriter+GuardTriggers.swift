import CSQLiteSetup
import GRDB

extension RegistryWriter {
    /// Runs `body`, which makes plain inserts only, with the schema's triggers off on the
    /// writer's connection, and turns them on again before returning or throwing.
    ///
    /// Every trigger in `Schema/` is a guard: append-only tables refuse `UPDATE`, `DELETE` and
    /// `INSERT OR REPLACE`, and the log refuses an index out of order. A plain `INSERT` on
    /// an append-only table cannot replace a row (a key already held fails the statement), so
    /// the no-replace guard has nothing to refuse in it; yet SQLite runs each trigger as a
    /// sub-program with a statement journal, which cost a quarter of importing a million files
    /// (BENCHMARKS.md). The guards stay in the schema for every other statement and every
    /// other connection. `body` must not update, delete or replace a row of an append-only
    /// table, nor append to the log: the batch imports (files and quality events) use it, whose
    /// rows are inserts of new files, codes, revisions and events (and the upsert of a file's
    /// regrade date in `regrade_due`, bookkeeping that has no trigger).
    ///
    /// SQLite expires the connection's prepared statements whenever the setting changes, so a
    /// statement prepared in `body` is prepared again, with its triggers, when it next runs.
    public func insertingWithoutGuards<T>(_ body: () throws -> T) throws -> T {
        try setTriggers(enabled: false)
        let result: T
        do {
            result = try body()
        } catch {
            try? setTriggers(enabled: true)
            throw error
        }
        try setTriggers(enabled: true)
        return result
    }

    /// Whether SQLite runs triggers on this connection.
    func triggersEnabled() -> Bool {
        qcredit_sqlite_enable_triggers(db.sqliteConnection, -1) == 1
    }

    private func setTriggers(enabled: Bool) throws {
        let wanted: Int32 = enabled ? 1 : 0
        guard qcredit_sqlite_enable_triggers(db.sqliteConnection, wanted) == wanted else {
            throw DatabaseError(
                resultCode: .SQLITE_MISUSE, message: "SQLite did not turn the connection's triggers \(enabled ? "on" : "off")")
        }
    }
}
