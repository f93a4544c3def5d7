import QCreditDomain
import Synchronization

/// Watch-list changes of one peer, made one after another: a change waits for the peer's
/// change before it (first come, first served), and the peers' changes go on side by side.
///
/// A watch-list change is a durable write made by a role that only reads. One bank sending
/// them on 48 connections at once kept the single writer busy enough that a regulator's
/// registration waited ten seconds (an audit's figures); taken one at a time per peer, a
/// regulator's write waits behind at most one change of each bank. A client that sends its
/// changes one after another, as `qcredit watchlist` does, never waits. A waiting change holds
/// its codes (a 40,000-code call about 7 MB once parsed): at most ``maximumWaiting`` wait per
/// peer, and one more is refused (`WatchListChangesQueued`) rather than held.
///
/// ```swift
/// let gate = WatchListEditGate()
/// let size = try await gate.oneAtATime(for: 1001) { try await registry.write(…) }
/// ```
public final class WatchListEditGate: Sendable {
    public static let defaultMaximumWaiting = 8

    /// For each peer with a change under way, the changes waiting behind it, in order.
    private let waiting = Mutex<[UInt32: [CheckedContinuation<Bool, Never>]]>([:])
    private let maximumWaiting: Int

    public init(maximumWaiting: Int = defaultMaximumWaiting) {
        self.maximumWaiting = maximumWaiting
    }

    /// Runs `body` once every change of `owner` that came before it has finished; refuses it
    /// when ``maximumWaiting`` of them wait already.
    public func oneAtATime<T: Sendable>(for owner: UInt32, _ body: () async throws -> T) async throws -> T {
        guard await enter(owner) else {
            throw RegistryError.watchListChangesQueued(waiting: maximumWaiting, limit: maximumWaiting)
        }
        defer { leave(owner) }
        return try await body()
    }

    /// Waits for `owner`'s turn: true once it is here, false at once when the queue is full.
    private func enter(_ owner: UInt32) async -> Bool {
        await withCheckedContinuation { (turn: CheckedContinuation<Bool, Never>) in
            enum Outcome { case now, refused, queued }
            let outcome = waiting.withLock { waiting -> Outcome in
                guard let queue = waiting[owner] else {
                    waiting[owner] = []
                    return .now
                }
                guard queue.count < maximumWaiting else { return .refused }
                waiting[owner]!.append(turn)
                return .queued
            }
            switch outcome {
            case .now: turn.resume(returning: true)
            case .refused: turn.resume(returning: false)
            case .queued: break
            }
        }
    }

    private func leave(_ owner: UInt32) {
        let next = waiting.withLock { waiting -> CheckedContinuation<Bool, Never>? in
            guard var queue = waiting[owner], !queue.isEmpty else {
                waiting[owner] = nil
                return nil
            }
            let next = queue.removeFirst()
            waiting[owner] = queue
            return next
        }
        next?.resume(returning: true)
    }
}
