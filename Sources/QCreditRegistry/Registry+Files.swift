import QCreditDomain
import QCreditStore

extension Registry {
    /// The whole credit file as `view` shows it (see ``RecordView``).
    public func creditFile(code: String, view: RecordView) async throws -> CreditFile {
        try await database.read { reader in
            let enterprise = try reader.existingEnterprise(forCode: code)
            return CreditFile(
                enterprise: enterprise, events: try reader.events(enterpriseId: enterprise.id).filter(view.shows),
                grades: try reader.grades(enterpriseId: enterprise.id),
                listings: try reader.listings(enterpriseId: enterprise.id, view: view))
        }
    }

    /// The number of publication records: the log's size.
    public func logSize() async throws -> Int64 {
        try await database.read { try $0.publicationCount() }
    }
}
