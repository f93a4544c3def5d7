import FileSafety
import Glibc

/// File-system chores around a listening Unix socket. These are quick syscalls made from the
/// server's `run()` task, never on an event loop.
enum SocketFile {
    /// Makes `path` free for `bind(2)`: nothing there, or a stale socket (no one accepts on it),
    /// which is removed. A socket a live server listens on, or a file that is not a socket, is
    /// left alone and reported.
    static func removeStale(at path: String) throws(VarlinkServerError) {
        try refuseUnsafeDirectory(of: path)
        guard try holdsStaleSocket(path) else { return }
        guard unlink(path) == 0 || errno == ENOENT else {
            throw .socketFile(path: path, operation: "unlink", errno: errno)
        }
    }

    /// Refuses `path` as ``removeStale(at:)`` would, without removing anything: so that a
    /// server that could not bind there is refused before it writes anything else.
    static func checkFree(at path: String) throws(VarlinkServerError) {
        try refuseUnsafeDirectory(of: path)
        _ = try holdsStaleSocket(path)
    }

    /// Refuses a socket directory another user could use to put a socket of theirs in the
    /// server's place (clients would talk to them), or to swap the socket for a link between
    /// its bind and its chmod: one with a directory or link on the way to it (itself included)
    /// that another user than the server's or root owns, or that group or others may write
    /// without the sticky bit (``TrustedPath``). A directory not there yet is the caller's to make.
    static func refuseUnsafeDirectory(of path: String) throws(VarlinkServerError) {
        let directory = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        if let problem = TrustedPath.problem(ofDirectory: directory.isEmpty ? "/" : directory) {
            throw .unsafeDirectory(path: directory, reason: "\(problem): another user could replace the socket")
        }
    }

    /// Whether `path` holds a stale socket (false: nothing there); a live server's socket, a
    /// file that is not a socket, or a failed look is thrown.
    private static func holdsStaleSocket(_ path: String) throws(VarlinkServerError) -> Bool {
        var status = stat()
        guard lstat(path, &status) == 0 else {
            if errno == ENOENT { return false }
            throw .socketFile(path: path, operation: "lstat", errno: errno)
        }
        guard status.st_mode & S_IFMT == S_IFSOCK else { throw .notASocket(path: path) }
        switch probe(path) {
        case .live: throw .addressInUse(path: path)
        case .stale: return true
        case .failed(let code): throw .socketFile(path: path, operation: "connect", errno: code)
        }
    }

    private enum Probe { case live, stale, failed(Int32) }

    /// A non-blocking connect: accepted or queued means a live listener, `ECONNREFUSED` a stale file.
    private static func probe(_ path: String) -> Probe {
        guard let address = address(path) else { return .failed(ENAMETOOLONG) }
        let fd = streamSocket()
        guard fd >= 0 else { return .failed(errno) }
        defer { close(fd) }
        let result = withSocketAddress(address) { connect(fd, $0, $1) }
        if result == 0 { return .live }
        switch errno {
        case EAGAIN, EINPROGRESS: return .live
        case ECONNREFUSED: return .stale
        case ENOENT: return .stale
        case let code: return .failed(code)
        }
    }

    /// A new non-blocking, close-on-exec Unix stream socket, or -1 (see `errno`).
    static func streamSocket() -> CInt {
        socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    }

    /// `path` as a Unix socket address; nil when it is too long for one.
    static func address(_ path: String) -> sockaddr_un? {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(path.utf8)
        guard pathBytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return nil }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: pathBytes)
            raw[pathBytes.count] = 0
        }
        return address
    }

    /// Calls `body` (`connect(2)` or `bind(2)`) with `address` as the generic socket address.
    static func withSocketAddress(_ address: sockaddr_un, _ body: (UnsafePointer<sockaddr>, socklen_t) -> CInt) -> CInt {
        withUnsafePointer(to: address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
    }

    /// Sets the socket file's mode and, if given, its group.
    static func applyPermissions(_ path: String, mode: mode_t?, group: gid_t?) throws(VarlinkServerError) {
        // Not through a link: the path is the socket just bound, and a link there now was put there.
        if let mode, fchmodat(AT_FDCWD, path, mode, AT_SYMLINK_NOFOLLOW) != 0 {
            throw .socketFile(path: path, operation: "chmod", errno: errno)
        }
        if let group, lchown(path, uid_t.max, group) != 0 {
            throw .socketFile(path: path, operation: "chown", errno: errno)
        }
    }

    /// The file's identity, to remove at shutdown only the socket this server created.
    static func identity(_ path: String) -> (device: UInt64, inode: UInt64)? {
        var status = stat()
        guard lstat(path, &status) == 0 else { return nil }
        return (UInt64(status.st_dev), UInt64(status.st_ino))
    }

    static func remove(_ path: String, ifIdentity expected: (device: UInt64, inode: UInt64)?) {
        guard let expected, let current = identity(path), current == expected else { return }
        unlink(path)
    }
}
