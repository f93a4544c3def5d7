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
/// Limits: a message longer than ``Configuration/maxMessageBytes`` or one that is not JSON
/// closes its connection; a valid JSON message that is not a call gets
/// `org.varlink.service.InvalidParameter` and the connection goes on; connections beyond
/// ``Configuration/maxConnections`` are accepted and closed at once; a connection idle for
/// ``Configuration/idleTimeout`` (no call in progress) is closed. None of these affects
/// other connections.
///
/// ``run()`` serves until ``shutdown()`` is called or its task is cancelled. Shutdown is
/// graceful: the listener closes, idle connections close, a call in progress finishes and its
/// replies are written, then its connection closes (requests pipelined behind it are dropped).
/// On cancellation the same happens, but running handlers also see `Task.isCancelled`.
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
        self.registry = ConnectionRegistry(limit: configuration.maxConnections)
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

        let acceptError: (any Error)? = await withTaskCancellationHandler {
            await withDiscardingTaskGroup { group in
                var acceptError: (any Error)?
                do {
                    try await listener.executeThenClose { inbound in
                        for try await accepted in inbound {
                            switch accepted {
                            case .admitted(let connection, let credentials):
                                group.addTask {
                                    await self.serve(connection, credentials: credentials)
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
                return acceptError
            }
        } onCancel: {
            shutdown()
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
        let maxMessageBytes = configuration.maxMessageBytes
        return VarlinkPeerCredentials.read(from: channel)
            .map(Optional.some)
            .recover { _ in nil }
            .flatMapThrowing { credentials in
                guard let credentials else { return .refused(channel, .noCredentials) }
                var logger = self.logger
                let id = self.registry.makeID()
                logger[metadataKey: "varlink.connection"] = "\(id)"
                logger[metadataKey: "varlink.peer"] = "\(credentials)"
                let connection = ServerConnection(
                    id: id, channel: channel, idleTimeout: self.configuration.idleTimeout.map(TimeAmount.init),
                    logger: logger)
                guard self.registry.admit(connection) else { return .refused(channel, .limit) }
                try channel.pipeline.syncOperations.addHandlers(
                    ByteToMessageHandler(NULFrameDecoder(maxFrameLength: maxMessageBytes)),
                    FrameArrivalHandler(connection: connection))
                return .admitted(connection, credentials)
            }
    }

    private func logRefusal(_ reason: AcceptedConnection.Refusal) {
        switch reason {
        case .noCredentials:
            logger.warning("cannot read peer credentials; closed new connection")
        case .limit:
            logger.warning(
                "connection limit reached or shutting down; closed new connection",
                metadata: ["limit": "\(configuration.maxConnections)"])
        }
    }

    private func bind() async throws -> (NIOAsyncChannel<AcceptedConnection, Never>, (device: UInt64, inode: UInt64)?) {
        let bootstrap = ServerBootstrap(group: configuration.eventLoopGroup)
            .serverChannelOption(.backlog, value: configuration.backlog)
            .childChannelOption(.autoRead, value: false)
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
