import Glibc
import Varlink

/// The listening socket the server's accept loop owns: bound here, or handed over by systemd.
/// Quick syscalls made from the server's `run()` task, never on an event loop.
enum ListeningSocket {
    /// A non-blocking stream socket bound at `path` and listening with `backlog`.
    static func bind(path: String, backlog: Int32) throws(VarlinkServerError) -> CInt {
        guard let address = SocketFile.address(path) else {
            throw .socketFile(path: path, operation: "bind", errno: ENAMETOOLONG)
        }
        let fd = SocketFile.streamSocket()
        guard fd >= 0 else { throw .socketFile(path: path, operation: "socket", errno: errno) }
        if SocketFile.withSocketAddress(address, { Glibc.bind(fd, $0, $1) }) != 0 {
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
    static func peerCredentials(of fd: CInt) -> VarlinkPeerCredentials? {
        var credentials = UnixCredentials()
        var length = socklen_t(MemoryLayout<UnixCredentials>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) == 0,
            length == socklen_t(MemoryLayout<UnixCredentials>.size)
        else { return nil }
        return VarlinkPeerCredentials(pid: credentials.pid, uid: credentials.uid, gid: credentials.gid)
    }
}
