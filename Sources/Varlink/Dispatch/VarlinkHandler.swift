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

    /// Whether the caller may make `call`, decided at once without suspending: true to allow,
    /// nil when only ``authorize(_:context:)`` can tell (a refusal included). Runs on an event
    /// loop, so it must not block. The default is nil.
    func authorizeImmediately(_ call: VarlinkCall, context: VarlinkCallContext) -> Bool?

    /// The final reply's parameters as JSON object text, computed at once from memory, or nil
    /// to leave the call to ``handle(_:context:replies:)``. Called only for an authorized call
    /// whose parameters conform, on an event loop: no I/O, no waiting on locks held long. The
    /// text must be exactly what `handle` would reply. The default is nil.
    func answerImmediately(_ call: VarlinkCall, context: VarlinkCallContext) -> [UInt8]?

    /// The same answer, read from the message's bytes alone: for a message (`frame`, without
    /// its NUL) the handler recognises byte for byte as a plain call it answers at once, it
    /// appends to `parameters` the final reply's parameters as JSON object text and returns
    /// true; false (with `parameters` left as it was) sends the message the generic way
    /// (``answerImmediately(_:context:)`` after parsing and checking). The handler vouches for
    /// what the dispatcher's checks would establish: a known method, a plain call, the caller
    /// authorized, parameters that conform; and the text must be exactly what `handle` would
    /// reply. For the one call a server answers most, it skips parsing into a value tree and
    /// the generic checks. The default is false.
    func answerFrameImmediately(_ frame: UnsafeRawBufferPointer, context: VarlinkCallContext, parameters: inout [UInt8]) -> Bool

    /// Work that gives the call's one reply (its parameters, or a declared error) by blocking
    /// reads, run by the server on a thread meant for blocking, or nil to leave the call to
    /// ``handle(_:context:replies:)``: one hand-off each way instead of the four a task's
    /// awaited read costs. Called only for an authorized call whose parameters conform, on an
    /// event loop, so deciding must not block. The reply must be exactly what `handle` would
    /// give. The default is nil.
    func answerOffLoop(_ call: VarlinkCall, context: VarlinkCallContext) -> (@Sendable () -> VarlinkReply)?
}

extension VarlinkHandler {
    public func authorize(_ call: VarlinkCall, context: VarlinkCallContext) async throws {}
    public func authorizeImmediately(_ call: VarlinkCall, context: VarlinkCallContext) -> Bool? { nil }
    public func answerImmediately(_ call: VarlinkCall, context: VarlinkCallContext) -> [UInt8]? { nil }
    public func answerFrameImmediately(
        _ frame: UnsafeRawBufferPointer, context: VarlinkCallContext, parameters: inout [UInt8]
    ) -> Bool { false }
    public func answerOffLoop(_ call: VarlinkCall, context: VarlinkCallContext) -> (@Sendable () -> VarlinkReply)? { nil }
}
