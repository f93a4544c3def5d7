import GRDB

extension RegistryReader {
    /// The newest audit entry this snapshot holds (0 for none): every transaction up to it
    /// committed before the snapshot was taken.
    public func lastAuditId() throws -> Int64 {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT COALESCE(MAX(id), 0) FROM audit_entry")) ?? 0
    }

    /// The newest audit entry each export's snapshot held, for the exports named that have one
    /// on record (Schema/0024).
    public func exportSnapshots(named names: [String]) throws -> [String: Int64] {
        var snapshots: [String: Int64] = [:]
        let statement = try db.cachedStatement(sql: "SELECT last_audit_id FROM export_snapshot WHERE name = ?")
        for name in names {
            if let id = try Int64.fetchOne(statement, arguments: [name]) { snapshots[name] = id }
        }
        return snapshots
    }
}

extension RegistryDatabase {
    /// Records that export `name` was written from a snapshot whose newest audit entry was
    /// `lastAuditId`. Bookkeeping: no audit entry of its own.
    public func recordExportSnapshot(name: String, lastAuditId: Int64) async throws {
        try await writeWithoutAudit { db in
            try db.execute(
                sql: "INSERT OR REPLACE INTO export_snapshot (name, last_audit_id) VALUES (?, ?)", arguments: [name, lastAuditId])
        }
    }
}
