// The check Scripts/sanitize thread runs before the suite, built with -sanitize=thread.
//
//   tsan-mutex-check mutex   four threads update a dictionary only inside one contended
//                            Synchronization.Mutex: correct code, so any report is false
//   tsan-mutex-check race    two threads update a dictionary with no lock at all: a real race,
//                            which TSan must report (the preloaded wrappers hide nothing)
import Dispatch
import Synchronization

final class Locked: Sendable { let counts = Mutex<[Int: Int]>([:]) }
final class Unlocked: @unchecked Sendable { var counts: [Int: Int] = [:] }

let locked = Locked()
let unlocked = Unlocked()
let racing = CommandLine.arguments.dropFirst().first == "race"
DispatchQueue.concurrentPerform(iterations: racing ? 2 : 4) { thread in
    for i in 0..<20_000 {
        if racing {
            unlocked.counts[i % 64, default: 0] += thread
        } else {
            locked.counts.withLock { $0[i % 64, default: 0] += thread }
        }
    }
}
if !racing {
    let total = locked.counts.withLock { $0.values.reduce(0, +) }
    precondition(total == 20_000 * (0 + 1 + 2 + 3), "the Mutex lost an update: \(total)")
}
