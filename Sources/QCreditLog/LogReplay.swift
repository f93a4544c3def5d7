import CanonicalJSON
import QCreditDomain
import QCreditStore
import TransparencyLog

/// Puts published records back into a database that lost them (restored from a backup older
/// than the log's newest signed tree), from the copies the nightly exports hold, so that the
/// tree reaches the signed size again with the same root.
///
/// Only the log is replayed: each leaf is appended byte for byte, with its opening where an
/// export holds it (the public part holds the disclosed ones, the restricted part all), in one
/// transaction attributed to the restore. The registry's own tables (grades, listings) do not
/// regain the decisions those records describe; the records remain provable and served.
///
/// ```swift
/// let size = try await LogReplay.append(missing, to: database, at: now, source: "exports …")
/// ```
public enum LogReplay {
    /// The audit trail's method name for a restore's replay.
    public static let auditMethod = "qcredit restore"

    /// One leaf to replay, with its opening if known.
    public struct Leaf: Sendable {
        public var leaf: [UInt8]
        public var opening: RecordOpening?

        public init(leaf: [UInt8], opening: RecordOpening?) {
            self.leaf = leaf
            self.opening = opening
        }
    }

    /// Appends `leaves` as the log's next leaves, in one transaction; returns the new size. A
    /// leaf that is not a format-2 commitment, or whose opening does not open it, is refused and
    /// nothing is appended.
    public static func append(_ leaves: [Leaf], to database: RegistryDatabase, at now: Instant, source: String)
        async throws -> Int64
    {
        let audit = AuditContext(
            method: auditMethod, peer: nil, parameters: JSONValue.object(["source": .string(source)]).jsonText, at: now)
        return try await database.write(audit: audit) { writer in
            for leaf in leaves {
                let index = try writer.reader.publicationCount()
                guard LeafCommitment(bytes: leaf.leaf) != nil else {
                    throw LogReplayError("entry \(index) is not a leaf of format \(LeafCommitment.format)")
                }
                var kind: PublicationRecord.Kind?
                var enterpriseId: Int64?
                if let opening = leaf.opening {
                    guard opening.opens(leaf.leaf) else { throw LogReplayError("the opening of entry \(index) does not open its leaf") }
                    let record = try JSONValue.parse(opening.record)
                    kind = record["type"]?.stringValue.flatMap(PublicationRecord.Kind.init(rawValue:))
                    for code in [record["subject"]?["uscc"], record["subject"]?["orgCode"]].compactMap({ $0?.stringValue })
                    where enterpriseId == nil {
                        enterpriseId = try writer.reader.codeEntry(code)?.enterpriseId
                    }
                }
                _ = try writer.appendLeaf(kind: kind, enterpriseId: enterpriseId, leaf: leaf.leaf, opening: leaf.opening)
            }
            return try writer.reader.publicationCount()
        }
    }
}

public struct LogReplayError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
