import CanonicalJSON
import GRDB
import QCreditDomain

extension RegistryReader {
    private static func latestGrade(basis: GradeRecord.Basis) -> String {
        """
        SELECT id, grade, score, policy_version, effective_at, until_on, reason, document_number, publication_idx,
               (SELECT MIN(d.ends_on) FROM disclosure_end d WHERE d.publication_idx = g.publication_idx) AS ends_on
        FROM grade_record g WHERE g.enterprise_id = ?1 AND g.basis = '\(basis.rawValue)' AND g.effective_at <= ?2
        ORDER BY g.effective_at DESC, g.id DESC LIMIT 1
        """
    }

    /// Built once: the statement cache is keyed by the SQL text, which is hashed on every call.
    private static let stateRowSQL = """
        SELECT (SELECT code FROM enterprise_code WHERE enterprise_id = ?1 AND kind = 'uscc' AND derived_from_uscc IS NULL),
               COALESCE(
                   (SELECT code FROM enterprise_code WHERE enterprise_id = ?1 AND kind = 'orgCode' AND derived_from_uscc IS NULL),
                   (SELECT substr(code, 9, 9) FROM enterprise_code
                    WHERE enterprise_id = ?1 AND kind = 'uscc' AND derived_from_uscc IS NULL)),
               EXISTS (
                   SELECT 1 FROM enterprise_code
                   WHERE enterprise_id = ?1 AND derived_from_uscc IS NULL AND check_warning IS NOT NULL),
               r.name, r.status,
               EXISTS (SELECT 1 FROM listing WHERE enterprise_id = ?1),
               c.id, c.grade, c.score, c.policy_version, c.effective_at, c.until_on, c.reason, c.document_number,
               c.publication_idx, c.ends_on,
               o.id, o.grade, o.score, o.policy_version, o.effective_at, o.until_on, o.reason, o.document_number,
               o.publication_idx, o.ends_on
        FROM (SELECT name, status FROM enterprise_revision WHERE enterprise_id = ?1 ORDER BY id DESC LIMIT 1) r
        LEFT JOIN (\(latestGrade(basis: .computed))) c ON 1
        LEFT JOIN (\(latestGrade(basis: .override))) o ON 1
        """

    /// The ``StateRow`` of file `id` as of `instant`, read with one statement and decoded by
    /// column position: the export runs it once per file. Nil for a file without a revision.
    public func stateRow(enterpriseId id: Int64, atOrBefore instant: Instant) throws -> StateRow? {
        var statement = try BulkStatement(db, Self.stateRowSQL)
        statement.bind(id)
        statement.bind(instant.secondsSinceEpoch)
        return try statement.fetchRow { row in
            let corrupt = { (column: String) in StoreError.corruptRow(table: "enterprise_revision", id: "\(id)", column: column) }
            guard let name = row.text(3) else { throw corrupt("name") }
            guard let status = row.text(4).flatMap(EnterpriseStatus.init(rawValue:)) else { throw corrupt("status") }
            return StateRow(
                uscc: row.text(0), orgCode: row.text(1), hasCheckWarning: row.bool(2) ?? false, name: name, status: status,
                hasListings: row.bool(5) ?? false,
                computed: try grade(row, from: 6, basis: .computed), override: try grade(row, from: 16, basis: .override))
        }
    }

    /// The grade record in the ten columns from `start`, if there is one.
    private func grade(_ row: BulkStatement.Columns, from start: Int32, basis: GradeRecord.Basis) throws
        -> (record: GradeRecord, disclosureEndsOn: CivilDate?)?
    {
        guard let id = row.int64(start) else { return nil }
        let corrupt = { (column: String) in StoreError.corruptRow(table: "grade_record", id: "\(id)", column: column) }
        guard let grade = row.text(start + 1) else { throw corrupt("grade") }
        guard let policyVersion = row.text(start + 3) else { throw corrupt("policy_version") }
        guard let effectiveAt = row.int64(start + 4) else { throw corrupt("effective_at") }
        guard let publicationIndex = row.int64(start + 8) else { throw corrupt("publication_idx") }
        let until = try row.text(start + 5).map { text in
            guard let date = CivilDate(iso: text) else { throw corrupt("until_on") }
            return date
        }
        // Read as disclosureEnd(of:) reads it: a day past the calendar's range never comes.
        let endsOn = row.text(start + 9).flatMap(CivilDate.init(iso:))
        let record = GradeRecord(
            id: id, basis: basis, grade: grade, score: row.int64(start + 2).map { Int($0) }, policyVersion: policyVersion,
            explanation: .null, effectiveAt: Instant(secondsSinceEpoch: effectiveAt), until: until, reason: row.text(start + 6),
            documentNumber: row.text(start + 7), publicationIndex: publicationIndex)
        return (record, endsOn)
    }
}
