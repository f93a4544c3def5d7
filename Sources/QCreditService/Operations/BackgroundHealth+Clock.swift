import Logging
import QCreditRegistry

extension BackgroundHealth {
    /// Records whether `registry`'s wall clock is behind the newest write it recorded (set back):
    /// a `clock` problem until the clock passes that write again, with a warning logged when it
    /// starts. Each maintenance tick checks, and so does `GetStatus`, so an operator's status is
    /// never a tick (minutes) behind the clock.
    public func checkClock(of registry: Registry, logger: Logger) {
        guard let behind = registry.clockBehindRecords() else { return succeeded(.clock) }
        if !current.contains(where: { $0.work == .clock }) {
            logger.warning("the clock is behind the newest write", metadata: ["problem": "\(behind)"])
        }
        failed(.clock, behind)
    }
}
