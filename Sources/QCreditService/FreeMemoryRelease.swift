import CMalloc
import Foundation
import Synchronization

/// Hands memory freed by large calls back to the system, once a moment after they end.
///
/// A `GetGrades` call of 10,000 codes or a watch-list change of 40,000 parses and builds
/// megabytes on whichever threads serve it; glibc keeps the freed pages in per-thread arenas,
/// so after a bank's burst of such calls the daemon stayed about 95 MB larger for good (an
/// audit's figure). `malloc_trim` returns them. It walks every arena, so it runs only after
/// large calls, a ``delay`` after the first of them ends (the calls ending meanwhile, and
/// their parameters, freed by then), and at most once per delay however many end.
public final class FreeMemoryRelease: Sendable {
    public static let shared = FreeMemoryRelease()
    /// Calls carrying fewer items than this free too little to be worth a trim.
    static let largeCall = 1000
    static let delay = Duration.seconds(1)

    private let scheduled = Atomic<Bool>(false)

    /// After a call that carried `items` codes: a trim a moment later, unless one is due already.
    public func afterCall(carrying items: Int) {
        guard items >= Self.largeCall,
            scheduled.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged
        else { return }
        // A thread of its own that sleeps (nanosleep), not `Task.sleep`: libdispatch's timers
        // misbehave when the wall clock jumps (libfaketime in tests; see the daemon's EventLoopSleep).
        Thread.detachNewThread { [self] in
            Thread.sleep(forTimeInterval: Self.delay / .seconds(1))
            scheduled.store(false, ordering: .releasing)
            qcredit_release_free_memory()
        }
    }
}
