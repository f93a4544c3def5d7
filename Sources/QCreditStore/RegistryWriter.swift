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
    /// `now`'s date in the registry's time zone.
    let today: CivilDate
    /// How many write transactions committed before this one (``RegistryDatabase/committedWriteCount``
    /// as it is while this one runs): work prepared from an earlier snapshot can tell from it
    /// whether anything was written since.
    public let committedWritesBefore: Int
    /// The files this transaction touches, reported to observers once it commits.
    let changes: FileChangeCollector
    /// Where this transaction's revisions start; their names go into the name index at its end.
    private let firstRevision = FirstRevision()
    var db: Database { reader.db }
    private let prepared: PreparedStatements

    init(
        _ db: Database, audit: AuditContext, changes: FileChangeCollector, committedWritesBefore: Int
    ) throws {
        prepared = PreparedStatements(db)
        reader = RegistryReader(db, prepared: prepared)
        self.committedWritesBefore = committedWritesBefore
        self.changes = changes
        try db.execute(
            sql: "INSERT INTO audit_entry (at, method, peer_uid, peer_gid, peer_pid, parameters) VALUES (?, ?, ?, ?, ?, ?)",
            arguments: [
                audit.at.secondsSinceEpoch, audit.method, audit.peer.map { Int64($0.uid) }, audit.peer.map { Int64($0.gid) },
                audit.peer.map { Int64($0.pid) }, audit.parameters,
            ])
        auditId = db.lastInsertedRowID
        now = audit.at
        today = audit.at.civilDate(in: audit.utcOffset)
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
        var insert = try prepared(.insertEnterprise)
        insert.bind(auditId)
        let id = try insert.run()
        changes.created(id)
        return id
    }

    /// Gives the new file `enterpriseId` the codes it is opened with. The organization code
    /// inside a USCC among them is marked derived: the index by file leaves it out, and readers
    /// take it from the USCC (Schema/0017).
    public func insertOpeningCodes(_ entries: [EnterpriseCodeEntry], enterpriseId: Int64) throws {
        let embedded = Set(entries.compactMap(\.embeddedOrgCode?.code))
        for entry in entries {
            try insertCode(entry, enterpriseId: enterpriseId, derivedFromUSCC: entry.kind == .orgCode && embedded.contains(entry.code))
        }
    }

    /// Gives file `enterpriseId` a code (a USCC attached to a legacy file keeps its row in the
    /// index by file).
    public func insertCode(_ entry: EnterpriseCodeEntry, enterpriseId: Int64) throws {
        try insertCode(entry, enterpriseId: enterpriseId, derivedFromUSCC: false)
    }

    private func insertCode(_ entry: EnterpriseCodeEntry, enterpriseId: Int64, derivedFromUSCC: Bool) throws {
        changes.described(enterpriseId)
        var insert = try prepared(.insertCode)
        insert.bind(entry.code)
        insert.bind(enterpriseId)
        insert.bind(entry.kind.rawValue)
        insert.bind(entry.checkWarning)
        insert.bind(derivedFromUSCC ? Int64(1) : nil)
        insert.bind(auditId)
        try insert.run()
    }

    @discardableResult
    public func insertRevision(
        enterpriseId: Int64, name: String, divisionCode: String?, entityType: String?, status: EnterpriseStatus,
        effectiveOn: CivilDate?, reason: String?, documentNumber: String?
    ) throws -> Int64 {
        changes.described(enterpriseId)
        var insert = try prepared(.insertRevision)
        insert.bind(enterpriseId)
        insert.bind(name)
        insert.bind(divisionCode)
        insert.bind(entityType)
        insert.bind(status.rawValue)
        insert.bind(effectiveOn?.description)
        insert.bind(reason)
        insert.bind(documentNumber)
        insert.bind(now.secondsSinceEpoch)
        insert.bind(auditId)
        let id = try insert.run()
        firstRevision.inserted(id)
        return id
    }

    /// Adds the names of the revisions this transaction inserted to the name index, each once
    /// per file (a revision that keeps the name adds nothing), in one statement: FTS5 then
    /// keeps them in memory and writes one index segment at commit (see Schema/0008). Each name
    /// goes in between the marks of ``NameIndexMarks`` (Schema/0015), in the form of
    /// ``NameIndexKey`` (Schema/0022), under the id of the revision that brought it
    /// (Schema/0016). Runs as
    /// the transaction's last statement; a revision undone by a savepoint is simply not found.
    func indexNewNames() throws {
        guard let first = firstRevision.value else { return }
        try db.cachedStatement(
            sql: """
                INSERT INTO enterprise_name_search (rowid, name)
                SELECT r.id, ?2 || qcredit_name_key(r.name) || ?3 FROM enterprise_revision r
                WHERE r.id >= ?1
                  AND NOT EXISTS (
                      SELECT 1 FROM enterprise_revision o
                      WHERE o.enterprise_id = r.enterprise_id AND o.name = r.name AND o.id < r.id)
                ORDER BY r.id
                """
        ).execute(arguments: [first, NameIndexMarks.start, NameIndexMarks.end])
    }

    /// Opens new credit files in bulk and returns their ids, in order: the store's fast path for
    /// loading many files at once (an import, a benchmark). The caller has checked the codes;
    /// a code already held fails the whole transaction, as the schema refuses it.
    public func insertEnterprises(_ enterprises: [NewEnterprise]) throws -> [Int64] {
        try insertingWithoutGuards {
            try enterprises.map { enterprise in
                let id = try insertEnterprise()
                try insertOpeningCodes(enterprise.codes, enterpriseId: id)
                try insertRevision(
                    enterpriseId: id, name: enterprise.name, divisionCode: enterprise.divisionCode,
                    entityType: enterprise.entityType, status: enterprise.status, effectiveOn: nil, reason: enterprise.reason,
                    documentNumber: nil)
                return id
            }
        }
    }

    // MARK: Quality events

    public func insertEvent(
        enterpriseId: Int64, details: QualityEventDetails, supersedes: Int64? = nil, isRetraction: Bool = false,
        correctionReason: String? = nil
    ) throws -> Int64 {
        // Not a change to the file's grade answer: an event reaches the grade only through the
        // grade a regrade publishes (which touches the file), so the in-memory answers stay.
        var insert = try prepared(.insertEvent)
        insert.bind(enterpriseId)
        insert.bind(details.dimension.rawValue)
        insert.bind(details.kind.rawValue)
        insert.bind(details.severity.rawValue)
        insert.bind(details.occurredOn.description)
        insert.bind(details.authority)
        insert.bind(details.documentNumber)
        insert.bind(details.legalBasis)
        insert.bind(details.summary)
        insert.bind(details.evidenceURL)
        insert.bind(supersedes)
        insert.bind(Int64(isRetraction ? 1 : 0))
        insert.bind(correctionReason)
        insert.bind(now.secondsSinceEpoch)
        insert.bind(auditId)
        return try insert.run()
    }

    // MARK: Publications

    /// Appends a publication record to the log and returns its index: the leaf is a commitment
    /// to the record under a fresh random salt (``LeafCommitment``), stored with the Merkle nodes
    /// it completes; the opening (salt and record) is kept in the same row.
    public func appendPublication(_ record: PublicationRecord) throws -> Int64 {
        let pending = PendingPublication(kind: record.kind, enterpriseId: record.enterpriseId, record: try record.canonicalBytes())
        return try appendPublications([pending])[0]
    }

    /// Appends records to the log in order and returns their indexes: each exactly as
    /// ``appendPublication(_:)`` would, but with one read of the tree's right edge for the whole
    /// batch (the Merkle nodes are computed in memory) and each statement looked up once. A record
    /// not sealed yet (``PendingPublication/sealed()``) is sealed here.
    public func appendPublications(_ records: [PendingPublication]) throws -> [Int64] {
        guard !records.isEmpty else { return [] }
        let first = try reader.publicationCount()
        let table = MerkleNodeTable(db: db)
        // One leaf reads only the left children it completes; a batch reads the right edge once.
        var tree = records.count > 1 ? try table.appender(size: first) : nil
        var statements = try LeafStatements(db)
        return try records.enumerated().map { offset, pending in
            let seal = pending.seal ?? LeafSeal(sealing: pending.record)
            let index = first + Int64(offset)
            try insertLeaf(
                index: index, kind: pending.kind, enterpriseId: pending.enterpriseId, leaf: seal.leaf, opening: seal.opening,
                with: &statements)
            if tree != nil {
                try tree?.append(index: index, leafHash: seal.leafHash)
            } else {
                try table.appendLeaf(index: index, leafHash: seal.leafHash)
            }
            return index
        }
    }

    /// Appends `leaf` as the log's next leaf, with its Merkle nodes and, when known, its opening:
    /// a new publication's, or one replayed from an export by a restore.
    public func appendLeaf(kind: PublicationRecord.Kind?, enterpriseId: Int64?, leaf: [UInt8], opening: RecordOpening?) throws
        -> Int64
    {
        let index = try reader.publicationCount()
        var statements = try LeafStatements(db)
        try insertLeaf(index: index, kind: kind, enterpriseId: enterpriseId, leaf: leaf, opening: opening, with: &statements)
        try MerkleNodeTable(db: db).appendLeaf(index: index, leafHash: MerkleHash.leaf(leaf))
        return index
    }

    /// The insert of a leaf, looked up once for a batch.
    private struct LeafStatements {
        var publication: BulkStatement

        init(_ db: Database) throws {
            publication = try BulkStatement(
                db,
                "INSERT INTO publication (idx, kind, enterprise_id, body, recorded_at, audit_id, salt, record) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            )
        }
    }

    /// The publication row of leaf `index`, with its opening when known; the caller adds its
    /// Merkle nodes.
    private func insertLeaf(
        index: Int64, kind: PublicationRecord.Kind?, enterpriseId: Int64?, leaf: [UInt8], opening: RecordOpening?,
        with statements: inout LeafStatements
    ) throws {
        // A publication without a file (a policy) changes no file's view.
        if let enterpriseId { changes.touched(enterpriseId) }
        statements.publication.bind(index)
        statements.publication.bind(kind?.rawValue)
        statements.publication.bind(enterpriseId)
        statements.publication.bind(blob: leaf)
        statements.publication.bind(now.secondsSinceEpoch)
        statements.publication.bind(auditId)
        if let opening {
            statements.publication.bind(blob: opening.salt)
            statements.publication.bind(blob: opening.record)
        } else {
            statements.publication.bindNull()
            statements.publication.bindNull()
        }
        try statements.publication.run()
    }

    /// Records that publication `index` stops being disclosed to the public on `date` (that day
    /// excluded). A record may collect several such ends; the earliest one counts.
    public func endDisclosure(of index: Int64, on date: CivilDate, reason: DisclosureEndReason) throws {
        changes.touched(try reader.enterpriseId(ofPublication: index))
        // Only an end from today on changes what the public sees now (a later one is a day's turn,
        // which a stream's ``DisclosureMark`` notices by itself): counted for the streams.
        if date <= today { changes.endsDisclosure() }
        var insert = try BulkStatement(
            db, "INSERT INTO disclosure_end (publication_idx, ends_on, reason, audit_id) VALUES (?, ?, ?, ?)")
        insert.bind(index)
        insert.bind(date.description)
        insert.bind(reason.rawValue)
        insert.bind(auditId)
        try insert.run()
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
        try insertGrade(
            enterpriseId: enterpriseId, basis: basis, grade: grade, score: score, policyVersion: policyVersion,
            explanationBytes: (try? explanation.canonicalBytes()) ?? explanation.encoded(), until: until, reason: reason,
            documentNumber: documentNumber, publicationIndex: publicationIndex)
    }

    /// As above, with the explanation's canonical bytes already made (publishing encodes them
    /// once for the record and the row).
    @discardableResult
    public func insertGrade(
        enterpriseId: Int64, basis: GradeRecord.Basis, grade: String, score: Int?, policyVersion: String,
        explanationBytes: [UInt8], until: CivilDate? = nil, reason: String? = nil, documentNumber: String? = nil,
        publicationIndex: Int64
    ) throws -> Int64 {
        changes.touched(enterpriseId)
        var insert = try BulkStatement(
            db,
            """
            INSERT INTO grade_record (enterprise_id, basis, grade, score, policy_version, explanation, effective_at,
                until_on, reason, document_number, publication_idx, audit_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        insert.bind(enterpriseId)
        insert.bind(basis.rawValue)
        insert.bind(grade)
        insert.bind(score.map(Int64.init))
        insert.bind(policyVersion)
        insert.bind(blob: explanationBytes)
        insert.bind(now.secondsSinceEpoch)
        insert.bind(until?.description)
        insert.bind(reason)
        insert.bind(documentNumber)
        insert.bind(publicationIndex)
        insert.bind(auditId)
        return try insert.run()
    }

    // MARK: Listings

    public func insertListing(
        enterpriseId: Int64, nameAtDecision: String, decision: ListingDecision, escalatedFrom: Int64? = nil
    ) throws -> Int64 {
        changes.touched(enterpriseId)
        return try insert(
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
        changes.touched(try reader.enterpriseId(ofListing: listingId))
        return try insert(
            """
            INSERT INTO listing_step (listing_id, kind, state_after, on_date, authority, document_number, reason, summary,
                outcome, removal_reason, planned_end_on, maximum_grade, objection_id, publication_idx, recorded_at, audit_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                listingId, step.kind.rawValue, step.stateAfter.rawValue, step.date.description, step.authority,
                step.documentNumber, step.reason, step.summary, step.outcome?.rawValue, step.removalReason?.rawValue,
                step.plannedEndDate?.description, step.maximumGrade, step.objectionId, publicationIndex, now.secondsSinceEpoch,
                auditId,
            ])
    }
}
