import QCreditStore

/// How much the registry holds, for an operator's status.
public struct RegistryCounts: Sendable, Equatable {
    public var enterprises: Int
    public var qualityEvents: Int
    /// Listings on each list now, by list type.
    public var listed: [String: Int]
    /// Publication records in the log.
    public var logSize: Int64
}

extension Registry {
    /// The counts behind `GetStatus`, from one snapshot.
    public func counts() async throws -> RegistryCounts {
        try await database.read { reader in
            RegistryCounts(
                enterprises: try reader.enterpriseCount(), qualityEvents: try reader.qualityEventCount(),
                listed: try reader.listedCounts(), logSize: try reader.publicationCount())
        }
    }

    /// How many writes have committed so far: a change feed notes it before reading, then
    /// ``waitForCommit(after:)`` returns as soon as a later write commits, so none is missed.
    public var commitGeneration: UInt64 { database.commits.generation }

    /// Returns once a write commits after `generation` was read (at once if one already has);
    /// throws `CancellationError` if the task is cancelled first.
    public func waitForCommit(after generation: UInt64) async throws {
        try await database.commits.wait(after: generation)
    }
}
