import COpenSSL
import Synchronization

/// An incremental message digest, SHA-256 or SM3, through OpenSSL's `EVP_MD_CTX`: feed the
/// bytes in pieces as they go by (a file being written or read), then take the digest once.
///
/// The result equals ``Digest`` over the concatenation of everything passed to `update(_:)`.
///
/// ```swift
/// let stream = DigestStream.sha256()
/// stream.update(Array("ab".utf8))
/// stream.update(Array("c".utf8))
/// stream.finalize() == Digest.sha256(Array("abc".utf8))   // true
/// ```
///
/// A stream gives one digest: `finalize()` ends it, and calling `update(_:)`
/// or `finalize()` again afterwards is a programming error that traps.
public final class DigestStream: @unchecked Sendable {
    // Why @unchecked: the EVP_MD_CTX is mutable C state. Every use of it happens inside
    // `state.withLock`, so a stream handed to another thread (or, by mistake, used from two at
    // once) never races; the lock is uncontended in normal use and costs nothing next to hashing.
    private let context: OpaquePointer
    private let state = Mutex(State.open)
    /// The algorithm's name as OpenSSL gives it, for messages: "SHA256" or "SM3".
    public let algorithm: String

    private enum State { case open, finalized }

    /// A stream computing SHA-256 (32 bytes).
    public static func sha256() -> DigestStream { DigestStream(FetchedAlgorithm.sha256, name: "SHA256") }

    /// A stream computing SM3, GB/T 32905 (32 bytes).
    public static func sm3() -> DigestStream { DigestStream(FetchedAlgorithm.sm3, name: "SM3") }

    private init(_ algorithm: OpaquePointer?, name: String) {
        // Allocation and initialisation cannot fail for OpenSSL's built-in digests short of memory
        // exhaustion, which traps like any allocation (as `Digest` does).
        guard let context = EVP_MD_CTX_new() else { preconditionFailure("EVP_MD_CTX_new failed") }
        guard EVP_DigestInit_ex(context, algorithm, nil) == 1 else {
            EVP_MD_CTX_free(context)
            preconditionFailure("EVP_DigestInit_ex failed for \(name)")
        }
        self.context = context
        self.algorithm = name
    }

    deinit { EVP_MD_CTX_free(context) }

    /// Adds `bytes` to the digest. Contiguous collections (arrays, slices) are hashed in place;
    /// others are copied in chunks of 4 KiB, so memory stays flat whatever their length.
    public func update(_ bytes: some Collection<UInt8>) {
        let hashedInPlace: Void? = bytes.withContiguousStorageIfAvailable { buffer in
            update(UnsafeRawBufferPointer(buffer))
        }
        guard hashedInPlace == nil else { return }
        var chunk: [UInt8] = []
        chunk.reserveCapacity(4096)
        for byte in bytes {
            chunk.append(byte)
            if chunk.count == 4096 {
                chunk.withUnsafeBytes { update($0) }
                chunk.removeAll(keepingCapacity: true)
            }
        }
        if !chunk.isEmpty { chunk.withUnsafeBytes { update($0) } }
    }

    /// Adds the bytes of `buffer` to the digest.
    public func update(_ buffer: UnsafeRawBufferPointer) {
        state.withLock { state in
            precondition(state == .open, "DigestStream (\(algorithm)) updated after finalize()")
            guard buffer.count > 0 else { return }
            let status = EVP_DigestUpdate(context, buffer.baseAddress, buffer.count)
            precondition(status == 1, "EVP_DigestUpdate failed")
        }
    }

    /// The digest of everything added so far. Ends the stream.
    public func finalize() -> [UInt8] {
        state.withLock { state in
            precondition(state == .open, "DigestStream (\(algorithm)) finalized twice")
            state = .finalized
            var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
            var length: UInt32 = 0
            let status = EVP_DigestFinal_ex(context, &output, &length)
            precondition(status == 1, "EVP_DigestFinal_ex failed")
            return Array(output.prefix(Int(length)))
        }
    }
}
