import QCreditDomain

/// What operator methods need to know about the running daemon, handed to the service at start.
public struct OperationsContext: Sendable {
    public let version: String
    public let startedAt: Instant
    /// When the daemon started on the monotonic clock: uptime does not move with the wall clock
    /// (set back, it went negative).
    public let startedOnMonotonicClock = ContinuousClock.now
    public let developmentMode: Bool
    public let stateDirectory: String
    public let backup: BackupService
    public let exports: ExportService
    /// Background work failing now, reported by the daemon's services.
    public let health: BackgroundHealth

    public init(
        version: String, startedAt: Instant, developmentMode: Bool, stateDirectory: String, backup: BackupService,
        exports: ExportService, health: BackgroundHealth
    ) {
        self.version = version
        self.startedAt = startedAt
        self.developmentMode = developmentMode
        self.stateDirectory = stateDirectory
        self.backup = backup
        self.exports = exports
        self.health = health
    }
}
