import QCreditDomain

/// When the daily regrade runs: at `minuteOfDay` in the registry's time zone, and at once on
/// start when the last run is older than the most recent such moment (the daemon was down).
///
/// Before today's moment the grades of yesterday's run stand; from it on, every maintenance tick
/// also recomputes what became due since (an event recorded today), so the day's grades keep up.
///
/// ```swift
/// let schedule = RegradeSchedule(minuteOfDay: 2 * 60, utcOffset: .beijing)   // 02:00
/// schedule.shouldRun(lastRun: lastRegrade, now: clock.now())
/// ```
public struct RegradeSchedule: Sendable, Equatable {
    /// Minutes after local midnight, 0..<1440.
    public var minuteOfDay: Int
    public var utcOffset: UTCOffset

    public init(minuteOfDay: Int, utcOffset: UTCOffset) {
        self.minuteOfDay = minuteOfDay
        self.utcOffset = utcOffset
    }

    /// The moment of the most recent scheduled run at or before `now`.
    public func latestSlot(atOrBefore now: Instant) -> Instant {
        let today = now.civilDate(in: utcOffset)
        let todaySlot = slot(on: today)
        return todaySlot.secondsSinceEpoch <= now.secondsSinceEpoch ? todaySlot : slot(on: today.adding(days: -1))
    }

    /// The moment of the next scheduled run after `now`.
    public func nextSlot(after now: Instant) -> Instant {
        let latest = latestSlot(atOrBefore: now)
        return slot(on: latest.civilDate(in: utcOffset).adding(days: 1))
    }

    /// Whether a maintenance tick at `now` regrades, given the day of the last regrade: when a
    /// scheduled run is missing since the last one, or to keep up after today's run. A last run
    /// dated after today (the clock was set back across midnight) stops it until the clock is
    /// there again: grades published then would be dated before those of that run, which would
    /// hide them again once the clock passed it (GetStatus shows the clock's problem meanwhile).
    public func shouldRun(lastRun: CivilDate?, now: Instant) -> Bool {
        guard let lastRun else { return true }
        let slotDate = latestSlot(atOrBefore: now).civilDate(in: utcOffset)
        return lastRun < slotDate || lastRun == now.civilDate(in: utcOffset)
    }

    private func slot(on date: CivilDate) -> Instant {
        Instant(secondsSinceEpoch: Instant.startOfDay(date, in: utcOffset).secondsSinceEpoch + Int64(minuteOfDay) * 60)
    }
}
