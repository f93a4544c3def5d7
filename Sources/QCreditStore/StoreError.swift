/// Failures of the storage layer itself (not of the registry's rules).
public enum StoreError: Error, Sendable, CustomStringConvertible {
    /// The database could not be opened or migrated.
    case cannotOpen(path: String, reason: String)
    /// A stored value does not decode; the database was changed by something other than qcredit.
    case corruptRow(table: String, id: String, column: String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason): return "cannot open the registry database \(path): \(reason)"
        case .corruptRow(let table, let id, let column):
            return "corrupt value in \(table) row \(id), column \(column)"
        }
    }
}
