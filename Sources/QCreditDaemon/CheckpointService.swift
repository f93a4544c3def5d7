import Logging
import QCreditLog
import ServiceLifecycle
import VarlinkNIO

/// Signs a checkpoint whenever the log has grown, at most every `interval`, and once more on
/// graceful shutdown, so a stopped daemon leaves every record it acknowledged checkpointed.
struct CheckpointService: Service {
    let log: TransparencyLogService
    let interval: Duration
    let logger: Logger

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            await sign()
            try? await cancelWhenGracefulShutdown { try await EventLoopSleep.sleep(for: interval) }
        }
        await sign()
    }

    private func sign() async {
        do {
            try await log.signIfGrown()
        } catch {
            logger.error("cannot sign a checkpoint", metadata: ["error": "\(error)"])
        }
    }
}
