import Synchronization

/// Decides which of a flood of similar events to log: the first of each kind, then at most one
/// per `interval`, carrying how many of its kind went unlogged since the last one logged; and,
/// once a burst has ended, how many it left out (``leftOut(at:)``).
///
/// A hostile peer can provoke refusals as fast as it can connect; the log must not grow (nor
/// the daemon slow down writing it) at that rate.
///
/// ```swift
/// let throttle = LogThrottle<String>()
/// if let suppressed = throttle.admit("connection limit") {
///     logger.warning("connection limit reached", metadata: ["suppressed": "\(suppressed)"])
/// }
/// ```
public final class LogThrottle<Kind: Hashable & Sendable>: Sendable {
    private let interval: Duration
    private let entries = Mutex<[Kind: Entry]>([:])

    private struct Entry {
        var lastLogged: ContinuousClock.Instant
        var suppressed: Int
    }

    public init(interval: Duration = .seconds(1)) {
        self.interval = interval
    }

    /// Nil when this event is not to be logged; otherwise how many events of its kind were not
    /// logged since the last one that was.
    public func admit(_ kind: Kind, at now: ContinuousClock.Instant = .now) -> Int? {
        entries.withLock { entries in
            if let entry = entries[kind], now - entry.lastLogged < interval {
                entries[kind]!.suppressed += 1
                return nil
            }
            let suppressed = entries[kind]?.suppressed ?? 0
            entries[kind] = Entry(lastLogged: now, suppressed: 0)
            return suppressed
        }
    }

    /// The kinds with events left out for at least `interval` since the last one logged, and how
    /// many: a burst that ends leaves no next event to carry its count, so whoever owns the
    /// throttle calls this about once an interval and logs them. Each counts as logged `now`.
    public func leftOut(at now: ContinuousClock.Instant = .now) -> [(kind: Kind, count: Int)] {
        entries.withLock { entries in
            var due: [(kind: Kind, count: Int)] = []
            for (kind, entry) in entries where entry.suppressed > 0 && now - entry.lastLogged >= interval {
                due.append((kind, entry.suppressed))
                entries[kind] = Entry(lastLogged: now, suppressed: 0)
            }
            return due
        }
    }
}
