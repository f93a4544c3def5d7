import QCreditDomain
import QCreditStore

extension Registry {
    /// The whole credit file as `view` shows it today (see ``Visibility``).
    public func creditFile(code: String, view: RecordView) async throws -> CreditFile {
        let visibility = self.visibility(view)
        return try await database.read { reader in
            let (enterprise, listings) = try reader.visibleListings(of: reader.existingEnterprise(forCode: code), visibility: visibility)
            return CreditFile(
                enterprise: enterprise, events: try reader.events(enterpriseId: enterprise.id).filter(visibility.shows),
                grades: try reader.grades(enterpriseId: enterprise.id).filter { try reader.shows($0, visibility: visibility) },
                listings: listings)
        }
    }

    /// The enterprise with id `id` (one a listing or grade names).
    public func enterprise(id: Int64) async throws -> Enterprise {
        try await database.read { reader in
            guard let enterprise = try reader.enterprise(id: id) else { throw StoreError.corruptRow(table: "enterprise", id: "\(id)", column: "id") }
            return enterprise
        }
    }

    /// The number of publication records: the log's size.
    public func logSize() async throws -> Int64 {
        try await database.read { try $0.publicationCount() }
    }
}
