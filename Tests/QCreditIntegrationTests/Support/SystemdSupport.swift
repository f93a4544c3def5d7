import Foundation
import Glibc
import QCreditTestSupport
import Testing

/// The repository and its `systemd/` directory, found relative to this file.
enum Repository {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }
}

/// The shipped units and `systemd-analyze verify` on them.
enum SystemdUnits {
    static let names = ["qcreditd.service", "qcreditd.socket", "qcredit-export.service", "qcredit-export.timer"]
    static let installedBinaries = "/usr/local/bin/"

    /// Copies the units in `source` to `destination`, changing only `/usr/local/bin/` to the
    /// directory holding the built `qcreditd` and `qcredit`: verify checks that ExecStart's
    /// program exists. Nothing else is touched, so what is verified is what ships.
    static func copyForVerification(from source: String, to destination: String) throws -> [String] {
        try FileManager.default.createDirectory(atPath: destination, withIntermediateDirectories: true)
        let products = DaemonProcess.productsDirectory.path + "/"
        return try names.map { name in
            let text = try String(contentsOfFile: (source as NSString).appendingPathComponent(name), encoding: .utf8)
            let path = (destination as NSString).appendingPathComponent(name)
            try text.replacingOccurrences(of: installedBinaries, with: products).write(
                toFile: path, atomically: true, encoding: .utf8)
            return path
        }
    }

    /// What `systemd-analyze verify` says about each unit: it exits 0 even on many errors, so
    /// anything it prints is a finding. Keys are unit names; values its output (stdout+stderr).
    static func verify(_ paths: [String]) async throws -> [String: String] {
        var findings: [String: String] = [:]
        for path in paths {
            let result = try await runCommand(
                "/usr/bin/systemd-analyze", ["verify", path], environment: ["SYSTEMD_LOG_COLOR": "0", "SYSTEMD_PAGER": ""])
            let output = (result.stdout + result.stderr).trimmingCharacters(in: .whitespacesAndNewlines)
            if !output.isEmpty || result.status != 0 {
                findings[(path as NSString).lastPathComponent] = "exit \(result.status): \(output)"
            }
        }
        return findings
    }

    /// The `Key=value` assignments of a unit file, in order.
    static func assignments(_ path: String) throws -> [(key: String, value: String)] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").compactMap { line in
            let line = line.trimmingCharacters(in: .whitespaces)
            guard !line.hasPrefix("#"), !line.hasPrefix("["), let equals = line.firstIndex(of: "=") else { return nil }
            return (String(line[..<equals]), String(line[line.index(after: equals)...]))
        }
    }
}

/// `systemd-socket-activate` gives the program it runs only the variables named with `-E`. When
/// a sanitizer's settings are set (Scripts/sanitize), they are named too, so a daemon started that
/// way reports where the others do; otherwise nothing is added.
enum SocketActivate {
    static let program = "/usr/bin/systemd-socket-activate"
    static let sanitizerVariables = ["ASAN_OPTIONS", "LSAN_OPTIONS", "TSAN_OPTIONS", "LD_PRELOAD"]

    static func arguments(_ arguments: [String], environment: [String: String] = ProcessInfo.processInfo.environment) -> [String] {
        sanitizerVariables.filter { environment[$0] != nil }.flatMap { ["-E", $0] } + arguments
    }
}

/// A scratch directory, removed when the value goes away. World-readable so that a daemon
/// running as `nobody` can reach what is inside.
final class ScratchDirectory: @unchecked Sendable {
    let url: URL
    var path: String { url.path }

    init(_ label: String) throws {
        url = URL(fileURLWithPath: "/tmp").appendingPathComponent("qcredit-\(label)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    deinit { try? FileManager.default.removeItem(at: url) }
}

/// A datagram socket standing in for systemd's notification socket (`$NOTIFY_SOCKET`).
final class NotifyListener: @unchecked Sendable {
    /// The value for `$NOTIFY_SOCKET`: a path, or `@name` for the abstract namespace.
    let address: String
    private let fd: Int32
    private let path: String?
    /// Every message received so far, in order.
    private(set) var messages: [String] = []

    /// Binds a socket file at `path`, or an abstract name when `abstract` is true.
    init(path: String? = nil, abstractName: String? = nil) throws {
        precondition((path == nil) != (abstractName == nil), "a path or an abstract name")
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        var bytes: [UInt8]
        if let path {
            bytes = Array(path.utf8)
            address = path
        } else {
            bytes = [0] + Array(abstractName!.utf8)
            address = "@" + abstractName!
        }
        self.path = path
        var socketAddress = sockaddr_un()
        socketAddress.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &socketAddress.sun_path) { raw in raw.copyBytes(from: bytes) }
        let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + bytes.count + (path == nil ? 0 : 1))
        let status = withUnsafePointer(to: &socketAddress) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard status == 0 else {
            let code = errno
            close(fd)
            throw POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO)
        }
        // A daemon running as another user may send here too.
        if let path { chmod(path, 0o666) }
    }

    deinit {
        close(fd)
        if let path { unlink(path) }
    }

    /// Waits (generously) for the next message containing the line `line`, keeping every
    /// message received meanwhile in `messages`. Throws when none arrives in time, or when
    /// `sender` has exited without sending it; the error then carries the sender's log.
    @discardableResult
    func next(line: String, from sender: TestProcess? = nil, timeout: Duration = .seconds(30)) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while true {
            let exited = sender?.hasExited ?? false
            while let message = receive() {
                messages.append(message)
                if message.split(separator: "\n").contains(Substring(line)) { return message }
            }
            guard !exited, ContinuousClock.now < deadline else { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw NotificationMissing(line: line, received: messages, sender: sender)
    }

    /// Sends one datagram from this socket to the socket file at `path`.
    func send(_ message: String, to path: String) -> Bool {
        var socketAddress = sockaddr_un()
        socketAddress.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &socketAddress.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let payload = Array(message.utf8)
        let sent = withUnsafePointer(to: &socketAddress) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                sendto(fd, payload, payload.count, 0, address, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        return sent == payload.count
    }

    /// One message if one is waiting.
    private func receive() -> String? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
        guard count >= 0 else { return nil }
        return String(decoding: buffer[..<count], as: UTF8.self)
    }
}

struct NotificationMissing: Error, CustomStringConvertible {
    var line: String
    var received: [String]
    var sender: TestProcess?

    var description: String {
        var text = "no notification with \(line) arrived; received: \(received)"
        if let sender {
            text += sender.hasExited ? "; the process exited with \(sender.exitStatus ?? -1)" : "; the process is still running"
            text += "; its log:\n\(sender.log)"
        }
        return text
    }
}

/// A process run for a systemd test, its stdout and stderr going to a log file. Killed if
/// still running when the value goes away.
///
/// `systemd-socket-activate` closes every descriptor it inherits; `ChildProcess` (not
/// Foundation's `Process`, whose monitor thread then blocks for good) lets that be. The child
/// inherits no descriptor but 0, 1 and 2, and starts with default signal handling.
final class TestProcess: @unchecked Sendable {
    let logPath: String
    private let child: ChildProcess

    var pid: pid_t { child.pid }

    /// The environment the test process has, without anything systemd passes a service (so a
    /// test runner started by systemd does not leak its own) and without `QCREDIT_SOCKET`.
    static var cleanEnvironment: [String: String] {
        ChildProcess.environment(adding: [:], removing: [
            "NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES", "QCREDIT_SOCKET",
        ])
    }

    init(_ executable: String, _ arguments: [String], environment: [String: String] = [:], directory: String? = nil, logPath: String) throws {
        self.logPath = logPath
        child = try ChildProcess(
            executable, arguments, environment: Self.cleanEnvironment.merging(environment) { $1 }, directory: directory,
            standardOutput: .file(logPath))
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// The exit status (128 + the signal if a signal ended it), once the process has ended.
    var exitStatus: Int32? { child.exitStatus }

    /// Whether the process has ended.
    var hasExited: Bool { exitStatus != nil }

    func signal(_ signal: Int32) { child.signal(signal) }

    /// Waits (generously) for the process to end: its exit status, or nil if it is still
    /// running at the deadline.
    func waitForExit(timeout: Duration = .seconds(60)) async throws -> Int32? {
        try await child.waitForExit(timeout: timeout)
    }
}

/// Waits (generously) until a socket file exists at `path`.
func waitForSocketFile(_ path: String, stream: Bool = true, timeout: Duration = .seconds(30)) async throws {
    let deadline = ContinuousClock.now + timeout
    var status = stat()
    while stat(path, &status) != 0 || status.st_mode & S_IFMT != S_IFSOCK {
        guard ContinuousClock.now < deadline else { throw SocketFileMissing(path: path) }
        try await Task.sleep(for: .milliseconds(20))
    }
    // The file appears at bind(2), a moment before listen(2): wait until it accepts too.
    // (With systemd-socket-activate this first connection is what starts the daemon.)
    while stream && !DaemonProcess.accepts(path) {
        guard ContinuousClock.now < deadline else { throw SocketFileMissing(path: path) }
        try await Task.sleep(for: .milliseconds(20))
    }
}

struct SocketFileMissing: Error, CustomStringConvertible {
    var path: String
    var description: String { "no socket appeared at \(path)" }
}

/// Runs a command under the seccomp filters that a unit's `SystemCallFilter=`,
/// `SystemCallErrorNumber=`, `MemoryDenyWriteExecute=` and `RestrictAddressFamilies=AF_UNIX`
/// ask systemd for, built the way systemd builds them (one filter per setting, syscall sets
/// expanded by `systemd-analyze syscall-filter`), through libseccomp from Python's ctypes. No
/// systemd runs as PID 1 here, so this is how the tests check that the daemon lives within
/// its unit's sandbox. As root it also drops to an unprivileged user first.
///
/// usage: python3 -c SCRIPT UNIT [USER] -- COMMAND...
enum UnitSandbox {
    static var python: String? {
        for candidate in ["/usr/bin/python3", Interop.python].compactMap({ $0 }) where FileManager.default.isExecutableFile(atPath: candidate) {
            return candidate
        }
        return nil
    }

    /// The command line that runs `command` under `unit`'s filters (as `user` when root).
    static func commandLine(unit: String, user: String?, command: [String]) throws -> [String] {
        guard let python else { throw SandboxUnavailable(reason: "no python3 at /usr/bin/python3 or $QCREDIT_PYTHON") }
        return [python, "-c", script, unit] + (user.map { [$0] } ?? []) + ["--"] + command
    }

    /// A copy of `program` in `scratch` (a directory every user may enter), for running it as
    /// another user: the checkout, and so the built binary, may sit in a directory only its owner
    /// can enter (a home directory, `mktemp -d`).
    static func reachableCopy(of program: String, in scratch: ScratchDirectory) throws -> String {
        let directory = scratch.path("bin")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        let copy = (directory as NSString).appendingPathComponent((program as NSString).lastPathComponent)
        try SecondUser.executableCopy(of: program, to: copy)
        return copy
    }

    /// Why `user` cannot run `program` the way the sandbox runs it (user switched, then exec), or
    /// nil when it can.
    static func problemRunning(_ program: String, as user: String) async -> String? {
        guard getpwnam(user) != nil else { return "there is no user \(user)" }
        guard let command = try? commandLine(unit: Repository.path("systemd/qcreditd.service"), user: user, command: [program, "--version"]),
            let result = try? await runCommand(command[0], Array(command.dropFirst()))
        else { return "the sandbox emulation cannot start (python3 with libseccomp is needed)" }
        guard result.status == 0 else { return "exit \(result.status): \(result.stdout)\(result.stderr)" }
        return nil
    }

    static let script = #"""
        import ctypes, ctypes.util, errno, os, subprocess, sys

        def main():
            split = sys.argv.index("--")
            unit, user, target = sys.argv[1], (sys.argv[2:split] or [None])[0], sys.argv[split + 1:]
            filters, error_number, deny_wx, families = [], None, False, None
            for line in open(unit):
                key, _, value = line.strip().partition("=")
                if key == "SystemCallFilter": filters.append(value)
                elif key == "SystemCallErrorNumber": error_number = value
                elif key == "MemoryDenyWriteExecute": deny_wx = value == "yes"
                elif key == "RestrictAddressFamilies": families = value.split()
            if not filters or filters[0].startswith("~"):
                raise SystemExit("expected an allow list (SystemCallFilter=@set) first")
            groups, current = {}, None
            listing = subprocess.run(["systemd-analyze", "syscall-filter"], check=True, capture_output=True, text=True).stdout
            for line in listing.splitlines():
                entry = line.strip()
                if line.startswith("@"): current = groups.setdefault(entry, [])
                elif entry and not entry.startswith("#") and current is not None: current.append(entry)
            def expand(name, seen=()):
                if not name.startswith("@"): return {name}
                return set().union(*[expand(entry, seen + (name,)) for entry in groups[name] if entry not in seen])
            allowed = set()
            for value in filters:
                names = set().union(*[expand(name) for name in value.lstrip("~").split()])
                allowed = allowed - names if value.startswith("~") else allowed | names

            lib = ctypes.CDLL(ctypes.util.find_library("seccomp") or "libseccomp.so.2", use_errno=True)
            lib.seccomp_init.restype = ctypes.c_void_p
            lib.seccomp_init.argtypes = [ctypes.c_uint32]
            lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
            class Comparison(ctypes.Structure):
                _fields_ = [("arg", ctypes.c_uint), ("op", ctypes.c_int), ("a", ctypes.c_uint64), ("b", ctypes.c_uint64)]
            lib.seccomp_rule_add_array.argtypes = [
                ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int, ctypes.c_uint, ctypes.POINTER(Comparison)]
            lib.seccomp_load.argtypes = [ctypes.c_void_p]
            ALLOW, KILL_PROCESS = 0x7FFF0000, 0x80000000
            def ERRNO(code): return 0x00050000 | (code & 0xFFFF)
            LT, GT, MASKED_EQ = 2, 6, 7
            def rule(ctx, action, name, *comparisons):
                number = lib.seccomp_syscall_resolve_name(name.encode())
                if number < 0: return  # not a system call on this architecture
                array = (Comparison * max(len(comparisons), 1))(*[Comparison(*c) for c in comparisons])
                rc = lib.seccomp_rule_add_array(ctx, action, number, len(comparisons), array)
                if rc < 0 and rc != -errno.EEXIST: raise OSError(-rc, "seccomp_rule_add " + name)
            def load(ctx):
                rc = lib.seccomp_load(ctx)
                if rc < 0: raise OSError(-rc, "seccomp_load")

            if user is not None and os.getuid() == 0:
                import pwd
                account = pwd.getpwnam(user)
                os.setgroups([])
                os.setgid(account.pw_gid)
                os.setuid(account.pw_uid)
            # One filter per setting, as systemd does; the kernel applies the strictest verdict.
            if deny_wx:
                ctx = lib.seccomp_init(ALLOW)
                for name in ("mmap", "mmap2"): rule(ctx, ERRNO(errno.EPERM), name, (2, MASKED_EQ, 6, 6))
                for name in ("mprotect", "pkey_mprotect"): rule(ctx, ERRNO(errno.EPERM), name, (2, MASKED_EQ, 4, 4))
                rule(ctx, ERRNO(errno.EPERM), "shmat", (2, MASKED_EQ, 0o100000, 0o100000))
                load(ctx)
            if families is not None:
                if families != ["AF_UNIX"]: raise SystemExit("only RestrictAddressFamilies=AF_UNIX is emulated")
                ctx = lib.seccomp_init(ALLOW)
                rule(ctx, ERRNO(errno.EAFNOSUPPORT), "socket", (0, LT, 1, 0))
                rule(ctx, ERRNO(errno.EAFNOSUPPORT), "socket", (0, GT, 1, 0))
                load(ctx)
            # The allow list last: it may forbid seccomp(2) itself.
            ctx = lib.seccomp_init(ERRNO(getattr(errno, error_number)) if error_number else KILL_PROCESS)
            for name in sorted(allowed): rule(ctx, ALLOW, name)
            load(ctx)
            os.execvp(target[0], target)

        main()
        """#
}

struct SandboxUnavailable: Error, CustomStringConvertible {
    var reason: String
    var description: String { "cannot emulate the unit's sandbox: \(reason)" }
}
