import Glibc
import NIOCore
import NIOPosix
import Varlink

extension VarlinkServer {
    /// Where and how a ``VarlinkServer`` listens, and the limits it enforces.
    ///
    /// ```swift
    /// var configuration = VarlinkServer.Configuration(listen: .unixSocket(path: "/run/qcredit/qcredit.sock"))
    /// configuration.socketMode = 0o660
    /// configuration.socketGroup = 980
    /// configuration.idleTimeout = .seconds(300)
    /// ```
    public struct Configuration: Sendable {
        public enum Listen: Sendable, Hashable, CustomStringConvertible {
            /// Bind a new socket at `path`. A stale socket file there (nobody accepting) is
            /// removed first; one a live server listens on makes ``VarlinkServer/run()`` fail with
            /// ``VarlinkServerError/addressInUse(path:)``. The file is removed again at shutdown.
            case unixSocket(path: String)
            /// Serve an already bound and listening stream socket (systemd socket activation).
            /// The server takes ownership of the descriptor; mode and group are left alone.
            case listeningDescriptor(CInt)

            /// As a log line says it: the path, or the descriptor that was passed.
            public var description: String {
                switch self {
                case .unixSocket(let path): path
                case .listeningDescriptor(let descriptor): "inherited descriptor \(descriptor)"
                }
            }
        }

        public var listen: Listen
        /// The socket file's mode, applied right after `bind(2)` (`.unixSocket` only).
        /// Until then the process umask applies, so keep the umask at least as strict.
        public var socketMode: mode_t?
        /// The socket file's group, or nil to keep the process's.
        public var socketGroup: gid_t?
        /// The longest message accepted, without its NUL; a longer one closes the connection.
        /// When ``maxMessageBytesForPeer`` is set, its answer applies instead.
        public var maxMessageBytes: Int
        /// The longest message a peer may send, asked once per connection by the connection's
        /// task before anything is read from it: bytes the peer sends meanwhile wait in the
        /// kernel, not in memory. It never runs on an event loop, so it may look up users and
        /// groups. Nil: every peer gets ``maxMessageBytes``.
        public var maxMessageBytesForPeer: (@Sendable (VarlinkPeerCredentials) async -> Int)?
        /// Whether a peer's calls keep its connection open against ``idleTimeout``, asked once
        /// per connection beside ``maxMessageBytesForPeer``. When the answer is false the
        /// connection closes `idleTimeout` after it began to be read (or its last call in progress ended),
        /// however often it calls: a peer that may only ask `GetInfo` cannot hold a connection
        /// with it. Nil: every peer's calls count.
        public var callsKeepPeerConnected: (@Sendable (VarlinkPeerCredentials) async -> Bool)?
        /// Connections served at once; more are accepted and closed at once.
        public var maxConnections: Int
        /// Connections one uid may hold at once; more from it are accepted and closed at once.
        /// Nil: only ``maxConnections`` applies.
        public var maxConnectionsPerUser: Int?
        /// Connections that peers ``isVouchedFor`` does not vouch for may hold together; more
        /// of theirs are accepted and closed at once, so that the rest of ``maxConnections``
        /// stays for the peers it does (the per-uid cap alone let four uids fill every place).
        /// Nil, or no ``isVouchedFor``: only the other limits apply.
        public var maxConnectionsOfOtherPeers: Int?
        /// Whether a peer counts among those ``maxConnectionsOfOtherPeers`` leaves room for,
        /// asked on the accept loop for every new connection: it must answer at once, without
        /// blocking (from what is already known, never a look-up of users or groups).
        public var isVouchedFor: (@Sendable (VarlinkPeerCredentials) -> Bool)?
        /// Places of ``maxConnections`` kept for the peers ``mayTakeKeptPlaces`` names (the
        /// registry's: those known to hold a role that writes), so that others cannot take every
        /// place with connections that are never idle (a feed). 0, or no ``mayTakeKeptPlaces``: none kept.
        public var keptConnections: Int = 0
        /// Whether a peer may take a place ``keptConnections`` keeps, asked on the accept loop
        /// like ``isVouchedFor`` (at once, never a look-up).
        public var mayTakeKeptPlaces: (@Sendable (VarlinkPeerCredentials) -> Bool)?
        /// Told, on the accept loop, of each connection refused because the peers not vouched
        /// for hold their share, or the kept places are all that is left: the place to start
        /// learning about a peer that may deserve to be vouched for (off the loop), so that its
        /// next connection is admitted.
        public var refusedAsOtherPeer: (@Sendable (VarlinkPeerCredentials) -> Void)?
        /// A connection with no call in progress for this long is closed; nil never. The clock
        /// starts when the server begins reading the connection, not when it was accepted.
        public var idleTimeout: Duration?
        /// A connection whose replies have made no progress into the socket for this long (the
        /// peer stopped reading) is closed, and its handler cancelled; nil never.
        public var writeTimeout: Duration?
        /// How long shutdown lets calls in progress finish; then their connections are closed
        /// and their handlers cancelled, so ``VarlinkServer/run()`` returns.
        public var shutdownGracePeriod: Duration
        /// Fully qualified methods whose `more` calls are feeds with no end of their own (a
        /// change feed that waits for the next change). Shutdown closes a connection in such a
        /// call at once instead of granting it ``shutdownGracePeriod``, which it would only
        /// spend waiting; the client resumes the feed after the restart.
        public var endlessMethods: Set<String>
        /// Whether the accept loop answers, on its own thread and without NIO's channel
        /// pipeline, the calls the dispatcher answers at once (``VarlinkDispatcher/answerImmediately(_:context:)``)
        /// for the connections that keep sending only those (see ``AcceptLoop``); false hands
        /// every connection to the event loops when it is admitted. The loop parses frames of
        /// at most 1 KiB (or ``maxMessageBytes``, if smaller) and holds at most 4 KiB unanswered
        /// per connection; a ``maxMessageBytesForPeer`` below 1 KiB is only applied on the event loops.
        public var answersAtOnceOnAcceptLoop: Bool
        /// Threads of the accept loop: the first serves connections with one call at a time,
        /// all of them share connections that pipeline. One by default (two descriptors and a
        /// thread each); a server that expects pipelined point reads gives it the cores.
        public var acceptLoopThreads: Int
        /// A connection on the accept loop that sends nothing for this long goes to the event
        /// loops, whose idle timer then applies to it.
        public var acceptLoopQuietPeriod: Duration
        /// The listen backlog for sockets the server binds.
        public var backlog: Int32
        /// The event loops sockets are served on; handlers run in Swift concurrency, not here.
        public var eventLoopGroup: any EventLoopGroup
        /// Threads for the calls a handler answers by blocking work (``VarlinkHandler/answerOffLoop(_:context:)``);
        /// nil: those calls go to the connection's task like any other.
        public var blockingPool: NIOThreadPool?

        public init(
            listen: Listen,
            socketMode: mode_t? = 0o660,
            socketGroup: gid_t? = nil,
            maxMessageBytes: Int = 8 << 20,
            maxMessageBytesForPeer: (@Sendable (VarlinkPeerCredentials) async -> Int)? = nil,
            maxConnections: Int = 512,
            maxConnectionsPerUser: Int? = nil,
            idleTimeout: Duration? = .seconds(600),
            writeTimeout: Duration? = .seconds(30),
            shutdownGracePeriod: Duration = .seconds(10),
            endlessMethods: Set<String> = [],
            answersAtOnceOnAcceptLoop: Bool = true,
            acceptLoopThreads: Int = 1,
            acceptLoopQuietPeriod: Duration = .milliseconds(250),
            backlog: Int32 = 256,
            eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
        ) {
            self.listen = listen
            self.socketMode = socketMode
            self.socketGroup = socketGroup
            self.maxMessageBytes = maxMessageBytes
            self.maxMessageBytesForPeer = maxMessageBytesForPeer
            self.maxConnections = maxConnections
            self.maxConnectionsPerUser = maxConnectionsPerUser
            self.idleTimeout = idleTimeout
            self.writeTimeout = writeTimeout
            self.shutdownGracePeriod = shutdownGracePeriod
            self.endlessMethods = endlessMethods
            self.answersAtOnceOnAcceptLoop = answersAtOnceOnAcceptLoop
            self.acceptLoopThreads = acceptLoopThreads
            self.acceptLoopQuietPeriod = acceptLoopQuietPeriod
            self.backlog = backlog
            self.eventLoopGroup = eventLoopGroup
        }
    }
}
