import Glibc
import Logging
import NIOCore
import NIOPosix
import Synchronization
import Varlink

/// A varlink server on a Unix socket.
///
/// Connections are accepted on an accept loop of its own (``AcceptLoop``, on epoll threads),
/// which answers there the calls the dispatcher answers at once, for as long as a connection
/// sends only those, and hands the connection to NIO's event loops otherwise. There each
/// connection is served by its own task: requests are handled one after another in the
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
        case noCredentials, connectionLimit, userConnectionLimit, othersConnectionLimit, keptConnectionPlaces, messageTooLarge
        case malformedMessage, writeTimeout
        case acceptFailed
    }
    let refusalLog = LogThrottle<RefusalKind>()
    private let answeredOnAcceptLoop = AnswerCounter()
    private let readiness = ReadinessSignal()
    private let lifecycle = Mutex(Lifecycle())

    private struct Lifecycle {
        var started = false
        var shutdownRequested = false
        var acceptLoop: AcceptLoop?
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
            limit: configuration.maxConnections, limitPerUser: configuration.maxConnectionsPerUser,
            limitOfOthers: configuration.isVouchedFor == nil ? nil : configuration.maxConnectionsOfOtherPeers,
            isVouchedFor: configuration.isVouchedFor, kept: configuration.keptConnections,
            mayTakeKept: configuration.mayTakeKeptPlaces)
    }

    /// The number of connections being served now.
    public var connectionCount: Int { registry.count }

    /// The connections the accept loop holds now (busy with calls it answers at once).
    public var connectionsOnAcceptLoop: Int { registry.countOnAcceptLoop }

    /// The calls answered on the accept loop since the server started (see
    /// ``Configuration/answersAtOnceOnAcceptLoop``).
    public var callsAnsweredOnAcceptLoop: Int { answeredOnAcceptLoop.value }

    /// Throws what `run()` would throw before binding `path`: a live server listens there
    /// (``VarlinkServerError/addressInUse(path:)``), a file that is not a socket is in the way, or
    /// the path cannot be looked at. Changes nothing (a stale socket is left for `run()` to remove).
    public static func checkSocketPathIsFree(_ path: String) throws(VarlinkServerError) {
        try SocketFile.checkFree(at: path)
    }

    /// Returns once the server accepts connections; throws if it failed to start.
    public func waitUntilListening() async throws {
        try await readiness.wait()
    }

    /// Starts graceful shutdown; ``run()`` returns once it is complete. Safe to call at any
    /// time, from anywhere, more than once, also before ``run()``.
    public func shutdown() {
        let acceptLoop = lifecycle.withLock { state in
            state.shutdownRequested = true
            return state.acceptLoop
        }
        acceptLoop?.stop()
    }

    /// Binds, serves until shutdown, then drains the connections and returns. Call it once.
    public func run() async throws {
        try lifecycle.withLock { (state) throws(VarlinkServerError) in
            guard !state.started else { throw .alreadyStarted }
            state.started = true
        }
        let (handOffs, handOffsIn) = AsyncStream.makeStream(of: HandOff.self)
        let loopFailure = Mutex<Int32?>(nil)
        let acceptLoop: AcceptLoop
        let socketIdentity: (device: UInt64, inode: UInt64)?
        do {
            let listener: CInt
            (listener, socketIdentity) = try listen()
            do {
                acceptLoop = try AcceptLoop(
                    listener: listener, threads: configuration.acceptLoopThreads,
                    dependencies: .init(
                        registry: registry, dispatcher: dispatcher, codec: codec,
                        answersAtOnce: configuration.answersAtOnceOnAcceptLoop,
                        maxFrameBytes: min(ImmediateAnswerHandler.maxFrameBytes, configuration.maxMessageBytes),
                        quietPeriodNanoseconds: UInt64(max(0, TimeAmount(configuration.acceptLoopQuietPeriod).nanoseconds)),
                        answered: answeredOnAcceptLoop,
                        refused: { [self] refusal in logRefusal(refusal) },
                        acceptFailed: { [self] code in
                            logThrottled(
                                .acceptFailed, "cannot accept connections; paused for a moment", level: .error,
                                metadata: ["error": "\(String(cString: strerror(code)))"])
                        },
                        handOver: { handOff in
                            if case .terminated = handOffsIn.yield(handOff) { return false }
                            return true
                        },
                        stopped: { failure in
                            loopFailure.withLock { $0 = failure }
                            handOffsIn.finish()
                        }))
            } catch {
                close(listener)
                if case .unixSocket(let path) = configuration.listen { SocketFile.remove(path, ifIdentity: socketIdentity) }
                throw error
            }
        } catch {
            logger.error("cannot listen", metadata: ["error": "\(error)"])
            readiness.fail(error)
            throw error
        }
        defer {
            if case .unixSocket(let path) = configuration.listen { SocketFile.remove(path, ifIdentity: socketIdentity) }
        }
        let stopAtOnce = lifecycle.withLock { state in
            state.acceptLoop = acceptLoop
            return state.shutdownRequested
        }
        acceptLoop.start()
        if stopAtOnce { acceptLoop.stop() }
        logger.info("listening", metadata: ["listen": "\(configuration.listen)"])
        readiness.succeed()

        let deadline = await withTaskCancellationHandler {
            await withDiscardingTaskGroup { group in
                for await handOff in handOffs {
                    group.addTask { await self.serve(handOff) }
                }
                registry.drainAll()
                // Calls in progress get the grace period; then their connections are closed,
                // which cancels their handlers, so the group below ends however peers behave.
                let registry = self.registry
                return configuration.eventLoopGroup.any().scheduleTask(
                    in: TimeAmount(configuration.shutdownGracePeriod)
                ) { registry.closeAll() }
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
        if let failure = loopFailure.withLock({ $0 }) {
            let error = VarlinkServerError.socketFile(path: "\(configuration.listen)", operation: "epoll_wait", errno: failure)
            logger.error("listener failed", metadata: ["error": "\(error)"])
            throw error
        }
        logger.info("stopped")
    }

    private func logRefusal(_ refusal: AcceptedConnection.Refusal) {
        switch refusal {
        case .noCredentials:
            logThrottled(.noCredentials, "cannot read peer credentials; closed new connection", level: .warning)
        case .limit:
            logThrottled(
                .connectionLimit, "connection limit reached; closed new connection", level: .warning,
                metadata: ["limit": "\(configuration.maxConnections)"])
        case .othersLimit(let peer):
            configuration.refusedAsOtherPeer?(peer)
            logThrottled(
                .othersConnectionLimit, "connection limit for peers without a role reached; closed new connection", level: .warning,
                metadata: Self.metadata(of: peer, limit: configuration.maxConnectionsOfOtherPeers))
        case .keptPlaces(let peer):
            configuration.refusedAsOtherPeer?(peer)
            logThrottled(
                .keptConnectionPlaces, "connection limit reached but for the places kept for peers that write; closed new connection",
                level: .warning, metadata: Self.metadata(of: peer, limit: configuration.maxConnections - configuration.keptConnections))
        case .userLimit(let peer):
            logThrottled(
                .userConnectionLimit, "connection limit per user reached; closed new connection", level: .warning,
                metadata: Self.metadata(of: peer, limit: configuration.maxConnectionsPerUser))
        case .shuttingDown:
            logger.debug("shutting down; closed new connection")
        }
    }

    private static func metadata(of peer: VarlinkPeerCredentials, limit: Int?) -> Logger.Metadata {
        ["uid": "\(peer.uid)", "gid": "\(peer.gid)", "pid": "\(peer.pid)", "limit": "\(limit.map { "\($0)" } ?? "-")"]
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

    /// Logs how many refusals of each kind a burst that has ended left out of the log (the
    /// next refusal of its kind would have said so, but there may be none). Call it about once
    /// a second.
    public func logLeftOutRefusals() {
        for (kind, count) in refusalLog.leftOut() {
            logger.warning("refusals left out of the log", metadata: ["kind": "\(kind)", "suppressed": "\(count)"])
        }
    }

    /// The listening socket for ``Configuration/listen``, and the identity of its file.
    private func listen() throws(VarlinkServerError) -> (CInt, (device: UInt64, inode: UInt64)?) {
        switch configuration.listen {
        case .unixSocket(let path):
            try SocketFile.removeStale(at: path)
            let listener = try ListeningSocket.bind(path: path, backlog: configuration.backlog)
            let identity = SocketFile.identity(path)
            do {
                try SocketFile.applyPermissions(path, mode: configuration.socketMode, group: configuration.socketGroup)
            } catch {
                close(listener)
                SocketFile.remove(path, ifIdentity: identity)
                throw error
            }
            return (listener, identity)
        case .listeningDescriptor(let descriptor):
            return (try ListeningSocket.adopt(descriptor), nil)
        }
    }
}
