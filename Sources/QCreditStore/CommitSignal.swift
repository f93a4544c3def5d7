import Synchronization

/// Wakes whoever waits for the database to change: each committed write bumps a generation
/// and resumes the waiters, so a change feed learns of a new publication at once without
/// polling the database.
///
/// ```swift
/// let seen = database.commits.generation
/// // … read what is there …
/// try await database.commits.wait(after: seen)   // returns once a later write committed
/// ```
public final class CommitSignal: Sendable {
    private struct State {
        var generation: UInt64 = 0
        var waiters: [UInt64: CheckedContinuation<Void, any Error>] = [:]
        var nextWaiter: UInt64 = 0
    }

    private let state = Mutex(State())

    public init() {}

    /// How many writes have committed since the database was opened.
    public var generation: UInt64 { state.withLock { $0.generation } }

    /// Records a commit and wakes every waiter.
    public func signal() {
        let waiters = state.withLock { state in
            state.generation &+= 1
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once the generation is past `seen` (at once if it already is); throws
    /// `CancellationError` when the task is cancelled first.
    public func wait(after seen: UInt64) async throws {
        let id = state.withLock { state in
            defer { state.nextWaiter &+= 1 }
            return state.nextWaiter
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let resumeNow: Bool = state.withLock { state in
                    if state.generation != seen || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume(throwing: CancellationError())
        }
        try Task.checkCancellation()
    }
}
