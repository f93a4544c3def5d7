import Foundation
import GRDB

/// A batch of a file import the registry applied: its lines, how many rows it imported, and the
/// rows it refused (JSON), so a re-run of the import reports them again instead of applying the
/// batch twice.
public struct AppliedImportBatch: Sendable, Hashable {
    public var kind: String
    public var firstLine: Int64
    public var lastLine: Int64
    public var imported: Int64
    public var rejections: String
    /// SHA-256 of the batch's rows as they were sent; nil for batches applied before it was kept.
    public var rowsDigest: [UInt8]?

    public init(kind: String, firstLine: Int64, lastLine: Int64, imported: Int64, rejections: String, rowsDigest: [UInt8]?) {
        self.kind = kind
        self.firstLine = firstLine
        self.lastLine = lastLine
        self.imported = imported
        self.rejections = rejections
        self.rowsDigest = rowsDigest
    }
}

extension RegistryReader {
    /// The applied batches of import `importId` whose lines overlap `firstLine...lastLine`.
    public func importBatches(importId: String, overlapping firstLine: Int64, _ lastLine: Int64) throws
        -> [AppliedImportBatch]
    {
        try rows(
            """
            SELECT kind, first_line, last_line, imported, rejections, rows_digest FROM import_batch
            WHERE import_id = ? AND first_line <= ? AND last_line >= ?
            """,
            [importId, lastLine, firstLine]
        ).map {
            AppliedImportBatch(
                kind: $0["kind"], firstLine: $0["first_line"], lastLine: $0["last_line"], imported: $0["imported"],
                rejections: $0["rejections"], rowsDigest: ($0["rows_digest"] as Data?).map { [UInt8]($0) })
        }
    }
}

extension RegistryWriter {
    /// Remembers, in the batch's own transaction, that it was applied.
    public func recordImportBatch(importId: String, _ batch: AppliedImportBatch) throws {
        try reader.db.cachedStatement(
            sql: """
                INSERT INTO import_batch (import_id, kind, first_line, last_line, imported, rejections, rows_digest, audit_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            importId, batch.kind, batch.firstLine, batch.lastLine, batch.imported, batch.rejections,
            batch.rowsDigest.map { Data($0) }, auditId,
        ])
    }
}

extension RegistryReader {
    /// What import `importId` brings (`enterprises` or `events`), if any batch of it was applied.
    public func importKind(importId: String) throws -> String? {
        try row("SELECT kind FROM import_batch WHERE import_id = ? LIMIT 1", [importId])?["kind"]
    }
}
