import CanonicalJSON
import Foundation
import Glibc
import QCreditTestSupport
import Testing
import Varlink
import VarlinkNIO

/// A real `qcreditd` process on a temporary state directory and socket, for tests that need
/// the daemon as users run it. It is stopped (SIGTERM, then SIGKILL) and its directory
/// removed when the value goes away.
final class DaemonProcess: @unchecked Sendable {
    let directory: URL
    let socketPath: String
    let stateDirectory: String
    let configPath: String?
    private(set) var process: ChildProcess?
    private let logPath: String

    /// The directory holding the built products (`qcreditd`, `qcredit`, the test bundle).
    static var productsDirectory: URL {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        return executable.deletingLastPathComponent()
    }

    static func product(_ name: String) -> String { productsDirectory.appendingPathComponent(name).path }

    /// A config in which this test process holds only `role`.
    static func config(grantingMe role: String) -> String {
        """
        stateDirectory = "@STATE@"
        socket = "@SOCKET@"
        [roles]
        \(role) = ["uid:\(getuid())"]
        """
    }

    /// Starts a daemon. `config` is the TOML config text (development mode when nil); its
    /// `@STATE@` and `@SOCKET@` placeholders are replaced by this daemon's paths.
    /// `launcher` runs the daemon through another program (e.g. `strace … --`), which must
    /// exec it as its only child.
    /// `socketPathLength`, if given, makes the socket's path that many bytes long.
    init(
        config: String? = nil, extraArguments: [String] = [], stateDirectory: String? = nil, launcher: [String] = [],
        socketPathLength: Int? = nil
    ) async throws {
        directory = URL(fileURLWithPath: "/tmp").appendingPathComponent("qcredit-it-\(UUID().uuidString.prefix(8))")
        // Readable by others so a second user (nobody) can reach the socket in role tests.
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        let directoryLength = directory.path.utf8.count
        let socketName = socketPathLength.map { String(repeating: "s", count: $0 - directoryLength - 6) + ".sock" } ?? "qcreditd.sock"
        socketPath = directory.appendingPathComponent(socketName).path
        self.stateDirectory = stateDirectory ?? directory.appendingPathComponent("state").path
        logPath = directory.appendingPathComponent("qcreditd.log").path
        if let config {
            let path = directory.appendingPathComponent("qcreditd.toml").path
            let text = config.replacingOccurrences(of: "@STATE@", with: self.stateDirectory)
                .replacingOccurrences(of: "@SOCKET@", with: socketPath)
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            configPath = path
        } else {
            configPath = nil
        }
        self.extraArguments = extraArguments
        self.launcher = launcher
        try await start()
    }

    private let extraArguments: [String]
    private let launcher: [String]

    var arguments: [String] {
        var arguments = ["--state-dir", stateDirectory, "--socket", socketPath] + extraArguments
        if let configPath { arguments += ["--config", configPath] }
        return arguments
    }

    /// Starts (or restarts) the process and waits, suspended, until its socket accepts connections.
    func start() async throws {
        precondition(process?.isRunning != true, "already running")
        let command = launcher.isEmpty ? [Self.product("qcreditd")] + arguments : launcher + [Self.product("qcreditd")] + arguments
        let process = try ChildProcess(
            command[0], Array(command.dropFirst()), environment: ChildProcess.environment(adding: [:], removing: ["QCREDIT_SOCKET"]),
            standardOutput: .file(logPath))
        self.process = process
        // Generous: a full parallel run on two cores can leave this task unscheduled for tens of seconds.
        let deadline = ContinuousClock.now + .seconds(90)
        while !Self.accepts(socketPath) {
            guard process.isRunning else { throw DaemonFailed(log: self.log) }
            guard ContinuousClock.now < deadline else { throw DaemonFailed(log: "socket never accepted\n" + self.log) }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Replaces the config file's text (its placeholders as in `init`), for the next start.
    func rewriteConfig(_ config: String) throws {
        guard let path = configPath else { throw DaemonFailed(log: "the daemon runs without a config file") }
        try config.replacingOccurrences(of: "@STATE@", with: stateDirectory).replacingOccurrences(of: "@SOCKET@", with: socketPath)
            .write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// Starts the daemon expecting it to refuse: waits for it to exit (with a generous limit)
    /// and returns its exit status and what it logged.
    func startExpectingRefusal() async throws -> (status: Int32, log: String) {
        do {
            try await start()
        } catch is DaemonFailed {
            return (process?.exitStatus ?? -1, log)
        }
        await stop()
        return (0, log)
    }

    /// Graceful stop: SIGTERM, then waits for the process to end. Returns the exit status.
    @discardableResult
    func stop() async -> Int32 {
        guard let process else { return 0 }
        process.signal(SIGTERM)
        return await Self.waitForEnd(of: process)
    }

    /// Waits for `process` to end, suspended rather than blocking a thread: the test process
    /// runs every test's tasks on as many threads as there are cores (two here), and while
    /// both are held (in `waitpid`, an fsync, or long work of a debug build) no other test
    /// moves; one CI run stood still for 22 s that way. A process still running after two
    /// minutes (its shutdown bound is 10 s) is killed.
    private static func waitForEnd(of process: ChildProcess) async -> Int32 {
        if let status = try? await process.waitForExit(timeout: .seconds(120)) { return status }
        process.signal(SIGKILL)
        // Cancelled or still running: SIGKILL ends it at once, so this wait is short.
        return (try? await process.waitForExit(timeout: .seconds(60))) ?? process.waitUntilExit()
    }

    /// SIGTERM, then waits up to `limit` for the process to end. Returns the exit status and
    /// how long after the signal the process ended; a nil status when it was still running at
    /// the limit (it is then killed, and `after` is the limit). The end is seen by a thread of
    /// its own blocked in `waitpid`: this test's tasks may wait their turn for seconds on a
    /// loaded machine (a CI run measured 15.3 s for a stop the daemon's log showed taking 6 s),
    /// and that wait is not the daemon's.
    func terminate(within limit: Duration) async throws -> (status: Int32?, after: Duration) {
        guard let process else { return (nil, .zero) }
        let start = ContinuousClock.now
        process.signal(SIGTERM)
        let ended = Task { try await offThePool { (status: process.waitUntilExit(), at: ContinuousClock.now) } }
        guard try await process.waitForExit(timeout: limit) != nil else {
            await kill(SIGKILL)
            return (nil, limit)
        }
        let (status, at) = try await ended.value
        return (status, at - start)
    }

    /// The daemon's resident memory now and at its peak (`VmRSS`, `VmHWM`), in bytes.
    func memory() throws -> (resident: Int, peak: Int) {
        let pid = try #require(process?.pid)
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        func kilobytes(_ field: String) throws -> Int {
            let line = try #require(status.split(separator: "\n").first { $0.hasPrefix(field + ":") })
            return try #require(Int(line.split(separator: " ", omittingEmptySubsequences: true)[1])) * 1024
        }
        return (try kilobytes("VmRSS"), try kilobytes("VmHWM"))
    }

    /// Sends `signal` and waits for the process to end.
    func kill(_ signal: Int32 = SIGKILL) async {
        guard let process else { return }
        process.signal(signal)
        _ = await Self.waitForEnd(of: process)
    }

    var isRunning: Bool { process?.isRunning ?? false }

    /// The daemon's own pid: the started process, or its child when a launcher runs it.
    var daemonPID: pid_t? {
        guard let process, process.isRunning else { return nil }
        guard !launcher.isEmpty else { return process.pid }
        let pid = process.pid
        let children = (try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8)) ?? ""
        return children.split(separator: " ").first.flatMap { pid_t($0) }
    }

    /// What the daemon wrote to stderr so far.
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    func client() async throws -> VarlinkClient {
        try await VarlinkClient.connect(socketPath: socketPath)
    }

    /// One call on a fresh connection.
    func call(_ method: String, _ parameters: [String: JSONValue] = [:]) async throws -> [String: JSONValue] {
        let client = try await client()
        do {
            let reply = try await client.call(method, parameters: parameters)
            await client.close()
            return reply
        } catch {
            await client.close()
            throw error
        }
    }

    deinit {
        let directory = directory
        guard let process, process.isRunning else {
            try? FileManager.default.removeItem(at: directory)
            return
        }
        // A test that ended without stopping its daemon (it threw): the wait happens on a
        // thread of its own, for the reason `waitForEnd(of:)` gives.
        process.signal(SIGTERM)
        Thread {
            let deadline = Date().addingTimeInterval(10)
            while process.isRunning && Date() < deadline { usleep(10_000) }
            process.signal(SIGKILL)
            process.waitUntilExit()
            try? FileManager.default.removeItem(at: directory)
        }.start()
    }

    /// Whether something accepts connections on the socket at `path`.
    static func accepts(_ path: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) == 0
            }
        }
    }
}

struct DaemonFailed: Error, CustomStringConvertible {
    var log: String
    var description: String { "qcreditd did not start:\n\(log)" }
}

/// Runs a command to completion and captures its output.
struct CommandResult: Sendable {
    var status: Int32
    var stdout: String
    var stderr: String
}

///
/// Waiting suspends the calling task rather than blocking its thread (see `ChildProcess.collect`).
func runCommand(
    _ executable: String, _ arguments: [String], environment: [String: String] = [:], input: String? = nil,
    directory: String? = nil
) async throws -> CommandResult {
    let child = try ChildProcess(
        executable, arguments, environment: ChildProcess.environment(adding: environment), directory: directory,
        standardInput: .pipe, standardOutput: .pipe, standardError: .pipe)
    let result = try await child.collect(input: input.map { Data($0.utf8) })
    return CommandResult(
        status: result.status, stdout: String(decoding: result.output, as: UTF8.self),
        stderr: String(decoding: result.error, as: UTF8.self))
}

/// Runs `body` on a new thread (for blocking reads of a child's pipes).
func onOwnThread(_ body: @escaping @Sendable () -> Void) {
    let thread = Thread(block: body)
    thread.start()
}

/// A tiny lock-protected box for values filled in from other threads.
final class Mutexed<Value: Sendable>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()
    init(_ value: Value) { self.value = value }
    func set(_ newValue: Value) { lock.lock(); value = newValue; lock.unlock() }
    func get() -> Value { lock.lock(); defer { lock.unlock() }; return value }
    func modify(_ change: (inout Value) -> Void) { lock.lock(); change(&value); lock.unlock() }
}
