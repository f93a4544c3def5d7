import Synchronization

/// Watch-list changes of one peer, made one after another: a change waits for the peer's
/// change before it (first come, first served), and the peers' changes go on side by side.
///
/// A watch-list change is a durable write made by a role that only reads. One bank sending
/// them on 48 connections at once kept the single writer busy enough that a regulator's
/// registration waited ten seconds (an audit's figures); taken one at a time per peer, a
/// regulator's write waits behind at most one change of each bank. Nothing is refused: a
/// client that sends its changes one after another, as `qcredit watchlist` does, never waits.
///
/// ```swift
/// let gate = WatchListEditGate()
/// let size = try await gate.oneAtATime(for: 1001) { try await registry.write(…) }
/// ```
public final class WatchListEditGate: Sendable {
    /// For each peer with a change under way, the changes waiting behind it, in order.
    private let waiting = Mutex<[UInt32: [CheckedContinuation<Void, Never>]]>([:])

    public init() {}

    /// Runs `body` once every change of `owner` that came before it has finished.
    public func oneAtATime<T: Sendable>(for owner: UInt32, _ body: () async throws -> T) async throws -> T {
        await enter(owner)
        defer { leave(owner) }
        return try await body()
    }

    private func enter(_ owner: UInt32) async {
        await withCheckedContinuation { (turn: CheckedContinuation<Void, Never>) in
            let now = waiting.withLock { waiting -> Bool in
                guard waiting[owner] != nil else {
                    waiting[owner] = []
                    return true
                }
                waiting[owner]!.append(turn)
                return false
            }
            if now { turn.resume() }
        }
    }

    private func leave(_ owner: UInt32) {
        let next = waiting.withLock { waiting -> CheckedContinuation<Void, Never>? in
            guard var queue = waiting[owner], !queue.isEmpty else {
                waiting[owner] = nil
                return nil
            }
            let next = queue.removeFirst()
            waiting[owner] = queue
            return next
        }
        next?.resume()
    }
}
