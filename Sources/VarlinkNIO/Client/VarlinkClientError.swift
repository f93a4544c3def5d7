import Varlink

/// Connection-level failures of a ``VarlinkClient`` (error replies are ``VarlinkError``s).
public enum VarlinkClientError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The connection closed before the reply arrived (or was already closed).
    case connectionClosed
    /// The service sent something that is not a reply, or a reply nobody asked for.
    case protocolViolation(String)

    public var description: String {
        switch self {
        case .connectionClosed: return "varlink connection closed"
        case .protocolViolation(let reason): return "varlink protocol violation: \(reason)"
        }
    }
}
