import NIOCore
import NIOPosix

/// The daemon's periodic services wait on an NIO event loop's timer, not `Task.sleep`.
///
/// `Task.sleep` waits on libdispatch's timers, which misbehave when the wall clock jumps: under
/// libfaketime with a moving offset (how a test makes "tomorrow" come), a dispatch thread was
/// seen spinning at 100 % CPU and the maintenance and checkpoint loops stopped ticking. NIO
/// measures its timers on the monotonic clock and arms them afresh on every turn of its loop.
enum EventLoopSleep {
    /// Returns after `duration`, or throws once the task is cancelled.
    static func sleep(for duration: Duration) async throws {
        let (seconds, attoseconds) = duration.components
        let nanoseconds = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        let amount: TimeAmount =
            nanoseconds.overflow ? .hours(24 * 365 * 100) : .nanoseconds(nanoseconds.partialValue + attoseconds / 1_000_000_000)
        let scheduled = MultiThreadedEventLoopGroup.singleton.any().scheduleTask(in: amount) {}
        try await withTaskCancellationHandler {
            try await scheduled.futureResult.get()
        } onCancel: {
            scheduled.cancel()
        }
    }
}
