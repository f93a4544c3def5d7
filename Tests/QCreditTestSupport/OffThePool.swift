import Foundation

/// Runs blocking work (a compiler run, say) on a thread of its own and awaits it.
///
/// Swift's cooperative pool has one thread per core, two on the CI machine: a test that blocks
/// one for seconds stalls every other test waiting asynchronously meanwhile (for a
/// notification, a timer), and their timeouts start to fire.
public func offThePool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try work() }) }.start()
    }
}
