import Synchronization

/// The connections a server is serving, for the connection limit and for shutdown.
final class ConnectionRegistry: Sendable {
    private let limit: Int
    private let state = Mutex(State())

    private struct State {
        var nextID: UInt64 = 1
        var connections: [UInt64: ServerConnection] = [:]
        var draining = false
    }

    init(limit: Int) {
        self.limit = limit
    }

    /// The next connection id (ids are unique even for refused connections).
    func makeID() -> UInt64 {
        state.withLock { state in
            defer { state.nextID += 1 }
            return state.nextID
        }
    }

    /// Registers `connection`; false when the limit is reached or the server is draining.
    func admit(_ connection: ServerConnection) -> Bool {
        state.withLock { state in
            guard !state.draining, state.connections.count < limit else { return false }
            state.connections[connection.id] = connection
            return true
        }
    }

    func remove(_ connection: ServerConnection) {
        _ = state.withLock { $0.connections.removeValue(forKey: connection.id) }
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
}
