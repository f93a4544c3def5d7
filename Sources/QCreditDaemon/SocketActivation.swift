import Glibc
import QCreditConfig

/// A listening socket passed by systemd (`sd_listen_fds(3)` without libsystemd): descriptors
/// from 3 on, when `$LISTEN_PID` is this process and `$LISTEN_FDS` is at least 1. The
/// environment is read, never changed.
struct SocketActivation: Sendable, Equatable {
    static let firstDescriptor: CInt = 3

    /// The descriptor to serve: the one named `varlink` in `$LISTEN_FDNAMES`, else the first.
    var descriptor: CInt
    /// Its name from `$LISTEN_FDNAMES` (`FileDescriptorName=` in the socket unit), if given.
    var name: String?
    /// How many descriptors systemd passed.
    var count: Int

    static let preferredName = "varlink"

    /// What the environment passes this process, or nil when it passes nothing (not socket
    /// activated, or the variables were meant for another process).
    static func passed(environment: [String: String], pid: pid_t = getpid()) -> SocketActivation? {
        guard let listenPID = environment["LISTEN_PID"].flatMap({ pid_t($0) }), listenPID == pid,
            let count = environment["LISTEN_FDS"].flatMap({ Int($0) }), count >= 1
        else { return nil }
        let names = environment["LISTEN_FDNAMES"].map { $0.split(separator: ":", omittingEmptySubsequences: false).map(String.init) }
        let index = names?.firstIndex(of: preferredName).flatMap { $0 < count ? $0 : nil } ?? 0
        let name = names.flatMap { index < $0.count && !$0[index].isEmpty ? $0[index] : nil }
        return SocketActivation(descriptor: firstDescriptor + CInt(index), name: name, count: count)
    }

    /// Checks that the descriptor is a listening `AF_UNIX` stream socket, marks every passed
    /// descriptor close-on-exec (as `sd_listen_fds` does), and returns the socket's path
    /// (nil for an abstract or unnamed socket).
    func prepare() throws(ConfigurationError) -> String? {
        for descriptor in Self.firstDescriptor..<(Self.firstDescriptor + CInt(count)) {
            let flags = fcntl(descriptor, F_GETFD)
            if flags >= 0 { _ = fcntl(descriptor, F_SETFD, flags | FD_CLOEXEC) }
        }
        let what = "the socket systemd passed (fd \(descriptor))"
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw ConfigurationError("\(what): \(String(cString: strerror(errno)))")
        }
        guard status.st_mode & S_IFMT == S_IFSOCK else { throw ConfigurationError("\(what) is not a socket") }
        guard socketOption(SO_TYPE) == Int32(SOCK_STREAM.rawValue) else {
            throw ConfigurationError("\(what) is not a stream socket (ListenStream= in the socket unit)")
        }
        guard socketOption(SO_ACCEPTCONN) == 1 else { throw ConfigurationError("\(what) is not listening") }

        var address = sockaddr_un()
        var length = socklen_t(MemoryLayout<sockaddr_un>.size)
        let named = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard named == 0 else { throw ConfigurationError("\(what): \(String(cString: strerror(errno)))") }
        guard address.sun_family == sa_family_t(AF_UNIX) else {
            throw ConfigurationError("\(what) is not a Unix socket (qcreditd serves AF_UNIX only)")
        }
        let pathOffset = MemoryLayout<sockaddr_un>.offset(of: \.sun_path)!
        let pathLength = Int(length) - pathOffset
        guard pathLength > 0 else { return nil }
        return withUnsafeBytes(of: &address.sun_path) { raw in
            let bytes = raw.prefix(min(pathLength, raw.count))
            guard bytes.first != 0 else { return nil }
            return String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    private func socketOption(_ option: Int32) -> Int32? {
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        return getsockopt(descriptor, SOL_SOCKET, option, &value, &length) == 0 ? value : nil
    }
}
