import QCreditDomain

/// The wall clock behind the newest write the registry recorded: it was set back (an NTP step,
/// a VM restored from a snapshot). Until it passes that time again, answers take what was
/// recorded after it as not made yet (README, *Move it forward only*).
public struct ClockBehindRecords: Error, Sendable, Equatable, CustomStringConvertible {
    public let now: Instant
    public let newestWrite: Instant

    public var description: String {
        let behind = newestWrite.secondsSinceEpoch - now.secondsSinceEpoch
        let (days, hours, minutes) = (behind / 86_400, behind % 86_400 / 3600, behind % 3600 / 60)
        let span = days > 0 ? "\(days)d \(hours)h" : hours > 0 ? "\(hours)h \(minutes)m" : "\(minutes)m \(behind % 60)s"
        return "the wall clock (\(now.rfc3339)) is \(span) behind the newest write recorded (\(newestWrite.rfc3339)): "
            + "it was set back; set it right, and until it passes that time answers take what was recorded after it as "
            + "not made yet"
    }
}

extension Registry {
    /// Whether the clock is behind the newest write recorded by more than `tolerance` seconds
    /// (a few, for an NTP slew), and by how much.
    public func clockBehindRecords(tolerance: Int64 = 5) -> ClockBehindRecords? {
        let newest = newestWriteSeconds.load(ordering: .relaxed)
        let now = clock.now()
        guard newest != .min, now.secondsSinceEpoch + tolerance < newest else { return nil }
        return ClockBehindRecords(now: now, newestWrite: Instant(secondsSinceEpoch: newest))
    }

    /// Takes `seconds` as a write's time if it is the newest yet.
    func noteWrite(at seconds: Int64) {
        var seen = newestWriteSeconds.load(ordering: .relaxed)
        while seconds > seen {
            let (exchanged, original) = newestWriteSeconds.compareExchange(
                expected: seen, desired: seconds, ordering: .relaxed)
            if exchanged { return }
            seen = original
        }
    }
}
