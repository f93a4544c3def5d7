import COpenSSL

/// Message digests through OpenSSL's EVP interface: SHA-256 (the log's Merkle tree, key IDs,
/// export manifests) and SM3 (GB/T 32905, the Chinese national hash).
///
/// ```swift
/// let hash = Digest.sha256(Array("abc".utf8))   // 32 bytes
/// let sm3 = Digest.sm3(Array("abc".utf8))       // 32 bytes
/// ```
public enum Digest {
    public static func sha256(_ bytes: some Collection<UInt8>) -> [UInt8] {
        hash(bytes, EVP_sha256())
    }

    public static func sm3(_ bytes: some Collection<UInt8>) -> [UInt8] {
        hash(bytes, EVP_sm3())
    }

    /// One-shot digest of `bytes`. OpenSSL's one-shot EVP_Digest cannot fail for these
    /// built-in algorithms short of memory exhaustion, which traps like any allocation.
    static func hash(_ bytes: some Collection<UInt8>, _ algorithm: OpaquePointer?) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let status = bytes.withContiguousStorageIfAvailable { buffer in
            EVP_Digest(buffer.baseAddress, buffer.count, &output, &length, algorithm, nil)
        } ?? Array(bytes).withUnsafeBufferPointer { buffer in
            EVP_Digest(buffer.baseAddress, buffer.count, &output, &length, algorithm, nil)
        }
        precondition(status == 1, "EVP_Digest failed")
        return Array(output.prefix(Int(length)))
    }
}
