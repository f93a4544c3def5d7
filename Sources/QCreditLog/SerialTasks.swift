/// Runs async work one piece at a time, in the order it arrives: checkpoint signatures, exports.
///
/// An actor alone would not do: it is re-entered while the work awaits (the database, a file),
/// so two pieces could interleave.
///
/// ```swift
/// let serial = SerialTasks()
/// let checkpoint = try await serial.run { try await signCheckpoint() }
/// ```
public actor SerialTasks {
    private var tail: Task<Void, Never>?

    public init() {}

    public func run<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let previous = tail
        let task = Task { () async throws -> T in
            await previous?.value
            return try await body()
        }
        tail = Task { _ = try? await task.value }
        return try await task.value
    }
}
