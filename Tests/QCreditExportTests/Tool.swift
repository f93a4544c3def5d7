import Foundation
import QCreditTestSupport
import Testing

/// External programs (coreutils, openssl, go).
enum Tool {
    struct Result {
        let status: Int32
        let output: String
    }

    static func path(of name: String) -> String? {
        if name.hasPrefix("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
        let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        return directories.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static func isAvailable(_ names: String...) -> Bool { names.allSatisfy { path(of: $0) != nil } }

    /// Runs `executable arguments…` in `directory`; returns its status and combined output.
    static func run(
        _ executable: String, _ arguments: [String], in directory: String, environment: [String: String] = [:]
    ) async throws -> Result {
        let child = try ChildProcess(
            try #require(path(of: executable), "\(executable) is not on the PATH"), arguments,
            environment: ChildProcess.environment(adding: environment), directory: directory, standardOutput: .pipe)
        // Suspends while it runs: a blocked thread would be one of the two every test's tasks share.
        let result = try await child.collect()
        return Result(status: result.status, output: String(decoding: result.output, as: UTF8.self))
    }

    /// Runs a shell command line in `directory` and expects it to succeed.
    @discardableResult
    static func shell(_ command: String, in directory: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> Result {
        let result = try await run("sh", ["-c", command], in: directory)
        #expect(result.status == 0, "\(command): \(result.output)", sourceLocation: sourceLocation)
        return result
    }
}
