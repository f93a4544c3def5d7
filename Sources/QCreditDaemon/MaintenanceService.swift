import Logging
import QCreditDomain
import QCreditRegistry
import QCreditService
import ServiceLifecycle
import VarlinkNIO

/// Runs the registry's time-driven work at start and then every `interval`, until graceful
/// shutdown: expiry and escalation, and the daily regrade at its scheduled time (at start too,
/// when a scheduled run was missed), then the withdrawal of public exports that hold a record
/// no longer disclosed (a disclosure period that ran out today). A failed run is logged and
/// retried at the next tick. Between ticks, writes wake it to regrade what they made due.
struct MaintenanceService: Service {
    let registry: Registry
    let exports: ExportService
    let interval: Duration
    let regrade: RegradeSchedule
    /// Quiet time after writes before what they made due is regraded; nil: at the next tick.
    let regradeAfterWrites: Duration?
    let health: BackgroundHealth
    let logger: Logger

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                // Graceful shutdown cancels a run in progress (a regrade stops between batches):
                // the last checkpoint is signed after maintenance has stopped.
                try await cancelWhenGracefulShutdown {
                    health.checkClock(of: registry, logger: logger)
                    let summary = try await health.tracking(.maintenance) { try await registry.runMaintenance() }
                    if !summary.expired.isEmpty || !summary.escalated.isEmpty {
                        logger.info(
                            "maintenance", metadata: ["expired": "\(summary.expired)", "escalated": "\(summary.escalated)"])
                    }
                    if let regraded = try await regrading({ try await registry.runScheduledRegrade(regrade) }),
                        regraded.recomputed > 0
                    {
                        logger.info(
                            "regrade",
                            metadata: [
                                "recomputed": "\(regraded.recomputed)", "published": "\(regraded.published)",
                                "failed": "\(regraded.failed)",
                            ])
                    }
                    // Logged by the export service.
                    _ = try await health.tracking(.maintenance) { try await exports.withdrawUndisclosed() }
                }
            } catch is CancellationError {
                // Shutdown interrupted a run; its transaction rolled back and the next start redoes it.
                logger.info("maintenance interrupted by shutdown; it runs again at the next start")
                return
            } catch {
                logger.error("maintenance failed", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await waitForTheNextTick() }
        }
    }

    /// Waits until the next tick; meanwhile, once writes have been quiet for a second, regrades
    /// what they made due today (a file that got an event): `GetGrade` follows an event within seconds,
    /// not at the next tick. The regrade keeps to its schedule (nothing before the day's run).
    private func waitForTheNextTick() async throws {
        let tick = Tick(after: nextWait(), wallClockDue: nextWallClockDue(), clock: registry.clock)
        guard let quietTime = regradeAfterWrites else { return try await tick.sleep() }
        let commits = registry.commits
        // A regrade that stopped for a peer's write still has files due: it waits for quiet
        // again, not for another commit (the import may have been the last).
        var unfinished = false
        // A peer's commit that landed while a regrade ran may have made a file due after the run
        // read what was due: it is not waited for again (the generation read next is past it),
        // so the loop goes straight back to waiting for quiet.
        var peerWroteDuringRun = false
        while true {
            if !unfinished && !peerWroteDuringRun {
                let seen = commits.generation
                let committed = try await Self.first(
                    { try await commits.wait(after: seen); return true },
                    or: { try await tick.sleep(); return false })
                guard committed else { return }
            }
            // Run once writes have been quiet for a second: an import's batches (a commit every
            // fraction of a second) are mostly not slowed by a regrade beside them, and their
            // files are regraded together once it ends. But writes that never pause (a steady
            // stream of calls, a long import) wait at most ten quiet times: past that the regrade
            // runs a batch beside them, or GetGrade would answer a grade the files' events
            // changed until the tick (minutes). Not fewer: each such run takes the writer from an
            // import for a batch (a million files into a million lost a tenth of its rate with five).
            let latest = ContinuousClock.now + quietTime * 10
            var quietSince = commits.generation
            repeat {
                quietSince = commits.generation
                try await EventLoopSleep.sleep(for: quietTime)
            } while commits.generation != quietSince && !tick.isDue && ContinuousClock.now < latest
            guard !tick.isDue else { return }
            do {
                // It gives the writer back to a peer who starts writing meanwhile (the next
                // import): the tick's run, which does not yield, bounds how long files wait.
                let peerWrites = registry.peerWriteCount
                let regraded = try await regrading {
                    try await registry.runScheduledRegrade(regrade, yieldingToPeerWritesAfter: peerWrites)
                }
                unfinished = regraded?.yielded ?? false
                peerWroteDuringRun = registry.peerWriteCount != peerWrites
                if let regraded, regraded.recomputed > 0 {
                    logger.info(
                        "regrade after writes",
                        metadata: [
                            "recomputed": "\(regraded.recomputed)", "published": "\(regraded.published)",
                            "yielded": "\(regraded.yielded)",
                        ])
                }
            } catch let cancellation as CancellationError {
                throw cancellation
            } catch {
                logger.error("regrade after writes failed", metadata: ["error": "\(error)"])
            }
            if tick.isDue { return }
        }
    }

    /// A regrade run, its failure or its files that failed reported to `health`.
    private func regrading(_ run: () async throws -> RegradeSummary?) async throws -> RegradeSummary? {
        let summary = try await health.tracking(.regrade, partly: { $0.flatMap(FilesNotRegraded.init) }, run)
        // A regrade of the files an import made due decides and writes batch after batch, as
        // PublishGrades does: what it freed is handed back to the system after it.
        if let summary { FreeMemoryRelease.shared.afterCall(carrying: summary.recomputed) }
        return summary
    }

    /// The result of whichever of `one` and `other` finishes first; the other is cancelled.
    private static func first(
        _ one: @escaping @Sendable () async throws -> Bool, or other: @escaping @Sendable () async throws -> Bool
    ) async throws -> Bool {
        try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask(operation: one)
            group.addTask(operation: other)
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }

    /// Until the next tick, the next scheduled regrade or the registry's next midnight, whichever
    /// comes first: a listing's planned end is the first day it is no longer in force, so expiry
    /// (and the withdrawal of an export whose disclosure ended that day) runs as the day begins,
    /// not up to a tick later, whatever `regradeTime` is.
    private func nextWait() -> Duration {
        let now = registry.clock.now()
        return min(interval, .seconds(max(1, nextWallClockDue().secondsSinceEpoch - now.secondsSinceEpoch)))
    }

    /// The next scheduled regrade or the registry's next midnight, whichever comes first, by
    /// the wall clock.
    private func nextWallClockDue() -> Instant {
        let now = registry.clock.now()
        let tomorrow = now.civilDate(in: regrade.utcOffset).adding(days: 1)
        return min(regrade.nextSlot(after: now), Instant.startOfDay(tomorrow, in: regrade.utcOffset))
    }

    /// When maintenance runs next: at a moment of the monotonic clock, or sooner, once the wall
    /// clock reaches the next midnight or regrade slot. The wall clock can step there (an NTP
    /// correction, a rehearsal under libfaketime) while a monotonic sleep of up to a tick runs
    /// on: the expiry a midnight owes was made up to a tick late (audit). So a sleep wakes each
    /// second to read the wall clock, a cost of nothing next to a tick's work.
    struct Tick {
        let due: ContinuousClock.Instant
        let wallClockDue: Instant
        let clock: any RegistryClock

        init(after wait: Duration, wallClockDue: Instant, clock: any RegistryClock) {
            (due, self.wallClockDue, self.clock) = (ContinuousClock.now + wait, wallClockDue, clock)
        }

        var isDue: Bool { ContinuousClock.now >= due || clock.now() >= wallClockDue }

        func sleep() async throws {
            while !isDue {
                try await EventLoopSleep.sleep(for: min(.seconds(1), due - ContinuousClock.now))
            }
        }
    }
}

/// Files a regrade run could not regrade: each is logged with its reason and stays due.
struct FilesNotRegraded: Error, CustomStringConvertible {
    let count: Int

    init?(_ summary: RegradeSummary) {
        guard summary.failed > 0 else { return nil }
        count = summary.failed
    }

    var description: String { "\(count) file\(count == 1 ? "" : "s") could not be regraded (the log names each and why)" }
}
