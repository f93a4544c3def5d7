import Glibc

/// Why a ``VarlinkServer`` could not start.
public enum VarlinkServerError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Another server is accepting connections on the socket path.
    case addressInUse(path: String)
    /// Something other than a socket is at the socket path; it is not removed.
    case notASocket(path: String)
    /// A file-system call on the socket path failed.
    case socketFile(path: String, operation: String, errno: Int32)
    /// The socket's directory would let another user replace the socket.
    case unsafeDirectory(path: String, reason: String)
    /// ``VarlinkServer/run()`` was called a second time.
    case alreadyStarted

    public var description: String {
        switch self {
        case .addressInUse(let path): return "a varlink server is already listening on \(path)"
        case .notASocket(let path): return "\(path) exists and is not a socket"
        case .socketFile(let path, let operation, let code):
            return "\(operation) \(path): \(String(cString: strerror(code)))"
        case .unsafeDirectory(let path, let reason): return "the socket's directory \(path) is not safe: \(reason)"
        case .alreadyStarted: return "the server has already been started"
        }
    }
}
