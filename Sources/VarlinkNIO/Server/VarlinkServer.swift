import Logging
import NIOCore
import NIOPosix
import Synchronization
import Varlink

/// A varlink server on a Unix socket.
///
/// Each connection is served by its own task: requests are handled one after another in the
/// order they arrive and their replies are written in the same order, so clients may pipeline.
/// Handlers run in Swift concurrency, never on an event loop. Every call carries the peer's
/// `SO_PEERCRED` credentials (read once, at accept); a connection whose credentials cannot be
/// read is closed unserved.
///
/// Limits: a message longer than ``Configuration/maxMessageBytes`` (or the peer's own limit,
/// ``Configuration/maxMessageBytesForPeer``) or one that is not JSON closes its connection; a
/// valid JSON message that is not a call gets `org.varlink.service.InvalidParameter` and the
/// connection goes on; connections beyond ``Configuration/maxConnections``, or beyond
/// ``Configuration/maxConnectionsPerUser`` from one uid, are accepted and closed at once; a
/// connection idle for ``Configuration/idleTimeout`` (no call in progress) is closed, and so is
/// one whose replies have not moved for ``Configuration/writeTimeout`` (the peer stopped
/// reading). None of these affects other connections. Refusals are logged at most about once a
/// second per kind, with the number left unlogged.
///
/// ``run()`` serves until ``shutdown()`` is called or its task is cancelled. Shutdown is
/// graceful: the listener closes, idle connections close, a call in progress finishes and its
/// replies are written, then its connection closes (requests pipelined behind it are dropped).
/// Calls still running after ``Configuration/shutdownGracePeriod`` have their connections
/// closed and their handlers cancelled; ``run()`` returns once those handlers return.
/// On cancellation the same happens, but running handlers also see `Task.isCancelled` at once.
/// To run under swift-service-lifecycle:
/// `try await withGracefulShutdownHandler { try await server.run() } onGracefulShutdown: { server.shutdown() }`.
///
/// ```swift
/// let server = VarlinkServer(
///     configuration: .init(listen: .unixSocket(path: "/run/pingd.sock")),
///     dispatcher: dispatcher,
///     logger: Logger(label: "pingd.varlink")
/// )
/// try await withThrowingTaskGroup(of: Void.self) { group in
///     group.addTask { try await server.run() }
///     try await server.waitUntilListening()   // e.g. notify systemd here
///     try await group.next()
/// }
/// ```
public final class VarlinkServer: Sendable {
    public let configuration: Configuration
    let dispatcher: VarlinkDispatcher
    let codec: any VarlinkCodec
    let logger: Logger
    let registry: ConnectionRegistry
    /// Kinds of refusal, each logged at most about once a second.
    enum RefusalKind: Hashable, Sendable {
        case noCredentials, connectionLimit, userConnectionLimit, messageTooLarge, malformedMessage, writeTimeout
    }
    let refusalLog = LogThrottle<RefusalKind>()
    private let readiness = ReadinessSignal()
    private let lifecycle = Mutex(Lifecycle())

    private struct Lifecycle {
        var started = false
        var shutdownRequested = false
        var listener: (any Channel)?
    }

    public init(
        configuration: Configuration,
        dispatcher: VarlinkDispatcher,
        codec: any VarlinkCodec = JSONValueCodec(),
        logger: Logger
    ) {
        self.configuration = configuration
        self.dispatcher = dispatcher
        self.codec = codec
        self.logger = logger
        self.registry = ConnectionRegistry(
            limit: configuration.maxConnections, limitPerUser: configuration.maxConnectionsPerUser)
    }

    /// The number of connections being served now.
    public var connectionCount: Int { registry.count }

    /// Returns once the server accepts connections; throws if it failed to start.
    public func waitUntilListening() async throws {
        try await readiness.wait()
    }

    /// Starts graceful shutdown; ``run()`` returns once it is complete. Safe to call at any
    /// time, from anywhere, more than once, also before ``run()``.
    public func shutdown() {
        let listener = lifecycle.withLock { state in
            state.shutdownRequested = true
            return state.listener
        }
        listener?.close(promise: nil)
    }

    /// Binds, serves until shutdown, then drains the connections and returns. Call it once.
    public func run() async throws {
        try lifecycle.withLock { (state) throws(VarlinkServerError) in
            guard !state.started else { throw .alreadyStarted }
            state.started = true
        }
        let listener: NIOAsyncChannel<AcceptedConnection, Never>
        let socketIdentity: (device: UInt64, inode: UInt64)?
        do {
            (listener, socketIdentity) = try await bind()
        } catch {
            logger.error("cannot listen", metadata: ["error": "\(error)"])
            readiness.fail(error)
            throw error
        }
        defer {
            if case .unixSocket(let path) = configuration.listen { SocketFile.remove(path, ifIdentity: socketIdentity) }
        }
        let stopAtOnce = lifecycle.withLock { state in
            state.listener = listener.channel
            return state.shutdownRequested
        }
        if stopAtOnce { listener.channel.close(promise: nil) }
        logger.info("listening", metadata: ["listen": "\(configuration.listen)"])
        readiness.succeed()

        let (acceptError, deadline) = await withTaskCancellationHandler {
            await withDiscardingTaskGroup { group in
                var acceptError: (any Error)?
                do {
                    try await listener.executeThenClose { inbound in
                        for try await accepted in inbound {
                            switch accepted {
                            case .admitted(let connection):
                                group.addTask {
                                    await self.serve(connection)
                                    self.registry.remove(connection)
                                }
                            case .refused(let channel, let reason):
                                channel.close(promise: nil)
                                logRefusal(reason)
                            }
                        }
                    }
                } catch where !(error is CancellationError) {
                    acceptError = error
                } catch {}
                registry.drainAll()
                // Calls in progress get the grace period; then their connections are closed,
                // which cancels their handlers, so the group below ends however peers behave.
                let registry = self.registry
                let deadline = configuration.eventLoopGroup.any().scheduleTask(
                    in: TimeAmount(configuration.shutdownGracePeriod)
                ) { registry.closeAll() }
                return (acceptError, deadline)
            }
        } onCancel: {
            shutdown()
        }
        deadline.cancel()
        if let closed = try? await deadline.futureResult.get(), closed > 0 {
            logger.notice(
                "shutdown grace period over; closed connections still busy",
                metadata: ["connections": "\(closed)", "gracePeriod": "\(configuration.shutdownGracePeriod)"])
        }
        if let acceptError {
            logger.error("listener failed", metadata: ["error": "\(acceptError)"])
            throw acceptError
        }
        logger.info("stopped")
    }

    /// Runs on the new connection's event loop before it is registered: reads the peer's
    /// credentials and admits the connection or refuses it.
    ///
    /// No `NIOAsyncChannel` is made here: a connection still queued in the listener's stream
    /// when the listener stops is dropped, and a dropped `NIOAsyncChannel` traps (swift-nio
    /// #2813). Reading stays off (`autoRead` false) until the serving task has wrapped it.
    private func initializeConnection(_ channel: any Channel) -> EventLoopFuture<AcceptedConnection> {
        VarlinkPeerCredentials.read(from: channel)
            .map(Optional.some)
            .recover { _ in nil }
            .map { credentials in
                guard let credentials else { return .refused(channel, .noCredentials) }
                var logger = self.logger
                let id = self.registry.makeID()
                logger[metadataKey: "varlink.connection"] = "\(id)"
                logger[metadataKey: "varlink.peer"] = "\(credentials)"
                let connection = ServerConnection(
                    id: id, channel: channel, credentials: credentials,
                    idleTimeout: self.configuration.idleTimeout.map(TimeAmount.init), logger: logger)
                if let refusal = self.registry.admit(connection) { return .refused(channel, refusal) }
                return .admitted(connection)
            }
    }

    private func logRefusal(_ refusal: AcceptedConnection.Refusal) {
        switch refusal {
        case .noCredentials:
            logThrottled(.noCredentials, "cannot read peer credentials; closed new connection", level: .warning)
        case .limit:
            logThrottled(
                .connectionLimit, "connection limit reached; closed new connection", level: .warning,
                metadata: ["limit": "\(configuration.maxConnections)"])
        case .userLimit(let peer):
            logThrottled(
                .userConnectionLimit, "connection limit per user reached; closed new connection", level: .warning,
                metadata: [
                    "uid": "\(peer.uid)", "gid": "\(peer.gid)", "pid": "\(peer.pid)",
                    "limit": "\(configuration.maxConnectionsPerUser.map { "\($0)" } ?? "-")",
                ])
        case .shuttingDown:
            logger.debug("shutting down; closed new connection")
        }
    }

    /// Logs a refusal at most about once a second per kind, with how many went unlogged since:
    /// a hostile peer provokes them as fast as it can connect or send.
    func logThrottled(
        _ kind: RefusalKind, _ message: Logger.Message, level: Logger.Level = .notice, logger: Logger? = nil,
        metadata: Logger.Metadata = [:]
    ) {
        guard let suppressed = refusalLog.admit(kind) else { return }
        var metadata = metadata
        if suppressed > 0 { metadata["suppressed"] = "\(suppressed)" }
        (logger ?? self.logger).log(level: level, message, metadata: metadata)
    }

    private func bind() async throws -> (NIOAsyncChannel<AcceptedConnection, Never>, (device: UInt64, inode: UInt64)?) {
        let bootstrap = ServerBootstrap(group: configuration.eventLoopGroup)
            .serverChannelOption(.backlog, value: configuration.backlog)
            .childChannelOption(.autoRead, value: false)
            // One socket read (64 KiB at most) per readiness event: the serving task's inbound
            // backpressure is checked between events, so this bounds what a peer that pipelines
            // calls and never reads its replies makes the daemon hold per connection.
            .childChannelOption(.maxMessagesPerRead, value: 1)
            .childChannelOption(.writeBufferWaterMark, value: .init(low: 8 << 10, high: 16 << 10))
        let initializer: @Sendable (any Channel) -> EventLoopFuture<AcceptedConnection> = { channel in
            self.initializeConnection(channel)
        }
        switch configuration.listen {
        case .unixSocket(let path):
            try SocketFile.removeStale(at: path)
            let listener = try await bootstrap.bind(unixDomainSocketPath: path, childChannelInitializer: initializer)
            let identity = SocketFile.identity(path)
            do {
                try SocketFile.applyPermissions(path, mode: configuration.socketMode, group: configuration.socketGroup)
            } catch {
                try? await listener.channel.close()
                SocketFile.remove(path, ifIdentity: identity)
                throw error
            }
            return (listener, identity)
        case .listeningDescriptor(let descriptor):
            return (try await bootstrap.bind(descriptor, childChannelInitializer: initializer), nil)
        }
    }
}
