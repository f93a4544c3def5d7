import NIOCore
import NIOPosix

/// Waits on an NIO event loop's timer, not `Task.sleep`: the daemon's periodic services and
/// the client's retries use it.
///
/// `Task.sleep` waits on libdispatch's timers, which misbehave when the wall clock jumps: under
/// libfaketime with a moving offset (how a test makes "tomorrow" come), a dispatch thread was
/// seen spinning at 100 % CPU and the maintenance and checkpoint loops stopped ticking. NIO
/// measures its timers on the monotonic clock and arms them afresh on every turn of its loop.
public enum EventLoopSleep {
    /// Returns after `duration`, or throws once the task is cancelled.
    public static func sleep(for duration: Duration) async throws {
        let scheduled = MultiThreadedEventLoopGroup.singleton.any().scheduleTask(in: TimeAmount(duration)) {}
        try await withTaskCancellationHandler {
            try await scheduled.futureResult.get()
        } onCancel: {
            scheduled.cancel()
        }
    }
}
