import GRDB

/// The statements a write transaction runs for every file it registers or event it records,
/// each looked up in GRDB's statement cache once per transaction rather than once per row: the
/// cache finds a statement by hashing its whole SQL text, which showed in the profile of
/// importing a million files (BENCHMARKS.md).
final class PreparedStatements {
    enum Kind: Int, CaseIterable {
        case enterpriseIdByCode, insertEnterprise, insertCode, insertRevision, insertEvent

        var sql: String {
            switch self {
            case .enterpriseIdByCode:
                "SELECT enterprise_id FROM enterprise_code WHERE code = ?"
            case .insertEnterprise:
                "INSERT INTO enterprise (audit_id) VALUES (?)"
            case .insertCode:
                """
                INSERT INTO enterprise_code (code, enterprise_id, kind, check_warning, derived_from_uscc, audit_id)
                VALUES (?, ?, ?, ?, ?, ?)
                """
            case .insertRevision:
                """
                INSERT INTO enterprise_revision (enterprise_id, name, division_code, entity_type, status, effective_on,
                    reason, document_number, recorded_at, audit_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
            case .insertEvent:
                """
                INSERT INTO quality_event (enterprise_id, dimension, kind, severity, occurred_on, authority, document_number,
                    legal_basis, summary, evidence_url, supersedes, is_retraction, correction_reason, recorded_at, audit_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
            }
        }
    }

    private let db: Database
    private var statements = [Statement?](repeating: nil, count: Kind.allCases.count)

    init(_ db: Database) { self.db = db }

    /// `kind`'s statement, ready to bind.
    func callAsFunction(_ kind: Kind) throws -> BulkStatement {
        if let statement = statements[kind.rawValue] { return BulkStatement(db, prepared: statement) }
        let statement = try db.cachedStatement(sql: kind.sql)
        statements[kind.rawValue] = statement
        return BulkStatement(db, prepared: statement)
    }
}
