import QCreditDomain
import Synchronization

/// How often one peer may change its watch lists: one change at a time, and `burst` changes
/// in a row, then one a `refill`.
///
/// A watch-list change is a durable write made by a role that only reads. Unchecked, one bank
/// on 48 connections kept the single writer busy enough that a regulator's registration waited
/// ten seconds, and adding and removing one code over and over wrote an audit entry each time
/// (an audit's figures). One change at a time per peer leaves a regulator behind at most one
/// change of each bank; the rate bounds what a bank adds to the audit trail to one entry a
/// second once its burst is spent. Syncing a loan book of a million codes takes about 23 calls.
///
/// ```swift
/// let gate = WatchListEditGate()
/// let pass = try gate.enter(owner: 1001)   // throws RegistryError.tooManyRequests when refused
/// defer { gate.leave(pass) }
/// ```
public final class WatchListEditGate: Sendable {
    public static let defaultBurst = 120
    public static let defaultRefill = Duration.seconds(1)

    private let burst: Double
    private let refillSeconds: Double
    private let buckets = Mutex<[UInt32: Bucket]>([:])

    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
        var changing = false
    }

    /// A change let through, to be given back with ``leave(_:)``.
    public struct Pass: Sendable {
        let owner: UInt32
    }

    public init(burst: Int = defaultBurst, refill: Duration = defaultRefill) {
        self.burst = Double(burst)
        let parts = refill.components
        self.refillSeconds = max(Double(parts.seconds) + Double(parts.attoseconds) / 1e18, 1e-3)
    }

    /// Lets `owner`'s change through, or refuses it: another of its changes is under way, or
    /// its burst is spent (then `retryAfterSeconds` says when the next is allowed).
    public func enter(owner: UInt32, now: ContinuousClock.Instant = .now) throws(RegistryError) -> Pass {
        let refusal: RegistryError? = buckets.withLock { buckets in
            var bucket = buckets[owner] ?? Bucket(tokens: burst, updated: now)
            let elapsed = bucket.updated.duration(to: now).components
            let seconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
            bucket.tokens = min(burst, bucket.tokens + max(seconds, 0) / refillSeconds)
            bucket.updated = now
            defer { buckets[owner] = bucket }
            if bucket.changing {
                return .tooManyRequests(retryAfterSeconds: 1, reason: "another change to your watch lists is under way; send one at a time")
            }
            guard bucket.tokens >= 1 else {
                let wait = Int(((1 - bucket.tokens) * refillSeconds).rounded(.up))
                return .tooManyRequests(
                    retryAfterSeconds: max(wait, 1),
                    reason: "you changed your watch lists \(Int(burst)) times in a row; one change a \(Self.describe(refillSeconds)) is allowed after that")
            }
            bucket.tokens -= 1
            bucket.changing = true
            return nil
        }
        if let refusal { throw refusal }
        return Pass(owner: owner)
    }

    public func leave(_ pass: Pass) {
        buckets.withLock { $0[pass.owner]?.changing = false }
    }

    private static func describe(_ seconds: Double) -> String {
        seconds == 1 ? "second" : "\(seconds.formatted()) s"
    }
}

extension Double {
    fileprivate func formatted() -> String {
        self == rounded() ? String(Int(self)) : String(self)
    }
}
