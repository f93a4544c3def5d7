/// What a caller may do (DESIGN §1). A peer's roles come from configuration; each method
/// names the roles it allows.
public enum Role: String, Sendable, Hashable, CaseIterable, Comparable {
    /// Market-supervision / quality bureau: registers, records, lists, publishes.
    case regulator
    /// Credit officers and loan systems: query grades and blacklists.
    case bank
    /// Inspection, courts, the public: read and verify.
    case auditor
    /// Runs the daemon: maintenance, exports, backups.
    case `operator`

    /// The roles whose methods change the registry or write files.
    public static let writing: Set<Role> = [.regulator, .operator]

    public static func < (lhs: Role, rhs: Role) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}
