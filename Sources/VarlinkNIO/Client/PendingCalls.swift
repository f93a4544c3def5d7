import CanonicalJSON
import NIOCore
import Synchronization
import Varlink

/// The calls of one client connection still waiting for replies, oldest first.
///
/// Varlink has no call ids: replies come in call order. Enqueueing and writing happen under
/// one lock, so the queue order is the order on the wire even with concurrent callers.
final class PendingCalls: Sendable {
    enum Waiter {
        case single(CheckedContinuation<VarlinkReply, any Error>)
        case stream(AsyncThrowingStream<VarlinkReply, any Error>.Continuation)
        /// Yields each reply's parameters; an error reply ends it with the ``VarlinkError``.
        case parameters(AsyncThrowingStream<[String: JSONValue], any Error>.Continuation)
    }

    private struct State {
        var waiters = CircularBuffer<Waiter>()
        var closed: (any Error)?
    }

    private let state = Mutex(State())

    /// Queues `waiter` (nil for a oneway call) and runs `write` in the same critical section.
    /// Returns the error that closed the connection instead, if it is closed.
    func enqueue(_ waiter: Waiter?, write: () -> Void) -> (any Error)? {
        state.withLock { state in
            if let closed = state.closed { return closed }
            if let waiter { state.waiters.append(waiter) }
            write()
            return nil
        }
    }

    /// Hands `reply` to the oldest waiter; false when nobody waits for a reply.
    func deliver(_ reply: VarlinkReply) -> Bool {
        let waiter: Waiter? = state.withLock { state in
            guard let first = state.waiters.first else { return nil }
            if !reply.continues || reply.error != nil { state.waiters.removeFirst() }
            return first
        }
        switch waiter {
        case nil:
            return false
        case .single(let continuation)?:
            // A single call got `continues`: the server streams although we did not ask.
            if reply.continues && reply.error == nil { return false }
            continuation.resume(returning: reply)
        case .stream(let continuation)?:
            continuation.yield(reply)
            if !reply.continues || reply.error != nil { continuation.finish() }
        case .parameters(let continuation)?:
            if let error = reply.varlinkError {
                continuation.finish(throwing: error)
            } else {
                continuation.yield(reply.parameters)
                if !reply.continues { continuation.finish() }
            }
        }
        return true
    }

    /// Fails every waiter and every later call with `error`.
    func close(with error: any Error) {
        let waiters: CircularBuffer<Waiter> = state.withLock { state in
            if state.closed == nil { state.closed = error }
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters {
            switch waiter {
            case .single(let continuation): continuation.resume(throwing: error)
            case .stream(let continuation): continuation.finish(throwing: error)
            case .parameters(let continuation): continuation.finish(throwing: error)
            }
        }
    }
}
