/// Why the log refused a request or refuses to go on.
public enum LogError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A tree size or index beyond the log as it stands.
    case sizeBeyondTree(requested: Int64, treeSize: Int64)
    /// A range or pair of sizes that cannot be (reversed, negative, empty where it must not be).
    case invalidRange(reason: String)
    /// No checkpoint has been signed yet.
    case noCheckpoint
    /// The stored log does not extend the last signed checkpoint: signing again would publish
    /// two histories. The daemon refuses to start.
    case logDoesNotExtendCheckpoint(reason: String)
    /// No signing key is configured.
    case noSigningKeys

    public var description: String {
        switch self {
        case .sizeBeyondTree(let requested, let treeSize): return "size \(requested) is beyond the log's \(treeSize) records"
        case .invalidRange(let reason): return reason
        case .noCheckpoint: return "no checkpoint has been signed yet"
        case .logDoesNotExtendCheckpoint(let reason): return "the log does not extend its last signed checkpoint: \(reason)"
        case .noSigningKeys: return "no signing key is configured"
        }
    }
}
