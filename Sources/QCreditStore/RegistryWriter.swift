import CanonicalJSON
import Foundation
import GRDB
import QCreditCrypto
import QCreditDomain
import TransparencyLog

/// Write access inside one transaction. Only inserts: the schema's triggers would refuse
/// anything else. Every row is stamped with the transaction's audit entry and time.
public struct RegistryWriter {
    public let reader: RegistryReader
    public let auditId: Int64
    public let now: Instant
    var db: Database { reader.db }

    init(_ db: Database, audit: AuditContext) throws {
        reader = RegistryReader(db)
        try db.execute(
            sql: "INSERT INTO audit_entry (at, method, peer_uid, peer_gid, peer_pid, parameters) VALUES (?, ?, ?, ?, ?, ?)",
            arguments: [
                audit.at.secondsSinceEpoch, audit.method, audit.peer.map { Int64($0.uid) }, audit.peer.map { Int64($0.gid) },
                audit.peer.map { Int64($0.pid) }, audit.parameters,
            ])
        auditId = db.lastInsertedRowID
        now = audit.at
    }

    /// Runs `body` in a savepoint: if it throws, what it wrote is undone and the rest of the
    /// transaction goes on.
    public func savepoint(_ body: () throws -> Void) throws {
        try db.inSavepoint {
            try body()
            return .commit
        }
    }

    private func insert(_ sql: String, _ arguments: StatementArguments) throws -> Int64 {
        try db.cachedStatement(sql: sql).execute(arguments: arguments)
        return db.lastInsertedRowID
    }

    // MARK: Enterprises

    public func insertEnterprise() throws -> Int64 {
        try insert("INSERT INTO enterprise (audit_id) VALUES (?)", [auditId])
    }

    public func insertCode(_ entry: EnterpriseCodeEntry, enterpriseId: Int64) throws {
        _ = try insert(
            "INSERT INTO enterprise_code (code, enterprise_id, kind, check_warning, audit_id) VALUES (?, ?, ?, ?, ?)",
            [entry.code, enterpriseId, entry.kind.rawValue, entry.checkWarning, auditId])
    }

    @discardableResult
    public func insertRevision(
        enterpriseId: Int64, name: String, divisionCode: String?, entityType: String?, status: EnterpriseStatus,
        effectiveOn: CivilDate?, reason: String?, documentNumber: String?
    ) throws -> Int64 {
        try insert(
            """
            INSERT INTO enterprise_revision (enterprise_id, name, division_code, entity_type, status, effective_on,
                reason, document_number, recorded_at, audit_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                enterpriseId, name, divisionCode, entityType, status.rawValue, effectiveOn?.description, reason,
                documentNumber, now.secondsSinceEpoch, auditId,
            ])
    }

    // MARK: Quality events

    public func insertEvent(
        enterpriseId: Int64, details: QualityEventDetails, supersedes: Int64? = nil, isRetraction: Bool = false,
        correctionReason: String? = nil
    ) throws -> Int64 {
        try insert(
            """
            INSERT INTO quality_event (enterprise_id, dimension, kind, severity, occurred_on, authority, document_number,
                legal_basis, summary, evidence_url, supersedes, is_retraction, correction_reason, recorded_at, audit_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                enterpriseId, details.dimension.rawValue, details.kind.rawValue, details.severity.rawValue,
                details.occurredOn.description, details.authority, details.documentNumber, details.legalBasis,
                details.summary, details.evidenceURL, supersedes, isRetraction ? 1 : 0, correctionReason,
                now.secondsSinceEpoch, auditId,
            ])
    }

    // MARK: Publications

    /// Appends a publication record to the log and returns its index: the leaf is a commitment
    /// to the record under a fresh random salt (``LeafCommitment``), stored with the Merkle nodes
    /// it completes; the opening (salt and record) is kept beside it.
    public func appendPublication(_ record: PublicationRecord) throws -> Int64 {
        let opening = RecordOpening(salt: RandomBytes.make(RecordOpening.saltSize), record: try record.canonicalBytes())
        return try appendLeaf(kind: record.kind, enterpriseId: record.enterpriseId, leaf: opening.leaf.bytes, opening: opening)
    }

    /// Appends `leaf` as the log's next leaf, with its Merkle nodes and, when known, its opening:
    /// a new publication's, or one replayed from an export by a restore.
    public func appendLeaf(kind: PublicationRecord.Kind?, enterpriseId: Int64?, leaf: [UInt8], opening: RecordOpening?) throws
        -> Int64
    {
        let index = try reader.publicationCount()
        _ = try insert(
            "INSERT INTO publication (idx, kind, enterprise_id, body, recorded_at, audit_id) VALUES (?, ?, ?, ?, ?, ?)",
            [index, kind?.rawValue, enterpriseId, Data(leaf), now.secondsSinceEpoch, auditId])
        if let opening {
            _ = try insert(
                "INSERT INTO publication_opening (idx, salt, record) VALUES (?, ?, ?)",
                [index, Data(opening.salt), Data(opening.record)])
        }
        try MerkleNodeTable(db: db).appendLeaf(index: index, data: leaf)
        return index
    }

    /// Records that publication `index` stops being disclosed to the public on `date` (that day
    /// excluded). A record may collect several such ends; the earliest one counts.
    public func endDisclosure(of index: Int64, on date: CivilDate, reason: DisclosureEndReason) throws {
        _ = try insert(
            "INSERT INTO disclosure_end (publication_idx, ends_on, reason, audit_id) VALUES (?, ?, ?, ?)",
            [index, date.description, reason.rawValue, auditId])
    }

    public func insertPolicy(version: String, body: [UInt8], publicationIndex: Int64) throws {
        _ = try insert(
            "INSERT INTO grading_policy (version, body, publication_idx, audit_id) VALUES (?, ?, ?, ?)",
            [version, Data(body), publicationIndex, auditId])
    }

    // MARK: Grades

    @discardableResult
    public func insertGrade(
        enterpriseId: Int64, basis: GradeRecord.Basis, grade: String, score: Int?, policyVersion: String,
        explanation: JSONValue, until: CivilDate? = nil, reason: String? = nil, documentNumber: String? = nil,
        publicationIndex: Int64
    ) throws -> Int64 {
        let explanationBytes = (try? explanation.canonicalBytes()) ?? explanation.encoded()
        return try insert(
            """
            INSERT INTO grade_record (enterprise_id, basis, grade, score, policy_version, explanation, effective_at,
                until_on, reason, document_number, publication_idx, audit_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                enterpriseId, basis.rawValue, grade, score, policyVersion, Data(explanationBytes),
                now.secondsSinceEpoch, until?.description, reason, documentNumber, publicationIndex, auditId,
            ])
    }

    // MARK: Listings

    public func insertListing(
        enterpriseId: Int64, nameAtDecision: String, decision: ListingDecision, escalatedFrom: Int64? = nil
    ) throws -> Int64 {
        try insert(
            """
            INSERT INTO listing (enterprise_id, list_type, name_at_decision, reason, legal_basis, authority,
                document_number, decision_date, escalated_from, audit_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                enterpriseId, decision.listType, nameAtDecision, decision.reason, decision.legalBasis,
                decision.authority, decision.documentNumber, decision.decisionDate.description, escalatedFrom, auditId,
            ])
    }

    @discardableResult
    public func insertListingStep(listingId: Int64, _ step: ListingStepDraft, publicationIndex: Int64?) throws -> Int64 {
        try insert(
            """
            INSERT INTO listing_step (listing_id, kind, state_after, on_date, authority, document_number, reason, summary,
                outcome, removal_reason, planned_end_on, objection_id, publication_idx, recorded_at, audit_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                listingId, step.kind.rawValue, step.stateAfter.rawValue, step.date.description, step.authority,
                step.documentNumber, step.reason, step.summary, step.outcome?.rawValue, step.removalReason?.rawValue,
                step.plannedEndDate?.description, step.objectionId, publicationIndex, now.secondsSinceEpoch, auditId,
            ])
    }
}
