import GRDB

/// The migrations of `Schema/`, embedded at build time, applied in file-name order.
enum SchemaMigrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        for name in SchemaFiles.files.keys.sorted() {
            let sql = SchemaFiles.files[name]!
            migrator.registerMigration(name) { db in
                if name == "0004_disclosure.sql" { try refuseLeafFormat1(db) }
                if name == "0011_check_lists_as_comparisons.sql" {
                    try editStoredSchema(db, sql)
                    return
                }
                try db.execute(sql: sql)
                // Publications recorded before the Merkle tree existed become its first leaves.
                if name == "0002_merkle_log.sql" { try MerkleNodeTable.backfill(db) }
            }
        }
        return migrator
    }

    /// Runs `sql`, which edits `sqlite_schema` in place, as SQLite's documentation prescribes:
    /// with `writable_schema` on, then a new `schema_version`, so that every connection reads
    /// the edited schema again. Only for edits that leave the rows' format as it is.
    static func editStoredSchema(_ db: Database, _ sql: String) throws {
        let version = try Int.fetchOne(db, sql: "PRAGMA schema_version") ?? 0
        try db.execute(sql: "PRAGMA writable_schema = ON")
        do {
            try db.execute(sql: sql)
        } catch {
            try db.execute(sql: "PRAGMA writable_schema = OFF")
            throw error
        }
        try db.execute(sql: "PRAGMA schema_version = \(version + 1)")
        try db.execute(sql: "PRAGMA writable_schema = OFF")
    }

    /// Before migration 4 every leaf was a record itself (leaf format 1); a log of them cannot be
    /// continued with commitments. No such log was ever deployed, so it is refused, not converted.
    static func refuseLeafFormat1(_ db: Database) throws {
        let count = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM publication") ?? 0
        guard count == 0 else { throw StoreError.leafFormat1(records: count) }
    }
}
