import Logging
import QCreditCrypto
import QCreditLog
import QCreditService
import QCreditStore
import ServiceLifecycle
import VarlinkNIO

/// Signs a checkpoint whenever the log has grown, at most every `interval`, and once more on
/// graceful shutdown, so a stopped daemon leaves every record it acknowledged checkpointed.
struct CheckpointService: Service {
    let log: TransparencyLogService
    let interval: Duration
    let health: BackgroundHealth
    let logger: Logger

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            await sign()
            try? await cancelWhenGracefulShutdown { try await EventLoopSleep.sleep(for: interval) }
        }
        // The operator's record that a stopped daemon left its whole log checkpointed.
        if let final = await sign() {
            logger.notice("final checkpoint", metadata: ["size": "\(final.size)", "root": "\(Base64.encode(final.rootHash))"])
        }
    }

    @discardableResult
    private func sign() async -> StoredCheckpoint? {
        do {
            return try await health.tracking(.checkpoint) { try await log.signIfGrown() }
        } catch {
            logger.error("cannot sign a checkpoint", metadata: ["error": "\(error)"])
            return nil
        }
    }
}
