import Synchronization
import Varlink

/// The connections a server is serving, for the connection limits and for shutdown: those its
/// accept loop holds (``AcceptLoop``) and those served on NIO's event loops (``ServerConnection``).
/// A connection counts against the limits from its admission on the accept loop until it closes,
/// wherever it is served meanwhile.
final class ConnectionRegistry: Sendable {
    private let limit: Int
    private let limitPerUser: Int?
    private let limitOfOthers: Int?
    private let isVouchedFor: (@Sendable (VarlinkPeerCredentials) -> Bool)?
    private let kept: Int
    private let mayTakeKept: (@Sendable (VarlinkPeerCredentials) -> Bool)?
    private let state = Mutex(State())

    private struct State {
        var nextID: UInt64 = 1
        var connections: [UInt64: ServerConnection] = [:]
        /// Admitted on the accept loop and not yet handed to an event loop.
        var onAcceptLoop: Set<UInt64> = []
        var connectionsPerUser: [UInt32: Int] = [:]
        /// Connections of peers not vouched for (see ``VarlinkServer/Configuration/isVouchedFor``).
        var ofOthers: Set<UInt64> = []
        var draining = false
    }

    init(
        limit: Int, limitPerUser: Int?, limitOfOthers: Int? = nil,
        isVouchedFor: (@Sendable (VarlinkPeerCredentials) -> Bool)? = nil, kept: Int = 0,
        mayTakeKept: (@Sendable (VarlinkPeerCredentials) -> Bool)? = nil
    ) {
        self.limit = limit
        self.limitPerUser = limitPerUser
        self.limitOfOthers = limitOfOthers
        self.isVouchedFor = isVouchedFor
        self.kept = mayTakeKept == nil ? 0 : kept
        self.mayTakeKept = mayTakeKept
    }

    /// The next connection id (ids are unique even for refused connections).
    func makeID() -> UInt64 {
        state.withLock { state in
            defer { state.nextID += 1 }
            return state.nextID
        }
    }

    /// Counts a connection the accept loop has just accepted, or says why it may not be served.
    func admit(id: UInt64, credentials: VarlinkPeerCredentials) -> AcceptedConnection.Refusal? {
        // Asked outside the lock: the answer must be quick, but it is the caller's code.
        let other = limitOfOthers != nil && isVouchedFor?(credentials) == false
        let keptFromPeer = kept > 0 && mayTakeKept?(credentials) != true ? kept : 0
        return state.withLock { state in
            if state.draining { return .shuttingDown }
            let open = state.connections.count + state.onAcceptLoop.count
            if open >= limit { return .limit }
            if open >= limit - keptFromPeer { return .keptPlaces(credentials) }
            let ofUser = state.connectionsPerUser[credentials.uid, default: 0]
            if let limitPerUser, ofUser >= limitPerUser { return .userLimit(credentials) }
            if other, let limitOfOthers {
                guard state.ofOthers.count < limitOfOthers else { return .othersLimit(credentials) }
                state.ofOthers.insert(id)
            }
            state.onAcceptLoop.insert(id)
            state.connectionsPerUser[credentials.uid] = ofUser + 1
            return nil
        }
    }

    /// The accept loop handed the connection to an event loop, where `connection` serves it.
    /// False when the server is draining: the connection is to close once it has written what it carries.
    func handedOver(_ connection: ServerConnection) -> Bool {
        state.withLock { state in
            state.onAcceptLoop.remove(connection.id)
            state.connections[connection.id] = connection
            return !state.draining
        }
    }

    /// The connection closed (wherever it was served); it no longer counts.
    func remove(id: UInt64, uid: UInt32) {
        state.withLock { state in
            guard state.connections.removeValue(forKey: id) != nil || state.onAcceptLoop.remove(id) != nil else { return }
            state.ofOthers.remove(id)
            let remaining = state.connectionsPerUser[uid, default: 1] - 1
            state.connectionsPerUser[uid] = remaining > 0 ? remaining : nil
        }
    }

    var count: Int { state.withLock { $0.connections.count + $0.onAcceptLoop.count } }

    var countOnAcceptLoop: Int { state.withLock { $0.onAcceptLoop.count } }

    /// Starts graceful shutdown of every connection; no more are admitted.
    func drainAll() {
        let connections = state.withLock { state in
            state.draining = true
            return Array(state.connections.values)
        }
        for connection in connections { connection.drain() }
    }

    /// Ends graceful shutdown: closes every connection still open. Returns how many there were.
    func closeAll() -> Int {
        let connections = state.withLock { Array($0.connections.values) }
        for connection in connections { connection.close(because: .shutdownDeadline) }
        return connections.count
    }
}
