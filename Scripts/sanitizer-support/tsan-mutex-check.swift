// The check Scripts/sanitize thread runs before the suite, built with -sanitize=thread.
//
//   tsan-mutex-check mutex   threads update a dictionary only inside one contended
//                            Synchronization.Mutex: correct code, so any report is false
//   tsan-mutex-check race    two threads update a counter with no lock at all: a real race,
//                            which TSan must report (the preloaded wrappers hide nothing)
import Dispatch
import Glibc
import Synchronization

final class Locked: Sendable { let counts = Mutex<[Int: Int]>([:]) }

/// Statics, not top-level variables: those belong to the main actor.
enum Shared {
    static let locked = Locked()
    nonisolated(unsafe) static var unlocked = 0
}

if CommandLine.arguments.dropFirst().first == "race" {
    // Two pthreads: creating and joining them is all the synchronisation there is.
    var threads: [pthread_t] = []
    for _ in 0..<2 {
        var thread = pthread_t()
        let body: @convention(c) (UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? = { _ in
            for _ in 0..<20_000 { Shared.unlocked += 1 }
            return nil
        }
        precondition(pthread_create(&thread, nil, body, nil) == 0)
        threads.append(thread)
    }
    for thread in threads { pthread_join(thread, nil) }
} else {
    // Dispatch's workers overlap enough for the lock to be contended (thousands of slow paths).
    DispatchQueue.concurrentPerform(iterations: 8) { _ in
        for i in 0..<20_000 { Shared.locked.counts.withLock { $0[i % 64, default: 0] += 1 } }
    }
    let total = Shared.locked.counts.withLock { $0.values.reduce(0, +) }
    precondition(total == 8 * 20_000, "the Mutex lost an update: \(total)")
}
