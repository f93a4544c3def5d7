import CanonicalJSON
import Foundation
import GRDB
import QCreditDomain

/// Read access to the registry inside one transaction. Every query goes through a cached
/// prepared statement: the query interface would re-generate and re-prepare SQL on each call,
/// which costs a hundred times a point lookup.
public struct RegistryReader {
    let db: Database
    /// The per-row statements of a write transaction's reader (nil for a read).
    let prepared: PreparedStatements?

    init(_ db: Database, prepared: PreparedStatements? = nil) {
        self.db = db
        self.prepared = prepared
    }

    func rows(_ sql: String, _ arguments: StatementArguments = StatementArguments()) throws -> [Row] {
        try Row.fetchAll(db.cachedStatement(sql: sql), arguments: arguments)
    }

    /// Calls `body` with each row of `sql` while the statement is on it, copying nothing: a
    /// copied row (what ``rows(_:_:)`` returns) finds a column by comparing every column's
    /// lowercased name, which showed in the profile of publishing grades.
    func forEachRow(_ sql: String, _ arguments: StatementArguments, _ body: (Row) throws -> Void) throws {
        let cursor = try Row.fetchCursor(db.cachedStatement(sql: sql), arguments: arguments)
        while let row = try cursor.next() { try body(row) }
    }

    func row(_ sql: String, _ arguments: StatementArguments = StatementArguments()) throws -> Row? {
        try Row.fetchOne(db.cachedStatement(sql: sql), arguments: arguments)
    }

    // MARK: Enterprises

    /// The file holding exactly `code` as stored, or nil: one bound primary-key lookup (event
    /// batches look up every event's code).
    public func enterpriseId(exactCode code: String) throws -> Int64? {
        var lookup = try prepared?(.enterpriseIdByCode) ?? BulkStatement(db, PreparedStatements.Kind.enterpriseIdByCode.sql)
        lookup.bind(code)
        return try lookup.fetchInt64()
    }

    /// The code's entry, if a file holds it.
    public func codeEntry(_ code: String) throws -> (enterpriseId: Int64, entry: EnterpriseCodeEntry)? {
        guard
            let row = try row(
                "SELECT enterprise_id, kind, check_warning FROM enterprise_code WHERE code = ?", [code])
        else { return nil }
        let decoder = RowDecoder(row: row, table: "enterprise_code")
        return (
            try decoder.int64("enterprise_id"),
            EnterpriseCodeEntry(code: code, kind: try decoder.value("kind"), checkWarning: decoder.optionalString("check_warning"))
        )
    }

    public func enterprise(id: Int64) throws -> Enterprise? {
        let revisionRows = try rows(
            "SELECT \(Self.revisionColumns) FROM enterprise_revision WHERE enterprise_id = ? ORDER BY id", [id])
        guard !revisionRows.isEmpty else { return nil }
        return Enterprise(id: id, codes: try codeEntries(enterpriseId: id), revisions: try revisionRows.map { try decodeRevision($0) })
    }

    /// The codes file `enterpriseId` holds, USCC first: the rows of the index by file, completed
    /// with the organization code inside the USCC that the index leaves out (Schema/0017).
    func codeEntries(enterpriseId: Int64) throws -> [EnterpriseCodeEntry] {
        let indexed = try rows(
            "SELECT code, kind, check_warning FROM enterprise_code WHERE enterprise_id = ? AND derived_from_uscc IS NULL ORDER BY kind DESC",
            [enterpriseId]
        ).map { row in
            let decoder = RowDecoder(row: row, table: "enterprise_code")
            return EnterpriseCodeEntry(
                code: try decoder.string("code"), kind: try decoder.value("kind"),
                checkWarning: decoder.optionalString("check_warning"))
        }
        return EnterpriseCodeEntry.completed(indexed)
    }

    static let revisionColumns = """
        id, name, division_code, entity_type, status, effective_on, reason, document_number, recorded_at
        """

    /// The revision in a row that holds ``revisionColumns`` from column `first` on, read by
    /// position in that order (publishing reads a revision for every file it decides).
    func decodeRevision(_ row: Row, from first: Int = 0) throws -> EnterpriseRevision {
        let decoder = RowDecoder(row: row, table: "enterprise_revision")
        return EnterpriseRevision(
            id: try decoder.int64(at: first, "id"), name: try decoder.string(at: first + 1, "name"),
            divisionCode: decoder.optionalString(at: first + 2), entityType: decoder.optionalString(at: first + 3),
            status: try decoder.value(at: first + 4, "status"), effectiveOn: try decoder.optionalDate(at: first + 5, "effective_on"),
            reason: decoder.optionalString(at: first + 6), documentNumber: decoder.optionalString(at: first + 7),
            recordedAt: try decoder.instant(at: first + 8, "recorded_at"))
    }

    /// Enterprise ids in ascending order after `id`, for walking every file in batches.
    public func enterpriseIds(after id: Int64, limit: Int) throws -> [Int64] {
        try Int64.fetchAll(db.cachedStatement(sql: "SELECT id FROM enterprise WHERE id > ? ORDER BY id LIMIT ?"), arguments: [id, limit])
    }

    public func qualityEventCount() throws -> Int {
        try Int.fetchOne(db.cachedStatement(sql: "SELECT COUNT(*) FROM quality_event")) ?? 0
    }

    /// How many listings are on each list now.
    public func listedCounts() throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for row in try rows(
            """
            SELECT l.list_type, COUNT(*) AS n FROM listing l
            WHERE EXISTS (SELECT 1 FROM listing_step s WHERE s.listing_id = l.id AND s.kind = 'listed')
              AND NOT EXISTS (SELECT 1 FROM listing_step s WHERE s.listing_id = l.id AND s.kind = 'removed')
            GROUP BY l.list_type
            """)
        {
            counts[row["list_type"]] = row["n"]
        }
        return counts
    }

    /// The highest file id, 0 when there is none: one step of the primary key.
    public func highestEnterpriseId() throws -> Int64 {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT COALESCE(MAX(id), 0) FROM enterprise")) ?? 0
    }

    public func enterpriseCount() throws -> Int {
        try Int.fetchOne(db.cachedStatement(sql: "SELECT COUNT(*) FROM enterprise")) ?? 0
    }

    // MARK: Quality events

    static let eventColumns = """
        e.id, e.dimension, e.kind, e.severity, e.occurred_on, e.authority, e.document_number, e.legal_basis,
        e.summary, e.evidence_url, e.supersedes, e.is_retraction, e.correction_reason, e.recorded_at,
        (SELECT c.id FROM quality_event c WHERE c.supersedes = e.id) AS superseded_by
        """

    public func events(enterpriseId: Int64) throws -> [QualityEvent] {
        try rows("SELECT \(Self.eventColumns) FROM quality_event e WHERE e.enterprise_id = ? ORDER BY e.id", [enterpriseId])
            .map(decodeEvent)
    }

    public func event(id: Int64) throws -> (enterpriseId: Int64, event: QualityEvent)? {
        guard let row = try row("SELECT e.enterprise_id, \(Self.eventColumns) FROM quality_event e WHERE e.id = ?", [id])
        else { return nil }
        return (try RowDecoder(row: row, table: "quality_event").int64("enterprise_id"), try decodeEvent(row))
    }

    func decodeEvent(_ row: Row) throws -> QualityEvent {
        let decoder = RowDecoder(row: row, table: "quality_event")
        let details = QualityEventDetails(
            dimension: try decoder.value("dimension"), kind: try decoder.value("kind"),
            severity: try decoder.value("severity"), occurredOn: try decoder.date("occurred_on"),
            authority: try decoder.string("authority"), documentNumber: try decoder.string("document_number"),
            legalBasis: decoder.optionalString("legal_basis"), summary: try decoder.string("summary"),
            evidenceURL: decoder.optionalString("evidence_url"))
        return QualityEvent(
            id: try decoder.int64("id"), details: details, recordedAt: try decoder.instant("recorded_at"),
            supersedes: decoder.optionalInt64("supersedes"), correctionReason: decoder.optionalString("correction_reason"),
            isRetraction: try decoder.int64("is_retraction") != 0, supersededBy: decoder.optionalInt64("superseded_by"))
    }

    // MARK: Grades

    static let gradeColumns = """
        id, basis, grade, score, policy_version, explanation, effective_at, until_on, reason, document_number,
        publication_idx
        """

    /// The latest grade record of one basis that took effect at or before `instant`.
    public func latestGrade(enterpriseId: Int64, basis: GradeRecord.Basis, atOrBefore instant: Instant) throws
        -> GradeRecord?
    {
        try grades(enterpriseId: enterpriseId, basis: basis, atOrBefore: instant, limit: 1).first
    }

    /// The file's grades of `basis` in force at or before `instant`, newest first (as
    /// ``latestGrade(enterpriseId:basis:atOrBefore:)`` orders them), at most `limit`.
    public func grades(enterpriseId: Int64, basis: GradeRecord.Basis, atOrBefore instant: Instant, limit: Int) throws
        -> [GradeRecord]
    {
        try rows(
            """
            SELECT \(Self.gradeColumns) FROM grade_record
            WHERE enterprise_id = ? AND basis = ? AND effective_at <= ?
            ORDER BY effective_at DESC, id DESC LIMIT ?
            """, [enterpriseId, basis.rawValue, instant.secondsSinceEpoch, limit]
        ).map(decodeGrade)
    }

    /// The newest computed grade of the file, whatever the clock says: what a new grade is
    /// compared with and replaces. A clock set back (a rehearsal, a corrected clock) must not
    /// make a grade published "later" look absent and be published again unchanged.
    public func newestComputedGrade(enterpriseId: Int64) throws -> GradeRecord? {
        try latestGrade(enterpriseId: enterpriseId, basis: .computed, atOrBefore: .endOfTime)
    }

    public func grades(enterpriseId: Int64) throws -> [GradeRecord] {
        try rows("SELECT \(Self.gradeColumns) FROM grade_record WHERE enterprise_id = ? ORDER BY id", [enterpriseId])
            .map(decodeGrade)
    }

    func decodeGrade(_ row: Row) throws -> GradeRecord {
        let decoder = RowDecoder(row: row, table: "grade_record")
        return GradeRecord(
            id: try decoder.int64("id"), basis: try decoder.value("basis"), grade: try decoder.string("grade"),
            score: decoder.optionalInt64("score").map { Int($0) }, policyVersion: try decoder.string("policy_version"),
            explanation: try decoder.json("explanation"), effectiveAt: try decoder.instant("effective_at"),
            until: try decoder.optionalDate("until_on"), reason: decoder.optionalString("reason"),
            documentNumber: decoder.optionalString("document_number"),
            publicationIndex: try decoder.int64("publication_idx"))
    }

    // MARK: Listings

    public func listing(id: Int64) throws -> Listing? {
        guard
            let row = try row(
                """
                SELECT id, enterprise_id, list_type, name_at_decision, reason, legal_basis, authority, document_number,
                       decision_date, escalated_from
                FROM listing WHERE id = ?
                """, [id])
        else { return nil }
        return try decodeListing(row)
    }

    /// The file's listings with their steps: two queries, however many listings it has.
    public func listings(enterpriseId: Int64) throws -> [Listing] {
        let listingRows = try rows(
            """
            SELECT id, enterprise_id, list_type, name_at_decision, reason, legal_basis, authority, document_number,
                   decision_date, escalated_from
            FROM listing WHERE enterprise_id = ? ORDER BY id
            """, [enterpriseId])
        guard !listingRows.isEmpty else { return [] }
        var steps: [Int64: [ListingStep]] = [:]
        for row in try rows(
            """
            SELECT s.listing_id, \(Self.stepColumns) FROM listing_step s JOIN listing l ON l.id = s.listing_id
            WHERE l.enterprise_id = ? ORDER BY s.id
            """, [enterpriseId])
        {
            steps[try RowDecoder(row: row, table: "listing_step").int64("listing_id"), default: []].append(try decodeStep(row))
        }
        return try listingRows.map { row in
            try decodeListing(row, steps: steps[try RowDecoder(row: row, table: "listing").int64("id")] ?? [])
        }
    }

    /// Listings still on a list whose planned end is on or before `date`: due to expire.
    public func listingIdsDue(toEndBy date: CivilDate) throws -> [Int64] {
        try Int64.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT s.listing_id FROM listing_step s
                    WHERE s.planned_end_on IS NOT NULL AND s.planned_end_on <= ?
                      AND NOT EXISTS (SELECT 1 FROM listing_step r WHERE r.listing_id = s.listing_id AND r.kind = 'removed')
                    ORDER BY s.listing_id
                    """), arguments: [date.description])
    }

    /// Listings published (on `listType`, or any list when nil) between `since` and `through`
    /// and not removed, in id order after `cursor`: one page of the current blacklist.
    public func activeListingIds(
        listType: String?, publishedSince since: CivilDate?, publishedThrough through: CivilDate, after cursor: Int64,
        limit: Int
    ) throws -> [Int64] {
        try Int64.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT s.listing_id FROM listing_step s JOIN listing l ON l.id = s.listing_id
                    WHERE s.kind = 'listed' AND s.on_date >= ?1 AND s.on_date <= ?2 AND (?3 IS NULL OR l.list_type = ?3)
                      AND s.listing_id > ?4
                      AND NOT EXISTS (SELECT 1 FROM listing_step r WHERE r.listing_id = s.listing_id AND r.kind = 'removed')
                    ORDER BY s.listing_id LIMIT ?5
                    """),
            arguments: [since?.description ?? "0000-01-01", through.description, listType, cursor, limit])
    }

    /// Whether a listing was already escalated (escalation happens once).
    public func escalation(of listingId: Int64) throws -> Int64? {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT id FROM listing WHERE escalated_from = ?"), arguments: [listingId])
    }

    private func decodeListing(_ row: Row, steps known: [ListingStep]? = nil) throws -> Listing {
        let decoder = RowDecoder(row: row, table: "listing")
        let id = try decoder.int64("id")
        let decision = ListingDecision(
            listType: try decoder.string("list_type"), reason: try decoder.string("reason"),
            legalBasis: try decoder.string("legal_basis"), authority: try decoder.string("authority"),
            documentNumber: try decoder.string("document_number"), decisionDate: try decoder.date("decision_date"))
        let steps = try known
            ?? rows("SELECT \(Self.stepColumns) FROM listing_step s WHERE s.listing_id = ? ORDER BY s.id", [id]).map(decodeStep)
        return Listing(
            id: id, enterpriseId: try decoder.int64("enterprise_id"), nameAtDecision: try decoder.string("name_at_decision"),
            decision: decision, escalatedFrom: decoder.optionalInt64("escalated_from"), steps: steps)
    }

    private static let stepColumns = """
        s.id, s.kind, s.state_after, s.on_date, s.authority, s.document_number, s.reason, s.summary, s.outcome,
        s.removal_reason, s.planned_end_on, s.maximum_grade, s.objection_id, s.publication_idx, s.recorded_at
        """

    private func decodeStep(_ row: Row) throws -> ListingStep {
        let step = RowDecoder(row: row, table: "listing_step")
        return ListingStep(
            id: try step.int64("id"),
            details: ListingStepDraft(
                kind: try step.value("kind"), stateAfter: try step.value("state_after"), date: try step.date("on_date"),
                authority: step.optionalString("authority"), documentNumber: step.optionalString("document_number"),
                reason: step.optionalString("reason"), summary: step.optionalString("summary"),
                outcome: try step.optionalValue("outcome"), removalReason: try step.optionalValue("removal_reason"),
                plannedEndDate: try step.optionalDate("planned_end_on"), maximumGrade: step.optionalString("maximum_grade"),
                objectionId: step.optionalInt64("objection_id")),
            publicationIndex: step.optionalInt64("publication_idx"), recordedAt: try step.instant("recorded_at"))
    }

    // MARK: Publications and policies

    /// The number of publication records, i.e. the log's size.
    public func publicationCount() throws -> Int64 {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT COALESCE(MAX(idx) + 1, 0) FROM publication")) ?? 0
    }

    /// The record published at `index` (its opening's record bytes), with its kind.
    public func publication(index: Int64) throws -> (kind: PublicationRecord.Kind, body: [UInt8])? {
        guard
            let row = try row(
                "SELECT idx AS id, kind, record FROM publication WHERE idx = ? AND record IS NOT NULL",
                [index])
        else { return nil }
        let decoder = RowDecoder(row: row, table: "publication")
        guard let record: Data = row["record"] else { throw decoder.corrupt("record") }
        return (try decoder.value("kind"), [UInt8](record))
    }

    /// The body of the policy published last (the newest in the log), if any.
    public func newestPolicyBody() throws -> [UInt8]? {
        try Data.fetchOne(db.cachedStatement(sql: "SELECT body FROM grading_policy ORDER BY publication_idx DESC LIMIT 1"))
            .map { [UInt8]($0) }
    }

    /// Every computed grade record whose explanation counts events, with the day the earliest
    /// of them happened (as its contributions state it) and the day its disclosure ends so far:
    /// a policy that shows events for less time ends these records' disclosure sooner too.
    public func computedGradesCountingEvents() throws
        -> [(publicationIndex: Int64, firstOccurredOn: CivilDate, disclosureEnd: CivilDate?)]
    {
        let rows = try Row.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT g.publication_idx, MIN(json_extract(c.value, '$.occurredOn')) AS first_occurred_on,
                        (SELECT MIN(d.ends_on) FROM disclosure_end d WHERE d.publication_idx = g.publication_idx) AS ends_on
                    FROM grade_record g, json_each(CAST(g.explanation AS TEXT), '$.contributions') c
                    WHERE g.basis = 'computed'
                    GROUP BY g.publication_idx
                    """))
        return try rows.map { row in
            let decoder = RowDecoder(row: row, table: "grade_record")
            return (row[0], try decoder.date("first_occurred_on"), try decoder.optionalDate("ends_on"))
        }
    }

    /// The canonical JSON a policy version was published with, if it was.
    public func policyBody(version: String) throws -> [UInt8]? {
        guard let data = try Data.fetchOne(db.cachedStatement(sql: "SELECT body FROM grading_policy WHERE version = ?"), arguments: [version])
        else { return nil }
        return [UInt8](data)
    }

    /// The audit trail, newest last, from `afterId`.
    public func auditEntries(after afterId: Int64 = 0, limit: Int = 1000) throws -> [AuditEntry] {
        try rows(
            "SELECT id, at, method, peer_uid, peer_gid, peer_pid, parameters FROM audit_entry WHERE id > ? ORDER BY id LIMIT ?",
            [afterId, limit]
        ).map { row in
            let decoder = RowDecoder(row: row, table: "audit_entry")
            return AuditEntry(
                id: try decoder.int64("id"), at: try decoder.instant("at"), method: try decoder.string("method"),
                peerUid: decoder.optionalInt64("peer_uid"), peerGid: decoder.optionalInt64("peer_gid"),
                peerPid: decoder.optionalInt64("peer_pid"), parameters: try decoder.string("parameters"))
        }
    }
}

/// One row of the audit trail.
public struct AuditEntry: Sendable, Hashable {
    public var id: Int64
    public var at: Instant
    public var method: String
    public var peerUid: Int64?
    public var peerGid: Int64?
    public var peerPid: Int64?
    public var parameters: String
}

extension RegistryReader {
    /// Every enterprise in export order: files with a USCC by USCC, then files known only by an
    /// organization code by that code. Streams with a cursor: memory stays flat.
    public func forEachEnterpriseInCodeOrder(_ body: (Int64) throws -> Void) throws {
        let withUSCC = try Row.fetchCursor(
            db.cachedStatement(sql: "SELECT enterprise_id FROM enterprise_code WHERE kind = 'uscc' ORDER BY code"))
        // By position: a lookup by name lower-cases it for every row.
        while let row = try withUSCC.next() { try body(row[0]) }
        let legacy = try Row.fetchCursor(
            db.cachedStatement(
                sql: """
                    SELECT c.enterprise_id FROM enterprise_code c
                    WHERE c.kind = 'orgCode' AND c.derived_from_uscc IS NULL
                      AND NOT EXISTS (
                          SELECT 1 FROM enterprise_code u
                          WHERE u.enterprise_id = c.enterprise_id AND u.kind = 'uscc' AND u.derived_from_uscc IS NULL)
                    ORDER BY c.code
                    """))
        while let row = try legacy.next() { try body(row[0]) }
    }

    /// Every listing that was ever published, by id.
    public func forEachPublishedListing(_ body: (Listing) throws -> Void) throws {
        let ids = try Row.fetchCursor(
            db.cachedStatement(
                sql: """
                    SELECT l.id FROM listing l
                    WHERE EXISTS (SELECT 1 FROM listing_step s WHERE s.listing_id = l.id AND s.kind = 'listed')
                    ORDER BY l.id
                    """))
        while let row = try ids.next() {
            if let listing = try listing(id: row["id"]) { try body(listing) }
        }
    }
}
