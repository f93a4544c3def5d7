import Foundation
import QCreditDomain
import Synchronization

/// Where the registry reads the time. Injected so tests can move time (expiry, repair
/// windows) without waiting years.
public protocol RegistryClock: Sendable {
    func now() -> Instant
}

/// The system's wall clock.
public struct SystemClock: RegistryClock {
    public init() {}
    public func now() -> Instant { Instant(secondsSinceEpoch: Int64(Date().timeIntervalSince1970)) }
}

/// A clock that stands still until told to move.
///
/// ```swift
/// let clock = ManualClock(CivilDate(iso: "2026-01-01")!)
/// clock.advance(days: 3 * 366)
/// ```
public final class ManualClock: RegistryClock {
    private let current: Mutex<Instant>

    public init(_ instant: Instant) { current = Mutex(instant) }

    /// Noon, Beijing time, on `date`.
    public convenience init(_ date: CivilDate) {
        self.init(Instant(secondsSinceEpoch: Instant.startOfDay(date, in: .beijing).secondsSinceEpoch + 12 * 3600))
    }

    public func now() -> Instant { current.withLock { $0 } }

    public func set(_ instant: Instant) { current.withLock { $0 = instant } }

    public func advance(seconds: Int64) {
        current.withLock { $0 = Instant(secondsSinceEpoch: $0.secondsSinceEpoch + seconds) }
    }

    public func advance(days: Int) { advance(seconds: Int64(days) * 86_400) }
}
