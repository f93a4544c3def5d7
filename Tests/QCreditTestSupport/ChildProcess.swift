import Foundation
import Glibc
import Synchronization

/// A program the tests start (the daemon, the CLI, third-party clients and verifiers), spawned
/// with `posix_spawn` rather than Foundation's `Process`.
///
/// Why not `Process`: the test bundle holds well over a thousand descriptors at its peak
/// (SQLite fixtures, sockets, daemons' accept loops), and `Process.run` walks them all to close
/// them in the child, which crashed the whole run once; its monitor thread also blocks for good
/// when a child closes the descriptor it watches (`systemd-socket-activate` does). Here the
/// child gets exactly 0, 1 and 2 (glibc closes the rest with `close_range`), starts with no
/// signal blocked and default handlers, and is reaped with `waitpid` on its own pid only.
///
/// ```swift
/// let child = try ChildProcess("/usr/bin/openssl", ["version"], standardOutput: .pipe)
/// let output = child.readStandardOutputToEnd()
/// let status = child.waitUntilExit()   // 0
/// ```
public final class ChildProcess: Sendable {
    /// Where one of the child's standard descriptors comes from or goes to.
    public enum Stream: Sendable {
        /// `/dev/null`.
        case null
        /// A pipe whose other end the test holds.
        case pipe
        /// A file, opened for appending (created if missing) or for reading (stdin).
        case file(String)
        /// The same as the child's standard output (for standard error only).
        case standardOutput
    }

    public let pid: pid_t
    /// The test's ends of the pipes asked for, or nil.
    public let standardInput: FileHandle?
    public let standardOutput: FileHandle?
    public let standardError: FileHandle?

    /// The exit status, once the child has been reaped.
    private let status = Mutex<Int32?>(nil)

    /// Starts `executable arguments…`. `environment` replaces the test's own environment when
    /// given; `directory` is the child's working directory.
    public init(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil, directory: String? = nil,
        standardInput input: Stream = .null, standardOutput output: Stream = .null, standardError error: Stream = .standardOutput
    ) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // The child's ends, closed here once it has started.
        var childEnds: [Int32] = []
        defer { childEnds.forEach { close($0) } }
        var parentEnds: [Int32: FileHandle] = [:]
        var failure: Int32 = 0

        for (target, stream) in [(Int32(0), input), (1, output), (2, error)] {
            switch stream {
            case .null:
                failure |= posix_spawn_file_actions_addopen(&actions, target, "/dev/null", target == 0 ? O_RDONLY : O_WRONLY, 0)
            case .file(let path):
                let flags = target == 0 ? O_RDONLY : O_WRONLY | O_CREAT | O_APPEND
                failure |= posix_spawn_file_actions_addopen(&actions, target, path, flags, 0o644)
            case .standardOutput:
                failure |= posix_spawn_file_actions_adddup2(&actions, 1, target)
            case .pipe:
                var ends: [Int32] = [-1, -1]
                guard pipe(&ends) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
                // Close-on-exec, so programs other threads start meanwhile do not hold them.
                ends.forEach { _ = fcntl($0, F_SETFD, FD_CLOEXEC) }
                let (childEnd, parentEnd) = target == 0 ? (ends[0], ends[1]) : (ends[1], ends[0])
                childEnds.append(childEnd)
                parentEnds[target] = FileHandle(fileDescriptor: parentEnd, closeOnDealloc: true)
                // dup2 clears close-on-exec on the copy the child keeps.
                failure |= posix_spawn_file_actions_adddup2(&actions, childEnd, target)
            }
        }
        if let directory { failure |= Self.addChangeDirectory(&actions, directory) }
        failure |= Self.addCloseFrom(&actions, 3)
        guard failure == 0 else { throw POSIXError(.ENOSYS) }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = (environment ?? ProcessInfo.processInfo.environment).map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard spawned == 0 else { throw SpawnFailed(executable: executable, code: spawned) }
        self.pid = pid
        standardInput = parentEnds[0]
        standardOutput = parentEnds[1]
        standardError = parentEnds[2]
    }

    /// The test's environment with `changes` applied.
    public static func environment(adding changes: [String: String], removing removed: [String] = []) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        for key in removed { environment.removeValue(forKey: key) }
        return environment.merging(changes) { $1 }
    }

    // MARK: Ending

    /// The exit status once the child has ended (128 + the signal when a signal ended it).
    public var exitStatus: Int32? { reap(blocking: false) }

    public var isRunning: Bool { exitStatus == nil }

    /// Sends `signal` unless the child has already been reaped.
    public func signal(_ signal: Int32) {
        status.withLock { if $0 == nil { kill(pid, signal) } }
    }

    /// Blocks the calling thread until the child ends; its exit status.
    @discardableResult
    public func waitUntilExit() -> Int32 {
        while true {
            if let status = reap(blocking: true) { return status }
            usleep(1_000)
        }
    }

    /// Waits, suspending rather than blocking a thread, until the child ends; nil if it is
    /// still running after `timeout`.
    public func waitForExit(timeout: Duration = .seconds(60)) async throws -> Int32? {
        let deadline = ContinuousClock.now + timeout
        // Looks often at first (most programs here end within milliseconds), then less.
        var pause = Duration.milliseconds(1)
        while true {
            if let status = reap(blocking: false) { return status }
            guard ContinuousClock.now < deadline else { return nil }
            try await Task.sleep(for: pause)
            pause = min(pause * 2, .milliseconds(50))
        }
    }

    /// Collects the status when the child has ended. A blocking wait holds no lock, so that
    /// `signal` still works meanwhile; whoever reaps records the status for everyone.
    private func reap(blocking: Bool) -> Int32? {
        if let known = status.withLock({ $0 }) { return known }
        let reaped = wait(options: blocking ? 0 : WNOHANG)
        return status.withLock { status in
            if status == nil { status = reaped }
            return status
        }
    }

    /// `waitpid` for this child: its exit status (128 + the signal when a signal ended it), or
    /// nil when it is still running or another thread reaped it.
    private func wait(options: Int32) -> Int32? {
        var raw: Int32 = 0
        var result: pid_t
        repeat { result = waitpid(pid, &raw, options) } while result == -1 && errno == EINTR
        guard result == pid else { return nil }
        let signal = raw & 0x7f
        return signal == 0 ? (raw >> 8) & 0xff : 128 + signal
    }

    // MARK: Output

    /// Reads the child's standard output (a pipe) until it is closed.
    public func readStandardOutputToEnd() -> Data { standardOutput?.readDataToEndOfFile() ?? Data() }

    /// Runs to completion, feeding `input` and collecting both pipes, each on a thread of its
    /// own so that neither a full pipe nor the caller can stall the child. Waiting suspends:
    /// a test that waits for a slow program (a Go build, a verifier) holds none of the few
    /// threads every other test's tasks run on. A child still running after `timeout` is
    /// killed.
    public func collect(input: Data? = nil, timeout: Duration = .seconds(600)) async throws -> (status: Int32, output: Data, error: Data) {
        let output = Collected()
        let error = Collected()
        for (handle, sink) in [(standardOutput, output), (standardError, error)] {
            guard let handle else {
                sink.data.withLock { $0 = Data() }
                continue
            }
            Thread {
                let data = handle.readDataToEndOfFile()
                sink.data.withLock { $0 = data }
            }.start()
        }
        if let standardInput {
            Thread {
                if let input { try? standardInput.write(contentsOf: input) }
                try? standardInput.close()
            }.start()
        }
        var status = try await waitForExit(timeout: timeout)
        if status == nil {
            signal(SIGKILL)
            status = try await waitForExit(timeout: .seconds(10))
        }
        // A grandchild that still holds a pipe keeps its reader waiting: give up on it after a while.
        let deadline = ContinuousClock.now + .seconds(10)
        while !(output.data.withLock { $0 != nil } && error.data.withLock { $0 != nil }) && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(2))
        }
        return (status ?? -1, output.data.withLock { $0 } ?? Data(), error.data.withLock { $0 } ?? Data())
    }

    /// A pipe's contents once its reader has reached the end.
    private final class Collected: Sendable {
        let data = Mutex<Data?>(nil)
    }

    deinit {
        if reap(blocking: false) == nil {
            kill(pid, SIGKILL)
            _ = reap(blocking: true)
        }
    }

    // MARK: glibc extensions

    private typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private typealias ChangeDirectory = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32

    /// `posix_spawn_file_actions_addclosefrom_np` (glibc 2.34) and `…_addchdir_np` (2.29):
    /// GNU extensions that Swift's Glibc module does not declare.
    private static let addCloseFrom: CloseFrom = glibcFunction("posix_spawn_file_actions_addclosefrom_np") { _, _ in ENOSYS }
    private static let addChangeDirectory: ChangeDirectory = glibcFunction("posix_spawn_file_actions_addchdir_np") { _, _ in ENOSYS }

    private static func glibcFunction<Function>(_ name: String, otherwise: Function) -> Function {
        guard let symbol = dlsym(nil, name) else { return otherwise }
        return unsafeBitCast(symbol, to: Function.self)
    }
}

/// `posix_spawn` refused to start a program.
public struct SpawnFailed: Error, CustomStringConvertible {
    public var executable: String
    public var code: Int32
    public var description: String { "cannot start \(executable): \(String(cString: strerror(code)))" }
}
