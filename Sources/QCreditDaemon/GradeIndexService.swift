import Logging
import QCreditService
import ServiceLifecycle
import VarlinkNIO

/// Builds the in-memory `GetGrade` index off the event loops and keeps it current. Until a
/// file is in it the normal path answers, so a failure here costs speed, never answers: it
/// is logged and the index is rebuilt a little later.
struct GradeIndexService: Service {
    let index: GradeAnswerIndex
    let health: BackgroundHealth
    let logger: Logger
    static let retryDelay = Duration.seconds(10)

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await cancelWhenGracefulShutdown { try await index.run { [health] in health.succeeded(.gradeIndex) } }
            } catch is CancellationError {
                return
            } catch {
                health.failed(.gradeIndex, error)
                logger.error("cannot keep the grade index current", metadata: ["error": "\(error)"])
                try? await cancelWhenGracefulShutdown { try await EventLoopSleep.sleep(for: Self.retryDelay) }
            }
        }
    }
}
