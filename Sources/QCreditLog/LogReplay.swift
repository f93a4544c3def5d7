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
/// regain the decisions those records describe; the records remain provable and served. What
/// the public may see of them does follow them: each opened record's ends of disclosure
/// (``ImpliedDisclosureEnd``: a repair's removal ends its listing's records at once) are
/// recorded again, under the disclosure rules of the newest policy in the log before it.
///
/// ```swift
/// let size = try await LogReplay.append(missing, to: database, at: now, utcOffset: .beijing, source: "exports …")
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
    public static func append(_ leaves: [Leaf], to database: RegistryDatabase, at now: Instant, utcOffset: UTCOffset, source: String)
        async throws -> Int64
    {
        let audit = AuditContext(
            method: auditMethod, peer: nil, parameters: JSONValue.object(["source": .string(source)]).jsonText, at: now)
        return try await database.write(audit: audit) { writer in
            var disclosure = try DisclosureFollower(reader: writer.reader, utcOffset: utcOffset)
            for leaf in leaves {
                let index = try writer.reader.publicationCount()
                guard LeafCommitment(bytes: leaf.leaf) != nil else {
                    throw LogReplayError("entry \(index) is not a leaf of format \(LeafCommitment.format)")
                }
                var kind: PublicationRecord.Kind?
                var enterpriseId: Int64?
                var record: JSONValue?
                if let opening = leaf.opening {
                    guard opening.opens(leaf.leaf) else { throw LogReplayError("the opening of entry \(index) does not open its leaf") }
                    let opened = try JSONValue.parse(opening.record)
                    kind = opened["type"]?.stringValue.flatMap(PublicationRecord.Kind.init(rawValue:))
                    for code in [opened["subject"]?["uscc"], opened["subject"]?["orgCode"]].compactMap({ $0?.stringValue })
                    where enterpriseId == nil {
                        enterpriseId = try writer.reader.codeEntry(code)?.enterpriseId
                    }
                    record = opened
                }
                _ = try writer.appendLeaf(kind: kind, enterpriseId: enterpriseId, leaf: leaf.leaf, opening: leaf.opening)
                if let record { try disclosure.follow(record, of: kind, at: index, enterpriseId: enterpriseId, writer: writer) }
            }
            return try writer.reader.publicationCount()
        }
    }

    /// Records the ends of disclosure the replayed records imply, finding the records they end
    /// among those replayed before them, else in the restored database.
    private struct DisclosureFollower {
        let utcOffset: UTCOffset
        /// The rules of the newest policy so far: the database's, then each replayed policy's.
        var rules: DisclosureRules?
        /// Replayed `listed` records by listing id.
        var listingRecords: [Int64: Int64] = [:]
        /// The newest replayed grade and override records by enterprise (its id, else its code).
        var newestRecords: [String: [PublicationRecord.Kind: Int64]] = [:]

        init(reader: RegistryReader, utcOffset: UTCOffset) throws {
            self.utcOffset = utcOffset
            rules = try reader.newestPolicyBody().flatMap { try? JSONValue.parse($0) }.flatMap(DisclosureRules.init(policyJSON:))
        }

        mutating func follow(
            _ record: JSONValue, of kind: PublicationRecord.Kind?, at index: Int64, enterpriseId: Int64?, writer: RegistryWriter
        ) throws {
            let subject = record["subject"]
            let enterprise = enterpriseId.map { "id \($0)" }
                ?? (subject?["uscc"]?.stringValue ?? subject?["orgCode"]?.stringValue).map { "code \($0)" }
            switch kind {
            case .policy:
                rules = DisclosureRules(policyJSON: record) ?? rules
            case .listing:
                if let id = record["listing"]?["id"]?.intValue { listingRecords[id] = index }
            default:
                break
            }
            if let rules {
                for end in ImpliedDisclosureEnd.implied(by: record, rules: rules, utcOffset: utcOffset) {
                    guard let target = try self.index(of: end.target, from: index, enterprise: enterprise, enterpriseId: enterpriseId, reader: writer.reader)
                    else { continue }
                    try writer.endDisclosure(of: target, on: end.endsOn, reason: end.reason)
                }
            }
            if let kind, kind == .grade || kind == .override, let enterprise {
                newestRecords[enterprise, default: [:]][kind] = index
            }
        }

        private func index(
            of target: ImpliedDisclosureEnd.Target, from index: Int64, enterprise: String?, enterpriseId: Int64?, reader: RegistryReader
        ) throws -> Int64? {
            switch target {
            case .itself:
                return index
            case .listing(let id):
                if let replayed = listingRecords[id] { return replayed }
                // A listing the backup holds: the same one only if it is the same enterprise's.
                guard let listing = try reader.listing(id: id), listing.enterpriseId == enterpriseId else { return nil }
                return listing.listedStep?.publicationIndex
            case .replaced(let kind):
                if let enterprise, let replayed = newestRecords[enterprise]?[kind] { return replayed }
                guard let enterpriseId else { return nil }
                let basis: GradeRecord.Basis = kind == .override ? .override : .computed
                return try reader.latestGrade(enterpriseId: enterpriseId, basis: basis, atOrBefore: .endOfTime)?
                    .publicationIndex
            }
        }
    }
}

public struct LogReplayError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
