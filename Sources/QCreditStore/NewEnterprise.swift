import QCreditDomain

/// A new credit file as the store's batch insert takes it (``RegistryWriter/insertEnterprises(_:)``):
/// its codes and the particulars of its first revision, already checked by the caller.
public struct NewEnterprise: Sendable, Hashable {
    public var codes: [EnterpriseCodeEntry]
    public var name: String
    public var divisionCode: String?
    public var entityType: String?
    public var status: EnterpriseStatus
    public var reason: String?

    public init(
        codes: [EnterpriseCodeEntry], name: String, divisionCode: String?, entityType: String?,
        status: EnterpriseStatus = .active, reason: String? = "registered"
    ) {
        self.codes = codes
        self.name = name
        self.divisionCode = divisionCode
        self.entityType = entityType
        self.status = status
        self.reason = reason
    }
}
