import GRDB

/// The migrations of `Schema/`, embedded at build time, applied in file-name order.
enum SchemaMigrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        for name in SchemaFiles.files.keys.sorted() {
            let sql = SchemaFiles.files[name]!
            migrator.registerMigration(name) { db in
                try db.execute(sql: sql)
                // Publications recorded before the Merkle tree existed become its first leaves.
                if name == "0002_merkle_log.sql" { try MerkleNodeTable.backfill(db) }
            }
        }
        return migrator
    }
}
