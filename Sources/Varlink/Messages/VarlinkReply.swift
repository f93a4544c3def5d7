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

    /// The output parameters already written as a JSON object's text, for a server that holds
    /// its answers as bytes (a stream of thousands of them is written without a value tree
    /// each); ``parameters`` is empty then. The codec writes the text as it is.
    public var parametersText: [UInt8]?

    public init(parameters: [String: JSONValue] = [:], continues: Bool = false, error: String? = nil) {
        self.parameters = parameters
        self.continues = continues
        self.error = error
    }

    /// A successful reply whose parameters are `text`: a JSON object, in the compact form the
    /// codec writes (no white space), which the caller vouches for.
    public init(parametersText text: [UInt8], continues: Bool = false) {
        self.init(continues: continues)
        parametersText = text
    }

    /// This reply with ``parametersText`` parsed into ``parameters``: for in-process consumers
    /// that read replies as values.
    public var withParsedText: VarlinkReply {
        guard let text = parametersText else { return self }
        var reply = VarlinkReply(parameters: (try? JSONValue.parse(text))?.objectValue ?? [:], continues: continues, error: error)
        reply.parametersText = nil
        return reply
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
