import Synchronization

/// The connections a server is serving, for the connection limits and for shutdown.
final class ConnectionRegistry: Sendable {
    private let limit: Int
    private let limitPerUser: Int?
    private let state = Mutex(State())

    private struct State {
        var nextID: UInt64 = 1
        var connections: [UInt64: ServerConnection] = [:]
        var connectionsPerUser: [UInt32: Int] = [:]
        var draining = false
    }

    init(limit: Int, limitPerUser: Int?) {
        self.limit = limit
        self.limitPerUser = limitPerUser
    }

    /// The next connection id (ids are unique even for refused connections).
    func makeID() -> UInt64 {
        state.withLock { state in
            defer { state.nextID += 1 }
            return state.nextID
        }
    }

    /// Registers `connection`, or says why it may not be served.
    func admit(_ connection: ServerConnection) -> AcceptedConnection.Refusal? {
        let uid = connection.credentials.uid
        return state.withLock { state in
            if state.draining { return .shuttingDown }
            if state.connections.count >= limit { return .limit }
            let ofUser = state.connectionsPerUser[uid, default: 0]
            if let limitPerUser, ofUser >= limitPerUser { return .userLimit(connection.credentials) }
            state.connections[connection.id] = connection
            state.connectionsPerUser[uid] = ofUser + 1
            return nil
        }
    }

    func remove(_ connection: ServerConnection) {
        let uid = connection.credentials.uid
        state.withLock { state in
            guard state.connections.removeValue(forKey: connection.id) != nil else { return }
            let remaining = state.connectionsPerUser[uid, default: 1] - 1
            state.connectionsPerUser[uid] = remaining > 0 ? remaining : nil
        }
    }

    var count: Int { state.withLock { $0.connections.count } }

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
