struct TimedOut: Error, CustomStringConvertible {
    var seconds: Double
    var description: String { "timed out after \(seconds) s" }
}

/// Runs `body`, failing with ``TimedOut`` after a generous `seconds`: long enough that a full
/// parallel test run on two cores, which can leave a task unscheduled for tens of seconds (two
/// ServerLimitTests timed out at 30 s together in one), does not trip it; a hang still fails.
func withTimeout<T: Sendable>(
    _ seconds: Double = 90,
    _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            throw TimedOut(seconds: seconds)
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}

/// Polls `condition` until it holds, failing with ``TimedOut`` after a generous `seconds`.
func waitUntil(_ seconds: Double = 90, _ condition: @escaping @Sendable () -> Bool) async throws {
    try await withTimeout(seconds) {
        while !condition() { try await Task.sleep(for: .milliseconds(10)) }
    }
}
