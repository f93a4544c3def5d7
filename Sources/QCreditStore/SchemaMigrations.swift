import GRDB

/// The migrations of `Schema/`, embedded at build time, applied in file-name order.
enum SchemaMigrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        for name in SchemaFiles.files.keys.sorted() {
            let sql = SchemaFiles.files[name]!
            migrator.registerMigration(name) { db in
                if name == "0004_disclosure.sql" { try refuseLeafFormat1(db) }
                try db.execute(sql: sql)
                // Publications recorded before the Merkle tree existed become its first leaves.
                if name == "0002_merkle_log.sql" { try MerkleNodeTable.backfill(db) }
            }
        }
        return migrator
    }

    /// Before migration 4 every leaf was a record itself (leaf format 1); a log of them cannot be
    /// continued with commitments. No such log was ever deployed, so it is refused, not converted.
    static func refuseLeafFormat1(_ db: Database) throws {
        let count = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM publication") ?? 0
        guard count == 0 else { throw StoreError.leafFormat1(records: count) }
    }
}
