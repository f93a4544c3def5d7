import CanonicalJSON
import Glibc
import NIOCore
import NIOPosix
import Varlink

/// A varlink client on one Unix-socket connection.
///
/// Calls may be made concurrently from many tasks: they are written in the order they are
/// made and matched to replies in that order (varlink has no call ids), so pipelining is safe.
///
/// ```swift
/// let client = try await VarlinkClient.connect(socketPath: "/run/pingd.sock")
/// defer { Task { await client.close() } }
/// let info = try await client.call("org.varlink.service.GetInfo")
/// for try await update in client.stream("org.example.ping.Count", parameters: ["to": 3]) {
///     print(update)
/// }
/// try await client.oneway("org.example.ping.Forget", parameters: ["id": 7])
/// ```
public final class VarlinkClient: Sendable {
    private let channel: any Channel
    private let codec: any VarlinkClientCodec
    private let pending: PendingCalls

    private init(channel: any Channel, codec: any VarlinkClientCodec, pending: PendingCalls) {
        self.channel = channel
        self.codec = codec
        self.pending = pending
    }

    deinit {
        channel.close(promise: nil)
    }

    /// Connects to the service listening at `socketPath`.
    /// - Parameter maxMessageBytes: the longest reply accepted; a longer one closes the connection.
    public static func connect(
        socketPath: String,
        maxMessageBytes: Int = 64 << 20,
        codec: any VarlinkClientCodec = JSONValueCodec(),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> VarlinkClient {
        let pending = PendingCalls()
        let bootstrap = ClientBootstrap(group: eventLoopGroup)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        ByteToMessageHandler(NULFrameDecoder(maxFrameLength: maxMessageBytes)))
                    try channel.pipeline.syncOperations.addHandler(ClientReplyHandler(codec: codec, pending: pending))
                }
            }
        // NIO refuses paths of more than 103 bytes, which `sun_path` (108 bytes) holds up to 107 of
        // and a server may listen on: such a path is connected here and the socket handed over.
        let channel =
            socketPath.utf8.count > nioPathLimit
            ? try await bootstrap.withConnectedSocket(try connectedSocket(socketPath)).get()
            : try await bootstrap.connect(unixDomainSocketPath: socketPath).get()
        return VarlinkClient(channel: channel, codec: codec, pending: pending)
    }

    /// The longest path NIO's `connect(unixDomainSocketPath:)` takes.
    private static let nioPathLimit = 103

    /// A blocking connect to `path` (a Unix socket's connect completes at once), or the error.
    private static func connectedSocket(_ path: String) throws -> CInt {
        guard let address = SocketFile.address(path) else {
            throw IOError(errnoCode: ENAMETOOLONG, reason: "connect")
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw IOError(errnoCode: errno, reason: "socket") }
        var result: CInt
        repeat { result = SocketFile.withSocketAddress(address) { Glibc.connect(fd, $0, $1) } } while result != 0 && errno == EINTR
        guard result == 0 else {
            let code = errno
            Glibc.close(fd)
            throw IOError(errnoCode: code, reason: "connect")
        }
        return fd
    }

    /// Calls `method` and returns its reply's parameters; an error reply is thrown as ``VarlinkError``.
    public func call(_ method: String, parameters: [String: JSONValue] = [:]) async throws -> [String: JSONValue] {
        let reply = try await reply(to: VarlinkCall(method: method, parameters: parameters))
        if let error = reply.varlinkError { throw error }
        return reply.parameters
    }

    /// Calls `method` with `more` and streams the parameters of each reply; the stream ends
    /// after the final reply and throws ``VarlinkError`` for an error reply. Stopping early
    /// leaves the remaining replies to be read and dropped.
    public func stream(
        _ method: String,
        parameters: [String: JSONValue] = [:]
    ) -> AsyncThrowingStream<[String: JSONValue], any Error> {
        let call = VarlinkCall(method: method, parameters: parameters, more: true)
        let (stream, continuation) = AsyncThrowingStream<[String: JSONValue], any Error>.makeStream()
        if let error = enqueue(call, waiter: .parameters(continuation), promise: nil) {
            continuation.finish(throwing: error)
        }
        return stream
    }

    /// Calls `method` with `oneway`: no reply comes. Returns once the call is written.
    public func oneway(_ method: String, parameters: [String: JSONValue] = [:]) async throws {
        try await send(oneway: VarlinkCall(method: method, parameters: parameters, oneway: true))
    }

    private func send(oneway call: VarlinkCall) async throws {
        let written = channel.eventLoop.makePromise(of: Void.self)
        if let error = enqueue(call, waiter: nil, promise: written) {
            written.fail(error)
        }
        try await written.futureResult.get()
    }

    /// Sends `call` as it is and returns the raw reply, error replies included. A `oneway`
    /// call returns an empty reply once written.
    /// - Precondition: `call.more` is false (unless `oneway`); use ``replies(to:)`` for streams.
    public func reply(to call: VarlinkCall) async throws -> VarlinkReply {
        if call.oneway {
            try await send(oneway: call)
            return VarlinkReply()
        }
        precondition(!call.more, "reply(to:) takes one reply; use replies(to:) for calls with more")
        return try await withCheckedThrowingContinuation { continuation in
            if let error = enqueue(call, waiter: .single(continuation), promise: nil) {
                continuation.resume(throwing: error)
            }
        }
    }

    /// Sends `call` as it is (normally with `more`) and streams the raw replies, error
    /// replies included; the stream ends after the reply without `continues`.
    /// A `oneway` call yields nothing.
    public func replies(to call: VarlinkCall) -> AsyncThrowingStream<VarlinkReply, any Error> {
        let (stream, continuation) = AsyncThrowingStream<VarlinkReply, any Error>.makeStream()
        if call.oneway {
            if let error = enqueue(call, waiter: nil, promise: nil) {
                continuation.finish(throwing: error)
            } else {
                continuation.finish()
            }
        } else if let error = enqueue(call, waiter: .stream(continuation), promise: nil) {
            continuation.finish(throwing: error)
        }
        return stream
    }

    /// Closes the connection; calls still waiting fail with ``VarlinkClientError/connectionClosed``.
    public func close() async {
        try? await channel.close()
        pending.close(with: VarlinkClientError.connectionClosed)
    }

    private func enqueue(
        _ call: VarlinkCall,
        waiter: PendingCalls.Waiter?,
        promise: EventLoopPromise<Void>?
    ) -> (any Error)? {
        var buffer = channel.allocator.buffer(capacity: 256)
        codec.encodeCall(call, into: &buffer)
        let channel = self.channel
        let encoded = buffer
        return pending.enqueue(waiter) {
            // Always through the loop's queue, never synchronously: FIFO order matches the
            // queue order, and a failing write cannot re-enter `pending` while it is locked.
            channel.eventLoop.execute { channel.writeAndFlush(encoded, promise: promise) }
        }
    }
}
