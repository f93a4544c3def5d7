import CanonicalJSON
import QCreditStore

/// Who asked for a write, for the audit trail: the method, the peer's credentials and the
/// call's parameters.
public struct Caller: Sendable {
    public var method: String
    public var peer: AuditContext.Peer?
    public var parameters: JSONValue

    public init(method: String, peer: AuditContext.Peer?, parameters: JSONValue = [:]) {
        self.method = method
        self.peer = peer
        self.parameters = parameters
    }

    /// The registry acting on its own (expiry, escalation, putting a policy in force).
    public static func registry(_ task: String) -> Caller {
        Caller(method: "qcredit.registry.\(task)", peer: nil)
    }
}
