import CSQLiteSetup
import GRDB

extension RegistryWriter {
    /// Runs `body`, which makes plain inserts only, with the schema's triggers and foreign-key
    /// checks off on the writer's connection, and turns both on again before returning or throwing.
    ///
    /// Every trigger in `Schema/` is a guard: append-only tables refuse `UPDATE`, `DELETE` and
    /// `INSERT OR REPLACE`, and the log refuses an index out of order. A plain `INSERT` on
    /// an append-only table cannot replace a row (a key already held fails the statement), so
    /// the no-replace guard has nothing to refuse in it; yet SQLite runs each trigger as a
    /// sub-program with a statement journal, which cost a quarter of importing a million files
    /// (BENCHMARKS.md). A foreign key costs a B-tree seek into its parent table per inserted row
    /// (three for a grade row), about a tenth of a bulk load and of publishing every grade, for
    /// references `body` takes from rows it read or inserted in the same transaction. The guards
    /// and the checks stay for every other statement and every other connection. `body` must not
    /// update, delete or replace a row of an append-only table, must append to the log only after
    /// its last index read in the same transaction, and must reference only rows that exist: the
    /// batch imports (files and quality events) and the publishing walk use it, whose rows are
    /// inserts of new files, codes, revisions, events, publications, their openings, Merkle nodes
    /// and grade rows (and the upsert of a file's regrade date in `regrade_due`, bookkeeping that
    /// has no trigger).
    ///
    /// SQLite expires the connection's prepared statements whenever a setting changes, so a
    /// statement prepared in `body` is prepared again, with its triggers and checks, when it next runs.
    public func insertingWithoutGuards<T>(_ body: () throws -> T) throws -> T {
        try setGuards(enabled: false)
        let result: T
        do {
            result = try body()
        } catch {
            try? setGuards(enabled: true)
            throw error
        }
        try setGuards(enabled: true)
        return result
    }

    /// Whether SQLite runs triggers on this connection.
    func triggersEnabled() -> Bool {
        qcredit_sqlite_enable_triggers(db.sqliteConnection, -1) == 1
    }

    /// Whether SQLite checks foreign keys on this connection.
    func foreignKeysEnabled() -> Bool {
        qcredit_sqlite_enable_foreign_keys(db.sqliteConnection, -1) == 1
    }

    private func setGuards(enabled: Bool) throws {
        let wanted: Int32 = enabled ? 1 : 0
        guard qcredit_sqlite_enable_triggers(db.sqliteConnection, wanted) == wanted,
              qcredit_sqlite_enable_foreign_keys(db.sqliteConnection, wanted) == wanted else {
            throw DatabaseError(
                resultCode: .SQLITE_MISUSE, message: "SQLite did not turn the connection's triggers and foreign keys \(enabled ? "on" : "off")")
        }
    }
}
