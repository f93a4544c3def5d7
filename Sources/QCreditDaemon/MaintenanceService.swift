import Logging
import QCreditRegistry
import ServiceLifecycle

/// Runs the registry's time-driven work (expiry, escalation) at start and then every
/// `interval`, until graceful shutdown. A failed run is logged and retried at the next tick.
struct MaintenanceService: Service {
    let registry: Registry
    let interval: Duration
    let logger: Logger

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let summary = try await registry.runMaintenance()
                if !summary.expired.isEmpty || !summary.escalated.isEmpty {
                    logger.info(
                        "maintenance", metadata: ["expired": "\(summary.expired)", "escalated": "\(summary.escalated)"])
                }
            } catch {
                logger.error("maintenance failed", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}
