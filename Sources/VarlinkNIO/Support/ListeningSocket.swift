import CEpoll
import Glibc

/// The listening socket the server's accept loop owns: bound here, or handed over by systemd.
/// Quick syscalls made from the server's `run()` task, never on an event loop.
enum ListeningSocket {
    /// A non-blocking stream socket bound at `path` and listening with `backlog`.
    static func bind(path: String, backlog: Int32) throws(VarlinkServerError) -> CInt {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(path.utf8)
        guard pathBytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw .socketFile(path: path, operation: "bind", errno: ENAMETOOLONG)
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: pathBytes)
            raw[pathBytes.count] = 0
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .socketFile(path: path, operation: "socket", errno: errno) }
        let bound = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        if bound != 0 {
            let code = errno
            close(fd)
            throw code == EADDRINUSE ? .addressInUse(path: path) : .socketFile(path: path, operation: "bind", errno: code)
        }
        guard listen(fd, backlog) == 0 else {
            let code = errno
            close(fd)
            unlink(path)
            throw .socketFile(path: path, operation: "listen", errno: code)
        }
        return fd
    }

    /// Takes over a socket already bound and listening (systemd socket activation): the
    /// accept loop needs it non-blocking.
    static func adopt(_ fd: CInt) throws(VarlinkServerError) -> CInt {
        let flags = fcntl(fd, F_GETFL)
        guard flags >= 0, fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0 else {
            throw .socketFile(path: "fd \(fd)", operation: "fcntl", errno: errno)
        }
        return fd
    }

    /// The peer's `SO_PEERCRED`; nil when it cannot be read.
    static func peerCredentials(of fd: CInt) -> UnixCredentials? {
        var credentials = UnixCredentials()
        var length = socklen_t(MemoryLayout<UnixCredentials>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) == 0,
            length == socklen_t(MemoryLayout<UnixCredentials>.size)
        else { return nil }
        return credentials
    }
}
