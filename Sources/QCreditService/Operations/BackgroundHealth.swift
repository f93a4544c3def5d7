import QCreditDomain
import Synchronization

/// The daemon's background work that is failing now, for `GetStatus`: an operator who asks
/// `qcredit status` learns that checkpoints are not being signed (or maintenance, the regrade,
/// the grade index keep failing) without reading the journal. A work's problem lasts from its
/// first failure until its next success.
///
/// ```swift
/// let health = BackgroundHealth(now: { registry.clock.now() })
/// health.failed(.checkpoint, error)   // GetStatus lists it
/// health.succeeded(.checkpoint)       // and no longer
/// ```
public final class BackgroundHealth: Sendable {
    /// Each kind of background work; the raw value is the `work` GetStatus names. `writes` is
    /// the callers' writes that the disk refuses (`StorageFailed`), until one is stored again;
    /// `clock`, a wall clock behind the newest write recorded (set back), until it passes it;
    /// `export`, the exports (the nightly timer's or an operator's) until one is written.
    public enum Work: String, Sendable, CaseIterable {
        case checkpoint, maintenance, regrade, gradeIndex, writes, clock, export
    }

    public struct Problem: Sendable, Equatable {
        public let work: Work
        /// The first failure since the work last succeeded.
        public let since: Instant
        public let lastFailure: Instant
        public let failures: Int
        /// The newest failure's reason.
        public let reason: String
    }

    private let problems = Mutex<[Work: Problem]>([:])
    private let now: @Sendable () -> Instant

    /// `now` is the registry's clock, so that the times agree with the rest of `GetStatus`.
    public init(now: @escaping @Sendable () -> Instant) {
        self.now = now
    }

    public func failed(_ work: Work, _ error: any Error) {
        let now = now()
        problems.withLock { problems in
            let earlier = problems[work]
            problems[work] = Problem(
                work: work, since: earlier?.since ?? now, lastFailure: now, failures: (earlier?.failures ?? 0) + 1,
                reason: "\(error)")
        }
    }

    public func succeeded(_ work: Work) {
        _ = problems.withLock { $0.removeValue(forKey: work) }
    }

    /// Runs `body` as one run of `work`: its success ends the work's problem, its failure starts
    /// or extends it (and is rethrown). Cancellation is neither. `partly` names a failure within a
    /// run that completed (files a regrade could not regrade).
    public func tracking<Result: Sendable>(
        _ work: Work, partly: (Result) -> (any Error)? = { _ in nil }, _ body: () async throws -> Result
    ) async throws -> Result {
        do {
            let result = try await body()
            if let failure = partly(result) { failed(work, failure) } else { succeeded(work) }
            return result
        } catch let cancellation as CancellationError {
            throw cancellation
        } catch {
            failed(work, error)
            throw error
        }
    }

    /// The problems now, in a fixed order of work.
    public var current: [Problem] {
        let problems = problems.withLock { $0 }
        return Work.allCases.compactMap { problems[$0] }
    }
}
