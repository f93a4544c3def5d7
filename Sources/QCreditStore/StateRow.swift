import QCreditDomain

/// What one line of an export's state reads about a file, with one query
/// (``RegistryReader/stateRow(enterpriseId:atOrBefore:)``): its codes, current particulars,
/// whether it has any listing, and its latest computed and override grades with the first day
/// each stops being disclosed. The grades' explanations are not read (a state line does not
/// carry them): their ``GradeRecord/explanation`` is `null`.
public struct StateRow: Sendable {
    public var uscc: String?
    public var orgCode: String?
    /// Whether any of its codes was admitted with a check-character warning.
    public var hasCheckWarning: Bool
    public var name: String
    public var status: EnterpriseStatus
    /// Whether any listing was ever proposed against the file: then the full, slower view applies.
    public var hasListings: Bool
    public var computed: (record: GradeRecord, disclosureEndsOn: CivilDate?)?
    public var override: (record: GradeRecord, disclosureEndsOn: CivilDate?)?
}
