import Glibc
import Logging
import Synchronization

/// The systemd notification protocol (`sd_notify(3)`) without libsystemd: each message is one
/// datagram of `KEY=value` lines sent to the `AF_UNIX` socket named by `$NOTIFY_SOCKET` (a
/// leading `@` names the abstract namespace). The environment is read, never changed.
///
/// Sends are blocking `sendto(2)` calls on a datagram socket; they return at once unless the
/// manager's queue is full, so call them from Swift concurrency, never from an event loop.
struct SystemdNotifier: Sendable {
    /// The socket address bytes for `sun_path`: a path, or a NUL then the abstract name.
    let address: [UInt8]
    /// `$NOTIFY_SOCKET` as given, for messages.
    let socketName: String
    let logger: Logger
    /// Whether the last send failed: a failure is logged as a warning once, not every
    /// watchdog interval, until a send succeeds again.
    private let failing = FailureLatch()

    /// The notifier `$NOTIFY_SOCKET` asks for, or nil when it is unset or empty (not under
    /// systemd, or `Type=` is not `notify`). A value that cannot be an `AF_UNIX` address is
    /// logged and ignored.
    init?(environment: [String: String], logger: Logger) {
        guard let value = environment["NOTIFY_SOCKET"], !value.isEmpty else { return nil }
        guard let address = Self.address(value) else {
            logger.warning(
                "NOTIFY_SOCKET is not an AF_UNIX socket path or @abstract name; not notifying systemd",
                metadata: ["NOTIFY_SOCKET": "\(value)"])
            return nil
        }
        self.address = address
        self.socketName = value
        self.logger = logger
    }

    /// `sun_path` bytes for a `$NOTIFY_SOCKET` value: `/path` as is, `@name` as NUL + name.
    /// Nil for anything else (systemd 252 knows no other form) or a name too long for `sun_path`.
    static func address(_ value: String) -> [UInt8]? {
        var bytes = Array(value.utf8)
        switch bytes.first {
        case UInt8(ascii: "/"):
            // A path needs its terminating NUL inside sun_path.
            guard !bytes.contains(0), bytes.count < maxPathBytes else { return nil }
        case UInt8(ascii: "@"):
            guard bytes.count > 1, bytes.count <= maxPathBytes else { return nil }
            bytes[0] = 0
        default:
            return nil
        }
        return bytes
    }

    private static let maxPathBytes = MemoryLayout.size(ofValue: sockaddr_un().sun_path)

    /// Sends one message (`READY=1`, `STATUS=…`, newline-separated assignments). Failures are
    /// logged, never thrown: systemd's absence must not stop the registry.
    @discardableResult
    func send(_ message: String) -> Bool {
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else {
            log(failure: errno, message)
            return false
        }
        defer { close(descriptor) }
        var socketAddress = sockaddr_un()
        socketAddress.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &socketAddress.sun_path) { raw in
            raw.copyBytes(from: address)
            if address.count < raw.count { raw[address.count] = 0 }
        }
        // Abstract names are exactly as long as given; paths count their NUL (as libsystemd does).
        let pathOffset = MemoryLayout<sockaddr_un>.offset(of: \.sun_path)!
        let length = socklen_t(pathOffset + address.count + (address.first == 0 ? 0 : 1))
        let payload = Array(message.utf8)
        var sent: Int
        repeat {
            sent = payload.withUnsafeBytes { bytes in
                withUnsafePointer(to: &socketAddress) { pointer in
                    pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                        sendto(descriptor, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL), address, length)
                    }
                }
            }
        } while sent < 0 && errno == EINTR
        guard sent == payload.count else {
            log(failure: sent < 0 ? errno : EMSGSIZE, message)
            return false
        }
        if failing.clear() { logger.notice("notifying systemd works again", metadata: ["NOTIFY_SOCKET": "\(socketName)"]) }
        logger.trace("notified systemd", metadata: ["message": "\(message)"])
        return true
    }

    private func log(failure code: Int32, _ message: String) {
        logger.log(
            level: failing.set() ? .debug : .warning,
            "cannot notify systemd",
            metadata: [
                "NOTIFY_SOCKET": "\(socketName)", "message": "\(message)",
                "error": "\(String(cString: strerror(code)))",
            ])
    }
}

extension SystemdNotifier {
    /// How often to send `WATCHDOG=1`: half of `$WATCHDOG_USEC`, when it is set and
    /// `$WATCHDOG_PID` is unset or names this process (`sd_watchdog_enabled(3)`); else nil.
    static func watchdogInterval(environment: [String: String], pid: pid_t = getpid()) -> Duration? {
        guard let text = environment["WATCHDOG_USEC"], let microseconds = UInt64(text), microseconds > 0 else {
            return nil
        }
        if let owner = environment["WATCHDOG_PID"], !owner.isEmpty {
            guard let owner = pid_t(owner), owner == pid else { return nil }
        }
        return .microseconds(microseconds / 2)
    }
}

/// A flag that says whether it changed.
private final class FailureLatch: Sendable {
    private let raised = Atomic(false)

    /// Raises the flag; true if it was raised already.
    func set() -> Bool { raised.exchange(true, ordering: .relaxed) }

    /// Lowers the flag; true if it was raised.
    func clear() -> Bool { raised.exchange(false, ordering: .relaxed) }
}
