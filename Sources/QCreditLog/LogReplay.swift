import CanonicalJSON
import QCreditDomain
import QCreditStore

/// Puts published records back into a database that lost them (restored from a backup older
/// than the log's newest signed tree), from the copies the nightly exports hold, so that the
/// tree reaches the signed size again with the same root.
///
/// Only the log is replayed: each record becomes the leaf it was, byte for byte, attributed to
/// one audit entry of the restore. The registry's own tables (grades, listings) do not regain
/// the decisions those records describe; the records remain provable and served as entries.
///
/// ```swift
/// let size = try await LogReplay.append(missingRecords, to: database, at: now)
/// ```
public enum LogReplay {
    /// The audit trail's method name for a restore's replay.
    public static let auditMethod = "qcredit restore"

    /// Appends `records` as the log's next leaves, in one transaction; returns the new size.
    /// A record that is not a publication record (no known `type`) is refused, and nothing is
    /// appended.
    public static func append(_ records: [[UInt8]], to database: RegistryDatabase, at now: Instant, source: String)
        async throws -> Int64
    {
        let audit = AuditContext(
            method: auditMethod, peer: nil, parameters: JSONValue.object(["source": .string(source)]).jsonText, at: now)
        return try await database.write(audit: audit) { writer in
            for bytes in records {
                let record = try JSONValue.parse(bytes)
                guard let type = record["type"]?.stringValue, let kind = PublicationRecord.Kind(rawValue: type) else {
                    throw LogReplayError("a record to replay has no known type: \(String(decoding: bytes.prefix(80), as: UTF8.self))")
                }
                var enterpriseId: Int64?
                for code in [record["subject"]?["uscc"], record["subject"]?["orgCode"]].compactMap({ $0?.stringValue })
                where enterpriseId == nil {
                    enterpriseId = try writer.reader.codeEntry(code)?.enterpriseId
                }
                _ = try writer.appendLeaf(kind: kind, enterpriseId: enterpriseId, bytes: bytes)
            }
            return try writer.reader.publicationCount()
        }
    }
}

public struct LogReplayError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
