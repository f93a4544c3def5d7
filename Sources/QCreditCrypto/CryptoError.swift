import COpenSSL

/// A failed cryptographic operation: which operation, and why.
///
/// For failures inside OpenSSL the reason is OpenSSL's own error text (every entry of the
/// thread's error queue, oldest first); the queue is emptied when the error is made, so a later
/// operation on the same thread does not report a stale reason.
///
/// ```swift
/// do { _ = try Ed25519PublicKey(raw: [1, 2, 3]) } catch {
///     print(error)   // "Ed25519 public key import failed: expected 32 bytes, got 3"
/// }
/// ```
public struct CryptoError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was being done, e.g. "SM2 signing" or "loading private key file /etc/qcredit/log.key".
    public var operation: String
    /// Why it failed: OpenSSL's reason, or a description of the bad input.
    public var reason: String

    public init(operation: String, reason: String) {
        self.operation = operation
        self.reason = reason
    }

    public var description: String { "\(operation) failed: \(reason)" }

    /// An error for a failed OpenSSL call, taking (and clearing) the thread's error queue.
    static func openSSL(_ operation: String) -> CryptoError {
        CryptoError(operation: operation, reason: drainErrorQueue() ?? "OpenSSL reported no reason")
    }

    /// Empties the calling thread's OpenSSL error queue, returning its entries joined, if any.
    ///
    /// Why: OpenSSL leaves entries on the queue after a failure (even a merely negative
    /// verification); left there they would be reported as the reason of an unrelated later failure.
    @discardableResult
    static func drainErrorQueue() -> String? {
        var reasons: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            let end = buffer.firstIndex(of: 0) ?? buffer.count
            reasons.append(String(decoding: buffer[..<end].map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        ERR_clear_error()
        return reasons.isEmpty ? nil : reasons.joined(separator: "; ")
    }
}
