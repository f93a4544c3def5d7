import QCreditDomain
import QCreditStore

extension Registry {
    /// The whole credit file. `.public` hides what the public may not see: listings that
    /// were never published or were wiped by repair or revocation, and superseded events.
    public func creditFile(code: String, view: RecordView) async throws -> CreditFile {
        try await database.read { reader in
            let enterprise = try reader.existingEnterprise(forCode: code)
            var file = CreditFile(
                enterprise: enterprise, events: try reader.events(enterpriseId: enterprise.id),
                grades: try reader.grades(enterpriseId: enterprise.id),
                listings: try reader.listings(enterpriseId: enterprise.id))
            if view == .public {
                file.listings = file.listings.filter(\.isPublic)
                file.events = file.events.filter(\.isInForce)
            }
            return file
        }
    }

    /// The number of publication records: the log's size.
    public func logSize() async throws -> Int64 {
        try await database.read { try $0.publicationCount() }
    }
}
