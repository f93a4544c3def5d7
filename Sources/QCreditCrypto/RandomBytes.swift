import COpenSSL
import Synchronization

/// Cryptographically strong random bytes from OpenSSL's DRBG (seeded from the kernel).
///
/// ```swift
/// let salt = RandomBytes.make(32)
/// ```
///
/// Small requests (a record's 32-byte salt) are served from a pool that one `RAND_bytes` call
/// fills 4 KiB at a time: each call costs about 670 ns whatever its size under 4 KiB (the
/// generator's per-call work), which was 3 % of publishing a million grades; drawn from the pool a
/// salt costs about 10 ns. Each byte is handed out once and wiped from the pool as it is. The pool
/// is not for a process that forks and goes on without `exec` (the child would hand out the
/// parent's bytes again); qcredit's processes never do.
public enum RandomBytes {
    /// `count` random bytes. OpenSSL's generator fails only when it cannot be seeded, which
    /// leaves no safe way on: that traps rather than hand out a predictable salt.
    public static func make(_ count: Int) -> [UInt8] {
        count <= RandomPool.largestDraw ? pool.take(count) : fresh(count)
    }

    static func fresh(_ count: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        bytes.withUnsafeMutableBufferPointer { fill($0) }
        return bytes
    }

    static func fill(_ buffer: UnsafeMutableBufferPointer<UInt8>) {
        let status = RAND_bytes(buffer.baseAddress, Int32(buffer.count))
        precondition(status == 1, "RAND_bytes failed: OpenSSL's random generator is not seeded")
    }

    private static let pool = RandomPool()
}

/// Random bytes drawn in 4 KiB refills and handed out once each.
final class RandomPool: Sendable {
    static let size = 4096
    /// Larger requests go to the generator directly.
    static let largestDraw = 256

    private struct State {
        var bytes = [UInt8](repeating: 0, count: RandomPool.size)
        /// The first byte not yet handed out; `size` when the pool is spent.
        var next = RandomPool.size
    }

    private let state = Mutex(State())

    func take(_ count: Int) -> [UInt8] {
        precondition(count >= 0 && count <= Self.largestDraw)
        return state.withLock { state in
            if state.next + count > Self.size {
                state.bytes.withUnsafeMutableBufferPointer { RandomBytes.fill($0) }
                state.next = 0
            }
            let start = state.next
            state.next += count
            return state.bytes.withUnsafeMutableBufferPointer { pool in
                let drawn = UnsafeMutableBufferPointer(rebasing: pool[start..<start + count])
                defer { drawn.update(repeating: 0) }
                return Array(drawn)
            }
        }
    }
}
