import Dispatch

/// Runs blocking work (a backup, a file copy, an NSS look-up) on a dispatch queue and awaits it,
/// so it holds neither an event loop nor a cooperative thread while it blocks.
public func blocking<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global(qos: .utility).async {
            continuation.resume(with: Result { try work() })
        }
    }
}
