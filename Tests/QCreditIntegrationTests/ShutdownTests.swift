import CanonicalJSON
import Foundation
import Glibc
import Testing

/// SIGTERM ends the daemon within its bound, whatever its clients do, and it still signs its
/// last checkpoint and exits 0.
@Suite struct ShutdownTests {
    /// A short bound keeps the test quick (the default, 10 s, is checked by the config tests);
    /// checkpoints are otherwise rare, so only the one signed at shutdown covers the writes.
    static let shutdownTimeoutSeconds = 8
    static let config = """
        [limits]
        shutdownTimeoutSeconds = \(shutdownTimeoutSeconds)
        [log]
        checkpointIntervalSeconds = 3600
        [roles]
        regulator = ["uid:\(getuid())"]
        bank = ["uid:\(getuid())"]
        auditor = ["uid:\(getuid())"]
        operator = ["uid:\(getuid())"]
        """

    @Test func aBankThatStopsReadingItsGradesDoesNotHoldShutdown() async throws {
        let daemon = try await DaemonProcess(config: Self.config)
        let enterprises = 50
        try await daemon.seed(from: 0, count: enterprises)
        let records = try await daemon.logSize()
        let checkpointPath = (daemon.stateDirectory as NSString).appendingPathComponent("checkpoint")
        #expect(try Self.checkpointSize(checkpointPath) < records, "only the last checkpoint should cover the writes")

        // 10,000 grades, megabytes of replies: far more than the socket buffers hold.
        let codes = (0..<10_000).map { JSONValue.string(DurabilityTests.uscc($0 % enterprises)) }
        let call = JSONValue.object([
            "method": "org.qcredit.query.GetGrades", "parameters": ["codes": .array(codes)], "more": true,
        ])
        let bank = try RawSocket(path: daemon.socketPath)
        #expect(bank.send(call.encoded() + [0]))
        #expect(bank.waitForData(), "the stream never started")
        // The bank never reads another byte.

        // How long the daemon took, seen by a thread of its own (DaemonProcess.terminate).
        let (status, elapsed) = try await daemon.terminate(within: .seconds(Self.shutdownTimeoutSeconds + 15))
        print("ShutdownTests: exit status \(status.map { "\($0)" } ?? "none") \(elapsed) after SIGTERM (bound \(Self.shutdownTimeoutSeconds) s)")
        #expect(status == 0, "the daemon was still running \(elapsed) after SIGTERM\n\(daemon.log)")
        // The bound holds for the whole stop, last checkpoint included, not only for the calls.
        #expect(elapsed < .seconds(Self.shutdownTimeoutSeconds), "\(elapsed)\n\(daemon.log)")
        #expect(daemon.log.contains("shutdown grace period over; closed connections still busy"), "\(daemon.log)")
        // The last checkpoint, signed after the server drained, covers every record.
        #expect(try Self.checkpointSize(checkpointPath) == records, "\(daemon.log)")
        // The operator's log says when the stop began and what the final checkpoint is.
        #expect(daemon.log.contains("stopping: no new connections"), "\(daemon.log)")
        #expect(daemon.log.contains("size=\(records) [QCreditDaemon] final checkpoint"), "\(daemon.log)")
    }

    /// A bank's change feed waits for the next change for ever; shutdown closes it at once
    /// instead of spending the grace period (here the default 10 s) waiting with it.
    @Test func aBankWatchingForChangesDoesNotDelayShutdown() async throws {
        let config = Self.config.replacingOccurrences(of: "shutdownTimeoutSeconds = \(Self.shutdownTimeoutSeconds)", with: "")
        let daemon = try await DaemonProcess(config: config)
        try await daemon.seed(from: 0, count: 3)
        let call = JSONValue.object([
            "method": "org.qcredit.query.WatchChanges", "parameters": ["codes": [.string(DurabilityTests.uscc(0))]], "more": true,
        ])
        let bank = try RawSocket(path: daemon.socketPath)
        #expect(bank.send(call.encoded() + [0]))
        // The first reply says the feed is live (its cursor); then it waits for changes.
        let live = try #require(bank.receive())
        #expect(live.contains("\"continues\":true"), "\(live)")

        // How long the daemon took, seen by a thread of its own (DaemonProcess.terminate).
        let (status, elapsed) = try await daemon.terminate(within: .seconds(20))
        #expect(status == 0, "\(daemon.log)")
        #expect(elapsed < .seconds(5), "SIGTERM took \(elapsed) with a watcher connected")
        #expect(!daemon.log.contains("shutdown grace period over"), "\(daemon.log)")
        #expect(bank.isClosedByPeer())
    }

    /// A regrade that maintenance is running when SIGTERM arrives (here the start's regrade of
    /// 30,000 files with a new event each) stops between batches, and the last checkpoint is
    /// signed after it stopped: it covers every record the daemon published.
    @Test func aRegradeInProgressStopsBeforeTheLastCheckpoint() async throws {
        let directory = URL(fileURLWithPath: "/tmp").appendingPathComponent("qcredit-regrade-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: directory) }
        let state = directory.appendingPathComponent("state").path
        let files = 30_000
        let load = try await runCommand(
            DaemonProcess.product("qcredit-bench"),
            ["export", "--enterprises", "\(files)", "--events", "\(files)", "--grades", "no", "--export", "no", "--directory", state])
        #expect(load.status == 0, "\(load.stdout)\(load.stderr)")

        let daemon = try await DaemonProcess(config: Self.config, stateDirectory: state)
        let before = try await daemon.logSize()
        var during = before
        let deadline = ContinuousClock.now + .seconds(60)
        while during == before && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
            during = try await daemon.logSize()
        }
        #expect(during > before, "the start's regrade published nothing\n\(daemon.log)")

        // How long the daemon took, seen by a thread of its own (DaemonProcess.terminate).
        let (status, elapsed) = try await daemon.terminate(within: .seconds(Self.shutdownTimeoutSeconds + 30))
        #expect(status == 0, "\(daemon.log)")
        #expect(elapsed < .seconds(Self.shutdownTimeoutSeconds + 8), "SIGTERM took \(elapsed) during a regrade")
        let database = (state as NSString).appendingPathComponent("registry.sqlite")
        let count = try await runCommand("/usr/bin/sqlite3", [database, "SELECT count(*) FROM publication"])
        let records = try #require(Int64(count.stdout.trimmingCharacters(in: .whitespacesAndNewlines)), "\(count.stderr)")
        #expect(records < before + Int64(files), "the regrade was not interrupted: it published all \(files) grades")
        #expect(daemon.log.contains("maintenance interrupted by shutdown"), "\(daemon.log)")
        // The interrupted batch rolls back as one: no file of it is logged as failing.
        #expect(!daemon.log.contains("cannot regrade") && !daemon.log.contains("maintenance failed"), "\(daemon.log)")
        let checkpoint = (state as NSString).appendingPathComponent("checkpoint")
        #expect(try Self.checkpointSize(checkpoint) == records, "records were published after the last checkpoint\n\(daemon.log)")
    }

    /// An export in progress when SIGTERM arrives stops at its next line: its caller gets
    /// `ExportFailed` saying the daemon is stopping (not a lost connection), nothing of it is
    /// left in the exports directory, and the daemon exits 0 within its bound. (Finished
    /// regardless, an export of a million files held a stopping daemon past systemd's stop
    /// timeout.)
    @Test func anExportInProgressStopsAndItsCallerIsToldWhy() async throws {
        let directory = URL(fileURLWithPath: "/tmp").appendingPathComponent("qcredit-export-stop-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: directory) }
        let state = directory.appendingPathComponent("state").path
        let load = try await runCommand(
            DaemonProcess.product("qcredit-bench"),
            ["export", "--enterprises", "60000", "--events", "0", "--grades", "no", "--export", "no", "--directory", state])
        #expect(load.status == 0, "\(load.stdout)\(load.stderr)")
        let daemon = try await DaemonProcess(config: Self.config, stateDirectory: state)
        let exports = state + "/exports"
        let socket = daemon.socketPath
        let client = Task { try await runCommand(DaemonProcess.product("qcredit"), ["export", "--full", "--socket", socket]) }
        let deadline = ContinuousClock.now + .seconds(60)
        func partials() -> [String] {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: exports)) ?? []
            let restricted = (try? FileManager.default.contentsOfDirectory(atPath: exports + "/restricted")) ?? []
            return (names + restricted).filter { $0.hasSuffix(".partial") }
        }
        while partials().isEmpty && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
        #expect(!partials().isEmpty, "no export was being written\n\(daemon.log)")

        let result = try await Self.terminate(daemon, answering: client, during: "an export")
        #expect(result.status == 1, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("ExportFailed") && result.stderr.contains("the daemon is stopping"), "\(result.stderr)")
        #expect(partials().isEmpty)
        let left = ((try? FileManager.default.contentsOfDirectory(atPath: exports)) ?? []).filter { $0.hasPrefix("qcredit-export-") }
        #expect(left.isEmpty, "\(left)")
        #expect(!daemon.log.contains("shutdown grace period over"), "\(daemon.log)")
    }

    /// A backup being copied when SIGTERM arrives stops at its next step: its caller gets
    /// `BackupFailed` saying the daemon is stopping, nothing staged stays in the state directory
    /// and no partial backup in `DEST`, and the daemon exits 0. (Copying a database of ten
    /// million files takes minutes: finished regardless, it held a stopping daemon past its
    /// bound.) The copy of 200,000 files lasts a fraction of a second, so a signal that comes
    /// after it finished is tried again, up to five times.
    @Test func aBackupBeingCopiedStopsAndItsCallerIsToldWhy() async throws {
        let directory = URL(fileURLWithPath: "/tmp").appendingPathComponent("qcredit-backup-stop-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: directory) }
        let state = directory.appendingPathComponent("state").path
        let load = try await runCommand(
            DaemonProcess.product("qcredit-bench"),
            // Graded: ungraded files would be regraded at each start, and a regrade's batch in progress
            // (not the backup) would then set how long SIGTERM takes.
            ["export", "--enterprises", "200000", "--events", "0", "--export", "no", "--directory", state])
        #expect(load.status == 0, "\(load.stdout)\(load.stderr)")
        func staged() -> [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: state)) ?? []).filter { $0.hasPrefix(".backup-") }
        }
        var stopped = false
        for attempt in 1...5 where !stopped {
            let daemon = try await DaemonProcess(config: Self.config, stateDirectory: state)
            let destination = directory.appendingPathComponent("backup-\(attempt)").path
            let socket = daemon.socketPath
            let client = Task { try await runCommand(DaemonProcess.product("qcredit"), ["backup", destination, "--socket", socket]) }
            let deadline = ContinuousClock.now + .seconds(60)
            while staged().isEmpty && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(2)) }
            #expect(!staged().isEmpty, "no backup was being staged\n\(daemon.log)")

            let result = try await Self.terminate(daemon, answering: client, during: "a backup")
            #expect(staged().isEmpty, "the staged copy stays: \(staged())")
            if result.status == 0 { continue }  // the copy had finished and was sent before the signal came
            stopped = true
            #expect(result.stderr.contains("BackupFailed") && result.stderr.contains("the daemon is stopping"), "\(result.stderr)")
            let left = (try? FileManager.default.contentsOfDirectory(atPath: destination)) ?? []
            #expect(left.isEmpty, "a partial backup stays in DEST: \(left)")
        }
        #expect(stopped, "in five tries, every backup finished before SIGTERM reached it")
    }

    /// Sends SIGTERM while `client`'s command is being answered: the daemon exits 0 within its
    /// bound (and a few seconds' slack); returns what the command got.
    static func terminate(_ daemon: DaemonProcess, answering client: Task<CommandResult, any Error>, during what: String)
        async throws -> CommandResult
    {
        // How long the daemon took, seen by a thread of its own (DaemonProcess.terminate).
        let (status, elapsed) = try await daemon.terminate(within: .seconds(shutdownTimeoutSeconds + 30))
        let result = try await client.value
        #expect(status == 0, "\(daemon.log)")
        #expect(elapsed < .seconds(shutdownTimeoutSeconds + 5), "SIGTERM took \(elapsed) during \(what)")
        return result
    }

    /// The tree size in a signed checkpoint file (its second line).
    /// An operator who copies `registry.sqlite` after a clean stop copies every acknowledged
    /// write: the write-ahead log was folded into the file, whatever order the connections closed in.
    @Test func aStoppedDaemonLeavesEveryWriteInTheDatabaseFile() async throws {
        let daemon = try await DaemonProcess(config: Self.config)
        try await daemon.seed(from: 0, count: 5)
        _ = try await daemon.call("org.qcredit.query.GetGrade", ["code": .string(DurabilityTests.uscc(4))])
        #expect(await daemon.stop() == 0)
        let database = (daemon.stateDirectory as NSString).appendingPathComponent("registry.sqlite")
        let walBytes = (try? FileManager.default.attributesOfItem(atPath: database + "-wal")[.size] as? Int) ?? 0
        #expect(walBytes == 0, "the write-ahead log still holds \(walBytes) bytes")
        let copy = daemon.directory.appendingPathComponent("copy.sqlite").path
        try FileManager.default.copyItem(atPath: database, toPath: copy)
        let count = try await runCommand("/usr/bin/sqlite3", [copy, "SELECT count(*) FROM enterprise"])
        #expect(count.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "5", "\(count.stderr)")
    }

    /// SIGINT (Ctrl-C in a terminal) is a graceful stop too: exit 0, every record checkpointed.
    @Test func sigintStopsTheDaemonGracefully() async throws {
        let daemon = try await DaemonProcess(config: Self.config)
        try await daemon.seed(from: 0, count: 3)
        let records = try await daemon.logSize()
        let pid = try #require(daemon.process?.pid)
        #expect(kill(pid, SIGINT) == 0)
        let status = try await daemon.process?.waitForExit(timeout: .seconds(30))
        #expect(status == 0, "\(daemon.log)")
        let checkpoint = (daemon.stateDirectory as NSString).appendingPathComponent("checkpoint")
        #expect(try Self.checkpointSize(checkpoint) == records, "\(daemon.log)")
        #expect(!FileManager.default.fileExists(atPath: daemon.socketPath), "the socket file was left behind")
    }

    static func checkpointSize(_ path: String) throws -> Int64 {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.contains { $0.hasPrefix("— ") }, "the checkpoint file holds no signature: \(text)")
        return try #require(lines.count > 1 ? Int64(lines[1]) : nil)
    }
}
