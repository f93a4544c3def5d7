import QCreditDomain
import Synchronization

/// The codes each peer's open change feeds given `codes` (not a watch list) follow together.
///
/// Such a feed holds its codes for as long as it is open, about 145 bytes a code with the call
/// that carried them; feeds stay open and are never idle, so nothing else bounds them. An
/// audit's four banks held 256 feeds of 40,000 codes each and the daemon grew by 1.4 GB. A
/// peer's feeds now follow at most ``limit`` codes given this way together (about 15 MB); a
/// larger book is a watch list, which a feed reads from the database and holds nothing of.
///
/// ```swift
/// let allowance = CodeFeedAllowance()
/// try await allowance.following(40_000, by: 1001) { try await stream() }   // given back after
/// ```
public final class CodeFeedAllowance: Sendable {
    public static let defaultLimit = 100_000

    public let limit: Int
    private let followed = Mutex<[UInt32: Int]>([:])

    public init(limit: Int = defaultLimit) {
        self.limit = limit
    }

    /// Runs `body` with `count` more codes counted for `peer`, refused (`InvalidArgument` on
    /// `codes`) when they would take its feeds past ``limit``; they are given back when it ends.
    public func following<T: Sendable>(_ count: Int, by peer: UInt32, _ body: () async throws -> T) async throws -> T {
        let (taken, before) = followed.withLock { followed -> (Bool, Int) in
            let before = followed[peer, default: 0]
            guard before + count <= limit else { return (false, before) }
            followed[peer] = before + count
            return (true, before)
        }
        guard taken else {
            throw RegistryError.invalidArgument(
                parameter: "codes",
                reason: "\(count) \(count == 1 ? "code" : "codes"), and your open feeds given codes follow \(before): at most \(limit) together; "
                    + "follow a larger book as a watch list (SetWatchList, then WatchChanges with watchList)")
        }
        defer {
            followed.withLock { followed in
                let left = followed[peer, default: count] - count
                followed[peer] = left > 0 ? left : nil
            }
        }
        return try await body()
    }
}
