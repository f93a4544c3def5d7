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
        hash(bytes, FetchedAlgorithm.sha256)
    }

    public static func sm3(_ bytes: some Collection<UInt8>) -> [UInt8] {
        hash(bytes, FetchedAlgorithm.sm3)
    }

    /// One-shot digest of `bytes`. OpenSSL's one-shot EVP_Digest cannot fail for these
    /// built-in algorithms short of memory exhaustion, which traps like any allocation.
    static func hash(_ bytes: some Collection<UInt8>, _ algorithm: OpaquePointer?) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: Int(EVP_MAX_MD_SIZE)) { output, count in
            var length: UInt32 = 0
            let status =
                bytes.withContiguousStorageIfAvailable { buffer in
                    EVP_Digest(buffer.baseAddress, buffer.count, output.baseAddress, &length, algorithm, nil)
                }
                ?? Array(bytes).withUnsafeBufferPointer { buffer in
                    EVP_Digest(buffer.baseAddress, buffer.count, output.baseAddress, &length, algorithm, nil)
                }
            precondition(status == 1, "EVP_Digest failed")
            count = Int(length)
        }
    }
}

/// Digest algorithms fetched from OpenSSL's default provider once. `EVP_sha256()` and
/// `EVP_sm3()` make every `EVP_Digest` fetch the implementation again, which doubled the cost
/// of hashing a log leaf (329 against 143 ns for 61 bytes). A fetched `EVP_MD` is immutable
/// and may be shared between threads.
enum FetchedAlgorithm {
    nonisolated(unsafe) static let sha256: OpaquePointer? = fetch("SHA256")
    nonisolated(unsafe) static let sm3: OpaquePointer? = fetch("SM3")

    private static func fetch(_ name: String) -> OpaquePointer? {
        guard let algorithm = EVP_MD_fetch(nil, name, nil) else { preconditionFailure("OpenSSL has no \(name)") }
        return algorithm
    }
}
