import ServiceLifecycle
import VarlinkNIO

/// Once a second, logs how many refusals each burst that has ended left out of the log: the
/// refusals themselves are logged at most about once a second per kind, and the count of those
/// left out otherwise waited for the next refusal of the kind, which may never come.
struct RefusalLogService: Service {
    let flush: [@Sendable () -> Void]

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await cancelWhenGracefulShutdown { try await EventLoopSleep.sleep(for: .seconds(1)) }
            } catch {
                break
            }
            for step in flush { step() }
        }
    }
}
