import COpenSSL

/// Cryptographically strong random bytes from OpenSSL's DRBG (seeded from the kernel).
///
/// ```swift
/// let salt = RandomBytes.make(32)
/// ```
public enum RandomBytes {
    /// `count` random bytes. OpenSSL's generator fails only when it cannot be seeded, which
    /// leaves no safe way on: that traps rather than hand out a predictable salt.
    public static func make(_ count: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        let status = bytes.withUnsafeMutableBufferPointer { RAND_bytes($0.baseAddress, Int32($0.count)) }
        precondition(status == 1, "RAND_bytes failed: OpenSSL's random generator is not seeded")
        return bytes
    }
}
