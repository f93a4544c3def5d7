import Foundation
import QCreditTestSupport

/// A third-party program run for an interop test, its stdout and stderr together in a file.
/// Waiting suspends (no thread of the cooperative pool is held); a program still running after
/// its time limit is killed.
///
/// Stopping is SIGKILL: a child of the test process may start with SIGTERM blocked (it inherits
/// the mask of whichever thread spawned it), and these programs have nothing to save.
struct ExternalProgram {
    struct Result: Sendable {
        var status: Int32
        var output: String
    }

    /// Looks `name` up on the PATH (or takes an absolute path as it is).
    static func path(of name: String) -> String? {
        if name.hasPrefix("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
        let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        return directories.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs `executable arguments…` to completion.
    static func run(_ executable: String, _ arguments: [String], timeout: Duration = .seconds(60)) async throws -> Result {
        let running = try start(executable, arguments)
        return try await running.wait(timeout: timeout)
    }

    /// Starts `executable arguments…` and returns at once, for servers.
    static func start(_ executable: String, _ arguments: [String]) throws -> Running {
        try Running(executable: executable, arguments: arguments)
    }

    final class Running: Sendable {
        private let child: ChildProcess
        private let outputPath: String

        fileprivate init(executable: String, arguments: [String]) throws {
            outputPath = NSTemporaryDirectory() + "varlink-program-\(UUID().uuidString).out"
            child = try ChildProcess(executable, arguments, standardOutput: .file(outputPath))
        }

        /// What the program wrote so far.
        var output: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }

        /// Waits for the program to end; kills it after `timeout`.
        func wait(timeout: Duration = .seconds(60)) async throws -> Result {
            if let status = try await child.waitForExit(timeout: timeout) { return Result(status: status, output: output) }
            child.signal(SIGKILL)
            let status = try await child.waitForExit(timeout: .seconds(10)) ?? -1
            return Result(status: status, output: output)
        }

        /// Stops the program and waits for it.
        func stop() async {
            child.signal(SIGKILL)
            _ = try? await child.waitForExit(timeout: .seconds(10))
        }

        deinit {
            child.signal(SIGKILL)
            try? FileManager.default.removeItem(atPath: outputPath)
        }
    }
}
