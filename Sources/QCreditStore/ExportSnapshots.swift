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

    /// The newest export this registry recorded writing (Schema/0026), whether or not it is still
    /// in the exports directory: withdrawn or pruned since, it still says when exports last ran.
    public func newestExportWritten() throws -> ExportWritten? {
        let row = try Row.fetchOne(
            db,
            sql: """
                SELECT name, kind, tree_size, created FROM export_snapshot WHERE created IS NOT NULL
                ORDER BY created DESC, name DESC LIMIT 1
                """)
        guard let row, let kind = row["kind"] as String?, let treeSize = row["tree_size"] as Int64?,
            let created = row["created"] as String?
        else { return nil }
        return ExportWritten(name: row["name"], kind: kind, treeSize: treeSize, created: created)
    }
}

/// An export the registry wrote: as it recorded writing it, or as its MANIFEST in the exports
/// directory says.
public struct ExportWritten: Sendable, Equatable {
    public let name: String
    public let kind: String
    public let treeSize: Int64
    /// RFC 3339, as its MANIFEST's `# created`.
    public let created: String

    public init(name: String, kind: String, treeSize: Int64, created: String) {
        self.name = name
        self.kind = kind
        self.treeSize = treeSize
        self.created = created
    }
}

extension RegistryDatabase {
    /// Records that `export` was written from a snapshot whose newest audit entry was
    /// `lastAuditId`. Bookkeeping: no audit entry of its own.
    public func recordExportSnapshot(_ export: ExportWritten, lastAuditId: Int64) async throws {
        try await writeWithoutAudit { db in
            try db.execute(
                sql: """
                    INSERT OR REPLACE INTO export_snapshot (name, last_audit_id, kind, tree_size, created) VALUES (?, ?, ?, ?, ?)
                    """,
                arguments: [export.name, lastAuditId, export.kind, export.treeSize, export.created])
        }
    }
}
