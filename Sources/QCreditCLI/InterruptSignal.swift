import Dispatch
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// SIGINT, SIGTERM and SIGHUP (a closed terminal, a dropped SSH session) turned into a request
/// to stop, for a command that should finish what it sent and report before it goes (an
/// import). The first signal is noted; a second one ends the process at once, as the signal
/// would have. ``end()`` gives the signals their defaults back.
///
/// ```swift
/// let interrupt = InterruptSignal()
/// while !interrupt.received { … }
/// if let signal = interrupt.signal { report(); interrupt.dieOfSignal(signal) }
/// ```
final class InterruptSignal {
    /// The signal's number once one came, else 0.
    private final class Caught: Sendable {
        let number = Atomic<Int32>(0)
    }

    /// The signals it turns into a request to stop.
    private static let handled = [SIGINT, SIGTERM, SIGHUP]

    private let caught = Caught()
    private let sources: [any DispatchSourceSignal]

    init() {
        let caught = self.caught
        sources = Self.handled.compactMap { number in
            // Delivered to the dispatch source instead of ending the process. A signal the
            // process was started ignoring (a background job of a script, nohup) stays ignored.
            let previous = Glibc.signal(number, SIG_IGN)
            if Self.isIgnore(previous) { return nil }
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                caught.number.store(number, ordering: .relaxed)
                // Another one ends the process at once.
                for other in Self.handled { Glibc.signal(other, SIG_DFL) }
            }
            source.resume()
            return source
        }
    }

    private static func isIgnore(_ handler: __sighandler_t?) -> Bool {
        unsafeBitCast(handler, to: Int.self) == unsafeBitCast(SIG_IGN, to: Int.self)
    }

    /// The signal's name, as reports give it.
    static func name(_ number: Int32) -> String {
        switch number {
        case SIGINT: "SIGINT"
        case SIGTERM: "SIGTERM"
        case SIGHUP: "SIGHUP"
        default: "signal \(number)"
        }
    }

    /// The signal received, if one was.
    var signal: Int32? {
        let number = caught.number.load(ordering: .relaxed)
        return number == 0 ? nil : number
    }

    var received: Bool { signal != nil }

    /// The signals' default actions back, and no more noting.
    func end() {
        for source in sources {
            source.cancel()
            Glibc.signal(Int32(source.handle), SIG_DFL)
        }
    }

    /// Ends the process by `number`, so a shell or a supervisor sees how it ended (130 for SIGINT).
    func dieOfSignal(_ number: Int32) -> Never {
        end()
        InterruptSignal.die(of: number)
    }

    /// Ends the process by signal `number` with its default action, whatever was done with it
    /// before, so a shell or a supervisor sees how it ended (128 + `number`).
    static func die(of number: Int32) -> Never {
        Glibc.signal(number, SIG_DFL)
        fflush(nil)  // every stream: what was printed goes out before the process ends
        // Dispatch's signal sources leave the signal blocked in the thread's mask: raised while
        // blocked, it stayed pending and the exit below ended the process with a plain status.
        var unblocked = sigset_t()
        sigemptyset(&unblocked)
        sigaddset(&unblocked, number)
        pthread_sigmask(SIG_UNBLOCK, &unblocked, nil)
        raise(number)
        exit(128 + number)
    }
}
