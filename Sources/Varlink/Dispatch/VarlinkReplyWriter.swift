import CanonicalJSON
import Synchronization

/// Where a handler sends the replies to one call: one final reply, or a stream of replies
/// with `continues: true` ended by a final one.
///
/// - When the call is `oneway`, every reply is dropped (sending still "succeeds").
/// - Sending `continues: true` to a call made without `more` throws
///   `org.varlink.service.ExpectedMore`; left uncaught, that becomes the error reply the
///   protocol asks for. A handler may also check ``VarlinkCall/more`` up front.
/// - Nothing may follow the final reply: a further send throws
///   ``VarlinkReplyWriterError/alreadyReplied``.
/// - Send from one task at a time; replies go out in the order the sends complete.
///
/// ```swift
/// for (index, item) in items.enumerated() {
///     try await replies.send(["item": item], continues: index < items.count - 1)
/// }
/// ```
public final class VarlinkReplyWriter: Sendable {
    /// Delivers replies to the client, in order (the server encodes them and writes them
    /// together); throws when the connection is gone.
    public typealias Sink = @Sendable ([VarlinkReply]) async throws -> Void

    /// The call asked for no reply: everything sent is dropped.
    public let isOneway: Bool
    /// The call was made with `more`: replies with `continues: true` are allowed.
    public let acceptsMore: Bool

    private let sink: Sink
    private let state = Mutex(State())

    private struct State {
        var replied = false
        var sinkError: (any Error)?
    }

    /// A writer for `call` that hands replies to `sink`. The dispatcher makes these; tests of
    /// handlers may make their own.
    public init(call: VarlinkCall, sink: @escaping Sink) {
        self.isOneway = call.oneway
        self.acceptsMore = call.more
        self.sink = sink
    }

    /// Whether the final reply (or an error reply) has been sent.
    public var hasReplied: Bool { state.withLock { $0.replied } }

    /// The error the sink threw, if delivery failed: the connection is gone.
    public var deliveryError: (any Error)? { state.withLock { $0.sinkError } }

    /// Sends a reply; `continues: true` announces more replies to the same call.
    public func send(_ parameters: [String: JSONValue], continues: Bool) async throws {
        try await deliver([VarlinkReply(parameters: parameters, continues: continues)])
    }

    /// Sends several replies of a stream at once, in order, each as ``send(_:continues:)``
    /// would: the server writes them together, one write for many (a stream of small replies
    /// otherwise pays a hand-off to the connection for each). If any of them would be refused,
    /// none is sent.
    public func send(contentsOf replies: [VarlinkReply]) async throws {
        guard !replies.isEmpty else { return }
        try await deliver(replies)
    }

    /// Sends the final reply.
    public func reply(_ parameters: [String: JSONValue] = [:]) async throws {
        try await deliver([VarlinkReply(parameters: parameters)])
    }

    /// Sends `error` as the final reply.
    public func fail(_ error: VarlinkError) async throws {
        try await deliver([VarlinkReply(error: error)])
    }

    private func deliver(_ replies: [VarlinkReply]) async throws {
        let acceptsMore = self.acceptsMore
        try state.withLock { (state) throws -> Void in
            guard !state.replied else { throw VarlinkReplyWriterError.alreadyReplied }
            for (offset, reply) in replies.enumerated() {
                if reply.continues && !acceptsMore { throw VarlinkError.expectedMore() }
                // Only the last may be final: nothing follows a final reply.
                if !reply.continues && offset < replies.count - 1 { throw VarlinkReplyWriterError.alreadyReplied }
            }
            if replies.last?.continues == false { state.replied = true }
        }
        if isOneway { return }
        do {
            try await sink(replies)
        } catch {
            state.withLock { $0.sinkError = $0.sinkError ?? error }
            throw error
        }
    }
}
