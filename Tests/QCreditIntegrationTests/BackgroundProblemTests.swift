import CanonicalJSON
import Foundation
import Glibc
import Testing

/// Background work that fails is in `GetStatus` (and `qcredit status`) from its first failure
/// until its next success: an operator learns that checkpoints are not being signed without
/// reading the journal.
@Suite struct BackgroundProblemTests {
    static let config = """
        [log]
        checkpointIntervalSeconds = 1
        [roles]
        regulator = ["uid:\(getuid())"]
        operator = ["uid:\(getuid())"]
        """

    /// The status's problems once `done` holds for them, polled for up to 90 s.
    static func problems(of daemon: DaemonProcess, until done: ([JSONValue]) -> Bool) async throws -> [JSONValue] {
        let deadline = ContinuousClock.now + .seconds(90)
        while true {
            let problems = try await daemon.call("org.qcredit.operator.GetStatus")["problems"]?.arrayValue ?? []
            if done(problems) || ContinuousClock.now > deadline { return problems }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    @Test func aCheckpointThatCannotBeSignedIsAProblemUntilOneIs() async throws {
        let daemon = try await DaemonProcess(config: Self.config)
        #expect(try await Self.problems(of: daemon) { _ in true }.isEmpty)

        // The exports directory's copy of the checkpoint history cannot be written: a directory
        // stands where the file is (root can write anywhere, so a mode would not do).
        let history = (daemon.stateDirectory as NSString).appendingPathComponent("exports/checkpoint-history")
        try? FileManager.default.removeItem(atPath: history)
        try FileManager.default.createDirectory(atPath: history, withIntermediateDirectories: true)
        try await daemon.seed(from: 0, count: 1)
        _ = try await daemon.call("org.qcredit.admin.PublishGrades")

        let failing = try await Self.problems(of: daemon) { !$0.isEmpty }
        let problem = try #require(failing.first, "no problem reported; log:\n\(daemon.log)")
        #expect(failing.count == 1)
        #expect(problem["work"]?.stringValue == "checkpoint")
        #expect(problem["reason"]?.stringValue?.contains("checkpoint-history") == true, "\(problem)")
        #expect((problem["failures"]?.intValue ?? 0) >= 1)
        let since = try #require(problem["since"]?.stringValue)
        #expect(since <= (problem["lastFailure"]?.stringValue ?? ""))

        let cli = CLIHarness(daemon: daemon)
        let shown = try await cli.run(["status"])
        #expect(shown.status == 0)
        #expect(shown.stdout.contains("Problem          checkpoint failing since \(since)"), "\(shown.stdout)")

        // The next signature that succeeds ends it.
        try FileManager.default.removeItem(atPath: history)
        let cleared = try await Self.problems(of: daemon) { $0.isEmpty }
        #expect(cleared.isEmpty, "\(cleared)")
        #expect(try await cli.run(["status"]).stdout.contains("Problems         none"))
        await daemon.stop()
    }

    @Test func anExportThatFailsIsAProblemUntilOneIsWritten() async throws {
        let daemon = try await DaemonProcess(config: Self.config)
        try await daemon.seed(from: 0, count: 1)
        // The restricted parts' directory cannot be made: a file stands where it goes.
        let restricted = (daemon.stateDirectory as NSString).appendingPathComponent("exports/restricted")
        try FileManager.default.createDirectory(
            atPath: (restricted as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try? FileManager.default.removeItem(atPath: restricted)
        #expect(FileManager.default.createFile(atPath: restricted, contents: Data("not a directory\n".utf8)))

        let cli = CLIHarness(daemon: daemon)
        let refused = try await cli.run(["export"])
        #expect(refused.status != 0, "\(refused.stdout)")
        #expect(refused.stderr.contains("ExportFailed"), "\(refused.stderr)")
        let failing = try await Self.problems(of: daemon) { _ in true }
        let problem = try #require(failing.first { $0["work"]?.stringValue == "export" }, "\(failing); log:\n\(daemon.log)")
        #expect(problem["failures"]?.intValue == 1)
        #expect(problem["reason"]?.stringValue?.isEmpty == false)
        let since = try #require(problem["since"]?.stringValue)
        #expect(try await cli.run(["status"]).stdout.contains("Problem          export failing since \(since)"))

        try FileManager.default.removeItem(atPath: restricted)
        #expect(try await cli.run(["export"]).status == 0)
        let cleared = try await Self.problems(of: daemon) { _ in true }
        #expect(!cleared.contains { $0["work"]?.stringValue == "export" }, "\(cleared)")
        await daemon.stop()
    }
}
