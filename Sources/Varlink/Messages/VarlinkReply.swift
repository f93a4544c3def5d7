import CanonicalJSON

/// One reply to a call: output parameters, or an error when ``error`` is set.
///
/// ```swift
/// let reply = VarlinkReply(parameters: ["count": 3], continues: true)
/// let failure = VarlinkReply(error: VarlinkError.methodNotFound("org.example.ping.Pong"))
/// ```
public struct VarlinkReply: Sendable, Hashable {
    /// The output parameters, or the error's parameters.
    public var parameters: [String: JSONValue]
    /// More replies to the same call follow (only ever set for calls with `more`).
    public var continues: Bool
    /// The fully qualified error name; nil for a successful reply.
    public var error: String?

    public init(parameters: [String: JSONValue] = [:], continues: Bool = false, error: String? = nil) {
        self.parameters = parameters
        self.continues = continues
        self.error = error
    }

    /// The error reply for `error`; error replies are always final.
    public init(error: VarlinkError) {
        self.init(parameters: error.parameters, continues: false, error: error.name)
    }

    /// The error this reply carries, if it is an error reply.
    public var varlinkError: VarlinkError? {
        error.map { VarlinkError(name: $0, parameters: parameters) }
    }
}
