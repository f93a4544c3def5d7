import Foundation
import Glibc
import Synchronization
import VarlinkNIO

/// The pid of the daemon running now (trials run one at a time), for the signal handler.
private let runningDaemon = Atomic<Int32>(0)

/// The real `qcreditd` on one trial's state directory, in development mode (no config: the
/// running user holds every role). It is launched, killed with SIGKILL and launched again on the
/// same state; its stderr from every launch goes to one log file.
final class DaemonUnderTest: Sendable {
    let executable: String
    /// The trial's directory: state, socket and log.
    let directory: String
    let stateDirectory: String
    let socketPath: String
    let logPath: String

    private struct Launch {
        var process: Process?
        var exitStatus: Int32?
        var signalled = false
    }

    private let launch = Mutex(Launch())

    init(executable: String, directory: String) {
        self.executable = executable
        self.directory = directory
        stateDirectory = directory + "/state"
        socketPath = directory + "/qcreditd.sock"
        logPath = directory + "/qcreditd.log"
    }

    var exportsDirectory: String { stateDirectory + "/exports" }
    var checkpointFile: String { stateDirectory + "/checkpoint" }

    /// Starts a new process; it may still be opening its database when this returns.
    func start(note: String) throws {
        precondition(isRunning == false, "qcreditd is already running")
        if !FileManager.default.fileExists(atPath: logPath) { _ = FileManager.default.createFile(atPath: logPath, contents: nil) }
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        log.seekToEndOfFile()
        log.write(Data("--- \(note)\n".utf8))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["--state-dir", stateDirectory, "--socket", socketPath]
        process.standardOutput = log
        process.standardError = log
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "QCREDIT_SOCKET")
        process.environment = environment
        process.terminationHandler = { [weak self] ended in
            self?.launch.withLock { $0.exitStatus = ended.terminationStatus }
        }
        launch.withLock { $0 = Launch(process: process, exitStatus: nil) }
        try process.run()
        runningDaemon.store(process.processIdentifier, ordering: .relaxed)
    }

    /// When the harness itself is stopped (Ctrl-C, a CI timeout), it takes the daemon with it
    /// rather than leave it running on a trial directory.
    static func stopWithTheHarness() {
        for signal in [SIGINT, SIGTERM, SIGHUP] {
            _ = Glibc.signal(signal) { signal in
                let pid = runningDaemon.load(ordering: .relaxed)
                if pid > 0 { Glibc.kill(pid, SIGKILL) }
                _exit(128 + signal)
            }
        }
    }

    var isRunning: Bool { launch.withLock { $0.process != nil && $0.exitStatus == nil } }

    /// The exit status of the last launch, once it has ended.
    var exitStatus: Int32? { launch.withLock { $0.exitStatus } }

    /// Whether the harness has signalled the last launch to stop: until then, a connection that
    /// ends was ended by the daemon.
    var signalled: Bool { launch.withLock { $0.signalled } }

    /// Waits until the socket accepts connections; throws if the process ends first or `timeout` passes.
    func waitUntilServing(timeout: Duration = .seconds(30)) async throws {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let status = exitStatus { throw DaemonStopped(status: status) }
            if let client = try? await VarlinkClient.connect(socketPath: socketPath) {
                await client.close()
                return
            }
            guard ContinuousClock.now < deadline else { throw DaemonStopped(status: nil) }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Sends `signal` and waits for the process to end. Returns false when it had already ended
    /// by itself: a crash the trial did not cause.
    @discardableResult
    func stop(with signal: Int32 = SIGKILL) async -> Bool {
        let pid = launch.withLock { launch in
            launch.signalled = true
            return launch.exitStatus == nil ? launch.process?.processIdentifier : nil
        }
        guard let pid else { return false }
        Glibc.kill(pid, signal)
        while exitStatus == nil { try? await Task.sleep(for: .milliseconds(2)) }
        return true
    }

    /// The last `lines` lines of the daemon's log.
    func logTail(lines: Int = 15) -> String {
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }
}

/// The daemon ended (with `status`) or never accepted connections (`status` nil).
struct DaemonStopped: Error, CustomStringConvertible {
    var status: Int32?
    var description: String {
        status.map { "qcreditd exited with status \($0)" } ?? "qcreditd did not accept connections within 30 s"
    }
}

/// Runs `qcredit` to completion, its output going to `outputPath`; returns the exit status and the output.
func runQCredit(_ executable: String, _ arguments: [String], outputPath: String) async throws -> (status: Int32, output: String) {
    _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
    let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.standardOutput = output
    process.standardError = output
    let status: Int32 = try await withCheckedThrowingContinuation { continuation in
        process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
        do {
            try process.run()
        } catch {
            process.terminationHandler = nil
            continuation.resume(throwing: error)
        }
    }
    try output.close()
    return (status, (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "")
}
