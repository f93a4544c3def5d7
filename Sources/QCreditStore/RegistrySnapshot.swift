import GRDB

/// One unchanging state of the registry, held open across awaits (its own connection, in one
/// read transaction): what several steps must read as of the same moment, such as an export
/// and the checkpoint signed for exactly the log it holds.
public final class RegistrySnapshot: Sendable {
    private let snapshot: DatabaseSnapshot

    init(_ snapshot: DatabaseSnapshot) {
        self.snapshot = snapshot
    }

    /// Reads the snapshot's state; every call sees the same one.
    public func read<T: Sendable>(_ body: @escaping @Sendable (RegistryReader) throws -> T) async throws -> T {
        try await snapshot.read { db in try body(RegistryReader(db)) }
    }
}

extension RegistryDatabase {
    /// A snapshot of the committed state as it is now (blocking briefly: it opens a connection).
    public func snapshot() throws -> RegistrySnapshot {
        RegistrySnapshot(try pool.makeSnapshot())
    }
}
