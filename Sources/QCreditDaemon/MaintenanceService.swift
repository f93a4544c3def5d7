import Logging
import QCreditDomain
import QCreditRegistry
import QCreditService
import ServiceLifecycle

/// Runs the registry's time-driven work at start and then every `interval`, until graceful
/// shutdown: expiry and escalation, and the daily regrade at its scheduled time (at start too,
/// when a scheduled run was missed), then the withdrawal of public exports that hold a record
/// no longer disclosed (a disclosure period that ran out today). A failed run is logged and
/// retried at the next tick.
struct MaintenanceService: Service {
    let registry: Registry
    let exports: ExportService
    let interval: Duration
    let regrade: RegradeSchedule
    let logger: Logger

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let summary = try await registry.runMaintenance()
                if !summary.expired.isEmpty || !summary.escalated.isEmpty {
                    logger.info(
                        "maintenance", metadata: ["expired": "\(summary.expired)", "escalated": "\(summary.escalated)"])
                }
                if let regraded = try await registry.runScheduledRegrade(regrade), regraded.recomputed > 0 {
                    logger.info(
                        "regrade",
                        metadata: [
                            "recomputed": "\(regraded.recomputed)", "published": "\(regraded.published)",
                            "failed": "\(regraded.failed)",
                        ])
                }
                let withdrawn = try await exports.withdrawUndisclosed()
                if !withdrawn.isEmpty {
                    logger.notice("exports withdrawn: they publish records no longer disclosed", metadata: ["exports": "\(withdrawn)"])
                }
            } catch {
                logger.error("maintenance failed", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await EventLoopSleep.sleep(for: nextWait()) }
        }
    }

    /// Until the next tick, or the next scheduled regrade if that comes first.
    private func nextWait() -> Duration {
        let now = registry.clock.now()
        let untilSlot = regrade.nextSlot(after: now).secondsSinceEpoch - now.secondsSinceEpoch
        return min(interval, .seconds(max(1, untilSlot)))
    }
}
