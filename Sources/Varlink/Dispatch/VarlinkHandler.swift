/// The service's side of the dispatcher: answers the calls of the service's own interfaces.
///
/// The dispatcher has already checked that the method exists and that the parameters conform
/// to its input; `org.varlink.service` never reaches the handler. Reply through `replies`;
/// throw a ``VarlinkError`` for an error reply.
///
/// ```swift
/// struct PingHandler: VarlinkHandler {
///     func handle(_ call: VarlinkCall, context: VarlinkCallContext, replies: VarlinkReplyWriter) async throws {
///         switch call.methodName {
///         case "Ping":
///             try await replies.reply(["text": call.parameters["text"] ?? "pong"])
///         case "Count":
///             guard call.more else { throw VarlinkError.expectedMore() }
///             for n in 1...3 { try await replies.send(["n": .int(Int64(n))], continues: n < 3) }
///         default:
///             throw VarlinkError.methodNotImplemented(call.method)
///         }
///     }
/// }
/// ```
public protocol VarlinkHandler: Sendable {
    /// Decides whether the caller may make this call at all, before its parameters are looked
    /// at: a refused caller learns nothing from parameter errors. Throw to refuse (typically a
    /// permission error). The default allows every call.
    func authorize(_ call: VarlinkCall, context: VarlinkCallContext) async throws

    func handle(_ call: VarlinkCall, context: VarlinkCallContext, replies: VarlinkReplyWriter) async throws
}

extension VarlinkHandler {
    public func authorize(_ call: VarlinkCall, context: VarlinkCallContext) async throws {}
}
