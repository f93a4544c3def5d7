import CanonicalJSON
import Foundation
import Testing
import Varlink

/// A database restored from an older backup never makes the daemon sign a second root for a size
/// it signed: it refuses to start behind its signed history, and `qcredit restore --entries`
/// brings the log back to that history from the nightly exports.
@Suite struct RestoreTests {
    /// The log config, with exports kept outside the state directory (as in production), so that
    /// losing the state directory does not lose the exports' history.
    static func config(exports: String) -> String {
        DaemonProcess.logConfig + "\n[export]\ndirectory = \"\(exports)\"\n"
    }

    /// A backup another user could change is refused before anything is read or written: they
    /// could have dropped the database's append-only triggers or changed a name outside the
    /// log's tables (an audit's restore took such a backup, and the daemon ran on it).
    @Test func aBackupAnotherUserCouldChangeIsRefused() async throws {
        try SecondUser.requireRoot()
        let scratch = try ScratchDirectory("restore-theirs")
        let backup = scratch.path("backup")
        #expect(mkdir(backup, 0o755) == 0 && chown(backup, 65534, 65534) == 0)
        let state = scratch.path("state")
        let result = try await runCommand(DaemonProcess.product("qcredit"), ["restore", backup, "--state-dir", state])
        #expect(result.status == 2 && result.stderr.contains("\(backup) belongs to another user (uid 65534)"), "\(result)")
        #expect(!FileManager.default.fileExists(atPath: state))
    }

    struct Scenario {
        let daemon: DaemonProcess
        let backup: String
        let export: String
        let configPath: String
        let rootAt12: JSONValue
    }

    /// A log of 7 records backed up, then grown to 12 and exported, then the daemon stopped;
    /// its signature lines name `keyName` when given, else the origin.
    static func scenario(keyName: String? = nil) async throws -> Scenario {
        let exports = FileManager.default.temporaryDirectory.appendingPathComponent("qcredit-exports-\(UUID().uuidString.prefix(8))").path
        var config = config(exports: exports)
        if let keyName {
            config = config.replacingOccurrences(of: "[log]\n", with: "[log]\nkeyName = \"\(keyName)\"\n")
        }
        let daemon = try await DaemonProcess(config: config)
        let qcredit = DaemonProcess.product("qcredit")
        try await daemon.seed(from: 0, count: 6)
        _ = try await daemon.waitForCheckpoint(ofSize: 7)
        let backup = daemon.directory.appendingPathComponent("backup-at-7").path
        let backedUp = try await runCommand(qcredit, ["backup", backup, "--socket", daemon.socketPath])
        #expect(backedUp.status == 0, "\(backedUp.stderr)")
        try await daemon.seed(from: 6, count: 5)
        let checkpoint = try await daemon.waitForCheckpoint(ofSize: 12)
        let exported = try await runCommand(qcredit, ["export", "--json", "--socket", daemon.socketPath])
        #expect(exported.status == 0, "\(exported.stderr)")
        let export = try #require(try JSONValue.parse(exported.stdout)["directory"]?.stringValue)
        #expect(await daemon.stop() == 0)
        return Scenario(
            daemon: daemon, backup: backup, export: export,
            configPath: daemon.directory.appendingPathComponent("qcreditd.toml").path,
            rootAt12: try #require(checkpoint["rootHash"]))
    }

    @Test func aRestoredOlderBackupIsRefusedUntilTheExportsReplayWhatItLacks() async throws {
        let scenario = try await Self.scenario()
        let daemon = scenario.daemon
        let qcredit = DaemonProcess.product("qcredit")
        defer { try? FileManager.default.removeItem(atPath: (scenario.export as NSString).deletingLastPathComponent) }

        // Without the exports' entries the log would be behind what it signed: never in place of
        // the database that holds all of it.
        let database = daemon.stateDirectory + "/registry.sqlite"
        let intact = FileManager.default.contents(atPath: database)
        let refused = try await runCommand(qcredit, ["restore", scenario.backup, "--config", scenario.configPath, "--state-dir", daemon.stateDirectory])
        #expect(refused.status == 2, "\(refused.stdout)\(refused.stderr)")
        #expect(refused.stderr.contains("the state directory's database holds 12 records"), "\(refused.stderr)")
        #expect(refused.stderr.contains("records 7..<12 missing"), "\(refused.stderr)")
        #expect(FileManager.default.contents(atPath: database) == intact)

        // With that database lost, the backup goes in, but the log is behind what it signed.
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: database + suffix) }
        let behind = try await runCommand(qcredit, ["restore", scenario.backup, "--config", scenario.configPath, "--state-dir", daemon.stateDirectory])
        #expect(behind.status == 5, "\(behind.stdout)\(behind.stderr)")
        #expect(behind.stderr.contains("WARNING: the log signed 12 records, but records 7..<12 are missing"), "\(behind.stdout)\(behind.stderr)")
        #expect(behind.stdout.contains("restored 7 records") && !behind.stdout.contains("WARNING"), "\(behind.stdout)")
        // Only the checkpoint file went aside: the message does not send the operator to a database there.
        #expect(behind.stdout.contains("there was no database to replace; the state directory's checkpoint file is kept in"), "\(behind.stdout)")
        #expect(!behind.stdout.contains("the database it replaced"), "\(behind.stdout)")
        let refusal = try await daemon.startExpectingRefusal()
        #expect(refusal.status != 0)
        #expect(refusal.log.contains("records 7..<12 are missing"), "\(refusal.log)")
        #expect(refusal.log.contains("qcredit restore"), "\(refusal.log)")
        #expect(!daemon.isRunning)

        // With them, the tree reaches 12 records again with the very root that was signed.
        let restored = try await runCommand(
            qcredit,
            ["restore", scenario.backup, "--entries", scenario.export, "--config", scenario.configPath, "--state-dir", daemon.stateDirectory])
        #expect(restored.status == 0, "\(restored.stdout)\(restored.stderr)")
        #expect(restored.stdout.contains("restored 12 records: 7 from the backup, 5 replayed from exports"), "\(restored.stdout)")
        #expect(restored.stdout.contains("the database it replaced is kept in"), "\(restored.stdout)")
        try await daemon.start()
        let checkpoint = try await daemon.call("org.qcredit.audit.GetCheckpoint")
        #expect(checkpoint["size"] == 12)
        #expect(checkpoint["rootHash"] == scenario.rootAt12)
        // Serving resumes: a write lands at index 12, and the log replays end to end.
        _ = try await daemon.call("org.qcredit.admin.RegisterEnterprise", ["code": .string(DurabilityTests.uscc(50)), "name": "After Co."])
        _ = try await daemon.call("org.qcredit.admin.PublishGrades", ["codes": [.string(DurabilityTests.uscc(50))]])
        let grade = try await daemon.call("org.qcredit.query.GetGrade", ["code": .string(DurabilityTests.uscc(50))])
        #expect(grade["grade"]?["logIndex"] == 12)
        _ = try await daemon.waitForCheckpoint(ofSize: 13)
        let (vkey, _) = try await daemon.verifierKey("ed25519")
        let replay = try await runCommand(qcredit, ["audit", "replay", "--vkey", vkey, "--socket", daemon.socketPath])
        #expect(replay.status == 0, "\(replay.stdout)\(replay.stderr)")
        let consistency = try await daemon.call("org.qcredit.audit.GetConsistencyProof", ["fromSize": 12, "toSize": 13])
        #expect(consistency["proof"]?.arrayValue?.isEmpty == false)
    }

    /// A restore puts the state directory's checkpoint file aside; the daemon started on the
    /// restored database writes it again from the database's newest checkpoint, so a backup
    /// taken before the next signature carries `checkpoint` as the README says (it held only
    /// `registry.sqlite`).
    @Test func aBackupTakenJustAfterARestoreCarriesTheCheckpoint() async throws {
        let exports = FileManager.default.temporaryDirectory.appendingPathComponent("qcredit-exports-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: exports) }
        let daemon = try await DaemonProcess(config: Self.config(exports: exports))
        let qcredit = DaemonProcess.product("qcredit")
        try await daemon.seed(from: 0, count: 2)
        _ = try await daemon.waitForCheckpointOfWholeLog()
        let first = daemon.directory.appendingPathComponent("backup-1").path
        #expect(try await runCommand(qcredit, ["backup", first, "--socket", daemon.socketPath]).status == 0)
        #expect(await daemon.stop() == 0)
        let configPath = try #require(daemon.configPath)
        let restored = try await runCommand(qcredit, ["restore", first, "--config", configPath, "--state-dir", daemon.stateDirectory])
        #expect(restored.status == 0, "\(restored.stdout)\(restored.stderr)")
        try await daemon.start()
        let second = daemon.directory.appendingPathComponent("backup-2").path
        let backedUp = try await runCommand(qcredit, ["backup", second, "--socket", daemon.socketPath])
        #expect(backedUp.status == 0, "\(backedUp.stderr)")
        #expect(FileManager.default.fileExists(atPath: second + "/checkpoint"), "\(backedUp.stdout)")
        #expect(await daemon.stop() == 0)
    }

    /// Restored without the daemon's --config, the exports directory restore knows is not the
    /// daemon's; the history of signed trees beside each export given still counts. Here it
    /// says the log signed past the export (a delta was written after it): restore says which
    /// records are missing and exits 5, instead of reporting the log whole at the export's tree
    /// for a daemon to sign other roots over those sizes.
    @Test func theHistoryBesideTheExportsGivenCountsWithoutTheConfig() async throws {
        let scenario = try await Self.scenario()
        let daemon = scenario.daemon
        let qcredit = DaemonProcess.product("qcredit")
        let exports = (scenario.export as NSString).deletingLastPathComponent
        defer { try? FileManager.default.removeItem(atPath: exports) }
        try await daemon.start()
        try await daemon.seed(from: 11, count: 3)
        _ = try await daemon.waitForCheckpoint(ofSize: 15)
        let deltaExported = try await runCommand(qcredit, ["export", "--json", "--socket", daemon.socketPath])
        #expect(deltaExported.status == 0, "\(deltaExported.stderr)")
        let delta = try #require(try JSONValue.parse(deltaExported.stdout)["directory"]?.stringValue)
        #expect(await daemon.stop() == 0)
        // The state directory lost all but its keys.
        func loseTheState() {
            for name in ["registry.sqlite", "registry.sqlite-wal", "registry.sqlite-shm", "checkpoint", "checkpoint-history"] {
                try? FileManager.default.removeItem(atPath: (daemon.stateDirectory as NSString).appendingPathComponent(name))
            }
        }
        loseTheState()
        let behind = try await runCommand(qcredit, ["restore", scenario.backup, "--entries", scenario.export, "--state-dir", daemon.stateDirectory])
        #expect(behind.status == 5, "\(behind.stdout)\(behind.stderr)")
        #expect(behind.stderr.contains("WARNING: the log signed 15 records, but records 12..<15 are missing"), "\(behind.stdout)\(behind.stderr)")
        #expect(!behind.stdout.contains("the log reaches its newest signed tree"), "\(behind.stdout)")

        // Given only the delta, which starts after the gap, restore says why it went unused.
        loseTheState()
        let gap = try await runCommand(qcredit, ["restore", scenario.backup, "--entries", delta, "--state-dir", daemon.stateDirectory])
        #expect(gap.status == 5, "\(gap.stdout)\(gap.stderr)")
        #expect(gap.stderr.contains("records 7..<15 are missing"), "\(gap.stderr)")
        #expect(
            gap.stderr.contains("; not used: \(delta) (records 12..<15), since the replay runs without a gap and no export given holds record 7"),
            "\(gap.stdout)\(gap.stderr)")

        // The same export given through a link from another folder: its own folder's history counts.
        let elsewhere = daemon.directory.appendingPathComponent("elsewhere").path
        try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: true)
        let link = elsewhere + "/latest"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: scenario.export)
        loseTheState()
        let linked = try await runCommand(qcredit, ["restore", scenario.backup, "--entries", link, "--state-dir", daemon.stateDirectory])
        #expect(linked.status == 5 && linked.stderr.contains("records 12..<15 are missing"), "\(linked.stdout)\(linked.stderr)")

        // A history beside a copy that does not record the export's own tree is not this log's: it
        // is left alone (a planted size would otherwise keep the daemon from starting for good).
        let copies = daemon.directory.appendingPathComponent("copies").path
        let copy = copies + "/" + (scenario.export as NSString).lastPathComponent
        try FileManager.default.createDirectory(atPath: copies, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: scenario.export, toPath: copy)
        try "99 \(String(repeating: "A", count: 43))=\n".write(toFile: copies + "/checkpoint-history", atomically: true, encoding: .utf8)
        loseTheState()
        let planted = try await runCommand(qcredit, ["restore", scenario.backup, "--entries", copy, "--state-dir", daemon.stateDirectory])
        #expect(planted.status == 0, "\(planted.stdout)\(planted.stderr)")
        #expect(planted.stdout.contains("the log reaches its newest signed tree (12 records"), "\(planted.stdout)")
        let recorded = try String(contentsOfFile: daemon.stateDirectory + "/checkpoint-history", encoding: .utf8)
        #expect(!recorded.contains("99 "), "\(recorded)")
    }

    /// A backup copied back by hand, with both checkpoint histories lost too: the newest export
    /// still holds the tree of 12 the log signed, and the daemon refuses to start behind it
    /// instead of signing a second root for size 7 onwards.
    @Test func theNewestExportKeepsTheLogFromForkingWhenBothHistoriesAreLost() async throws {
        let scenario = try await Self.scenario()
        let daemon = scenario.daemon
        let exports = (scenario.export as NSString).deletingLastPathComponent
        defer { try? FileManager.default.removeItem(atPath: exports) }
        let files = FileManager.default
        for name in ["registry.sqlite", "registry.sqlite-wal", "registry.sqlite-shm", "checkpoint", "checkpoint-history"] {
            try? files.removeItem(atPath: (daemon.stateDirectory as NSString).appendingPathComponent(name))
        }
        for name in ["registry.sqlite", "checkpoint"] {
            try files.copyItem(
                atPath: (scenario.backup as NSString).appendingPathComponent(name),
                toPath: (daemon.stateDirectory as NSString).appendingPathComponent(name))
        }
        try files.removeItem(atPath: (exports as NSString).appendingPathComponent("checkpoint-history"))

        let refusal = try await daemon.startExpectingRefusal()
        #expect(refusal.status != 0)
        #expect(refusal.log.contains("records 7..<12 are missing"), "\(refusal.log)")
        #expect(refusal.log.contains(scenario.export), "the refusal names the export that holds the tree: \(refusal.log)")
        #expect(!daemon.isRunning)
    }

    /// A log whose signature lines carry a key name of their own (`[log] keyName`) is checked
    /// under that name, and the public halves `qcredit keygen` leaves beside the keys are not
    /// taken for keys.
    @Test func aLogSignedUnderItsOwnKeyNameRestores() async throws {
        let scenario = try await Self.scenario(keyName: "qcredit.test/signer")
        let daemon = scenario.daemon
        defer { try? FileManager.default.removeItem(atPath: (scenario.export as NSString).deletingLastPathComponent) }
        try "-----BEGIN PUBLIC KEY-----\nnot a private key\n-----END PUBLIC KEY-----\n"
            .write(toFile: daemon.stateDirectory + "/keys/ed25519.pub.pem", atomically: true, encoding: .utf8)
        let restored = try await runCommand(
            DaemonProcess.product("qcredit"),
            ["restore", scenario.backup, "--entries", scenario.export, "--config", scenario.configPath, "--state-dir", daemon.stateDirectory])
        #expect(restored.status == 0, "\(restored.stdout)\(restored.stderr)")
        #expect(restored.stdout.contains("the log reaches its newest signed tree (12 records"), "\(restored.stdout)")
        try await daemon.start()
        #expect(try await daemon.call("org.qcredit.audit.GetCheckpoint")["rootHash"] == scenario.rootAt12)
        let (vkey, _) = try await daemon.verifierKey("ed25519")
        #expect(vkey.hasPrefix("qcredit.test/signer+"), "\(vkey)")
    }

    /// A state directory lost with its keys: the restore brings the log back, but the daemon
    /// makes no new keys for it (that would be a second identity for an existing log).
    @Test func noNewKeysAreMadeForAnExistingLog() async throws {
        let scenario = try await Self.scenario()
        let daemon = scenario.daemon
        let qcredit = DaemonProcess.product("qcredit")
        defer { try? FileManager.default.removeItem(atPath: (scenario.export as NSString).deletingLastPathComponent) }
        let keys = daemon.directory.appendingPathComponent("saved-keys").path
        try FileManager.default.moveItem(atPath: daemon.stateDirectory + "/keys", toPath: keys)
        try FileManager.default.removeItem(atPath: daemon.stateDirectory)

        // Without its config, restore cannot know where the exports' copy of the signed history
        // is, and a new state directory holds none: nothing says how far the log signed after
        // the backup, so a daemon on it (its keys put back) could fork the log. Refused,
        // nothing made, unless the operator vouches that the backup is the newest tree.
        let elsewhere = daemon.directory.appendingPathComponent("state-without-config").path
        let unconfigured = try await runCommand(qcredit, ["restore", scenario.backup, "--state-dir", elsewhere])
        #expect(unconfigured.status == 2, "\(unconfigured.stdout)\(unconfigured.stderr)")
        #expect(unconfigured.stderr.contains("no record of the trees this log signed is at hand"), "\(unconfigured.stderr)")
        #expect(!FileManager.default.fileExists(atPath: elsewhere + "/registry.sqlite"))
        let vouched = try await runCommand(qcredit, ["restore", scenario.backup, "--state-dir", elsewhere, "--backup-is-newest"])
        #expect(vouched.status == 0, "\(vouched.stdout)\(vouched.stderr)")
        #expect(vouched.stderr.contains("holds no checkpoint-history: only the state directory's history was checked"),
            "\(vouched.stdout)\(vouched.stderr)")

        let restored = try await runCommand(
            qcredit,
            ["restore", scenario.backup, "--entries", scenario.export, "--config", scenario.configPath, "--state-dir", daemon.stateDirectory])
        #expect(restored.status == 0, "\(restored.stdout)\(restored.stderr)")
        #expect(restored.stderr.contains("no signing key"), "\(restored.stderr)")
        #expect(!restored.stderr.contains("holds no checkpoint-history"), "\(restored.stderr)")
        // Refused before anything is made: no keys (not even keys/), no exports/, no lock file.
        let before = try DaemonStartTests.stateFiles(daemon.stateDirectory)
        let refusal = try await daemon.startExpectingRefusal()
        #expect(refusal.status != 0)
        #expect(refusal.log.contains("no signing key is configured"), "\(refusal.log)")
        #expect(!FileManager.default.fileExists(atPath: daemon.stateDirectory + "/keys"), "keys/ was made")
        let after = try DaemonStartTests.stateFiles(daemon.stateDirectory)
        #expect(after == before, "\(after.filter { before[$0.key] != $0.value }.keys.sorted()) \(before.keys.sorted())")

        // With its keys back, the log goes on under its one identity.
        try FileManager.default.moveItem(atPath: keys, toPath: daemon.stateDirectory + "/keys")
        try await daemon.start()
        #expect(try await daemon.call("org.qcredit.audit.GetCheckpoint")["rootHash"] == scenario.rootAt12)
    }

    /// A state directory lost (keys saved elsewhere), the exports kept: the daemon refuses to
    /// start on a fresh database before writing anything to it, naming every record it lacks.
    @Test func aLostStateDirectoryIsRefusedBeforeTheDaemonWritesAnything() async throws {
        let scenario = try await Self.scenario()
        let daemon = scenario.daemon
        defer { try? FileManager.default.removeItem(atPath: (scenario.export as NSString).deletingLastPathComponent) }
        let keys = daemon.directory.appendingPathComponent("saved-keys").path
        try FileManager.default.moveItem(atPath: daemon.stateDirectory + "/keys", toPath: keys)
        try FileManager.default.removeItem(atPath: daemon.stateDirectory)
        try FileManager.default.createDirectory(atPath: daemon.stateDirectory, withIntermediateDirectories: false)
        try FileManager.default.moveItem(atPath: keys, toPath: daemon.stateDirectory + "/keys")

        let refusal = try await daemon.startExpectingRefusal()
        #expect(refusal.status != 0)
        // Not "records 1..<12": the daemon wrote no policy record of its own first. It says the
        // database is missing, and where a restore stopped part way left it (it spoke of a
        // database holding 0 records).
        #expect(refusal.log.contains("records 0..<12 are missing"), "\(refusal.log)")
        #expect(refusal.log.contains("but there is no database (\(daemon.stateDirectory)/registry.sqlite)"), "\(refusal.log)")
        #expect(refusal.log.contains("replaced-<time>/"), "\(refusal.log)")
        let again = try await daemon.startExpectingRefusal()
        #expect(again.log.contains("records 0..<12 are missing"), "\(again.log)")
        // Refused before anything was made there: no empty database for restore to move aside.
        #expect(try FileManager.default.contentsOfDirectory(atPath: daemon.stateDirectory) == ["keys"])
    }

    /// A database a daemon was killed over holds its newest acknowledged writes in its
    /// write-ahead log. A restore folds that log into the database it moves aside, so that
    /// `replaced-<time>/` holds them in `registry.sqlite` itself, and it reads a folder given as
    /// a backup (such a `replaced-<time>/`, a cold copy) with its log: it read the database
    /// file alone, and the writes were lost, or the restore refused as behind the signed log (audit).
    @Test func aDatabaseKilledWithWritesInItsLogKeepsThemThroughRestores() async throws {
        let exports = FileManager.default.temporaryDirectory.appendingPathComponent("qcredit-exports-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: exports) }
        let daemon = try await DaemonProcess(config: Self.config(exports: exports))
        let qcredit = DaemonProcess.product("qcredit")
        try await daemon.seed(from: 0, count: 5)
        let size = try #require(try await daemon.waitForCheckpointOfWholeLog()["size"]?.intValue)
        await daemon.kill()
        let database = daemon.stateDirectory + "/registry.sqlite"
        let walSize = { (path: String) in (try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? 0 }
        #expect(walSize(database) > 0, "the writes are in the write-ahead log")
        // A cold copy of the killed state: its database and write-ahead log, as they are.
        let copy = daemon.directory.appendingPathComponent("copy").path
        try FileManager.default.createDirectory(atPath: copy, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        for file in ["registry.sqlite", "registry.sqlite-wal", "checkpoint"] {
            try FileManager.default.copyItem(atPath: daemon.stateDirectory + "/" + file, toPath: copy + "/" + file)
        }
        let configPath = try #require(daemon.configPath)
        let restored = try await runCommand(qcredit, ["restore", copy, "--config", configPath, "--state-dir", daemon.stateDirectory])
        #expect(restored.status == 0, "\(restored.stdout)\(restored.stderr)")
        #expect(restored.stdout.contains("restored \(size) records"), "\(restored.stdout)")
        // The database moved aside holds every write in its own file.
        let replaced = try #require(try FileManager.default.contentsOfDirectory(atPath: daemon.stateDirectory).first { $0.hasPrefix("replaced-") })
        let aside = daemon.stateDirectory + "/" + replaced + "/registry.sqlite"
        #expect(walSize(aside) == 0)
        try FileManager.default.removeItem(atPath: copy)
        try FileManager.default.copyItem(atPath: daemon.stateDirectory + "/" + replaced, toPath: copy)
        #expect(try await runCommand(qcredit, ["restore", copy, "--config", configPath, "--state-dir", daemon.stateDirectory]).status == 0)
        try await daemon.start()
        #expect(try await daemon.call("org.qcredit.audit.GetCheckpoint")["size"] == .int(Int64(size)))
        let last = try await daemon.call("org.qcredit.query.GetFile", ["code": .string(DurabilityTests.uscc(4))])
        #expect(last["file"] != nil)
        #expect(await daemon.stop() == 0)
    }

    @Test func restoreRefusesWhileTheDaemonRuns() async throws {
        let daemon = try await DaemonProcess(config: DaemonProcess.logConfig)
        let qcredit = DaemonProcess.product("qcredit")
        let backup = daemon.directory.appendingPathComponent("backup").path
        #expect(try await runCommand(qcredit, ["backup", backup, "--socket", daemon.socketPath]).status == 0)
        let refused = try await runCommand(qcredit, ["restore", backup, "--state-dir", daemon.stateDirectory])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("stop qcreditd first"), "\(refused.stderr)")
        // And a second daemon on the same state directory is refused too.
        do {
            _ = try await DaemonProcess(config: DaemonProcess.logConfig, stateDirectory: daemon.stateDirectory)
            Issue.record("a second daemon started on a state directory in use")
        } catch let failure as DaemonFailed {
            #expect(failure.log.contains("is locked"), "\(failure.log)")
        }
    }

    /// What restore takes from outside the state directory is trusted only once it verifies
    /// with the log's keys: an export whose MANIFEST was edited, a backup whose checkpoint was
    /// edited, a damaged or empty backup, or another log's backup is refused, and the state
    /// directory (database and signed history) is left as it was.
    /// A daemon signing with the "old" of two key sets, its log of 4 records backed up; with the
    /// config maker for the sets, the backup's path and its size.
    static func backedUpUnderOldKeys(in scratch: URL) async throws
        -> (DaemonProcess, @Sendable ([String]) -> String, String, Int64)
    {
        let config = try await LogIntegrityTests.rotationKeys(in: scratch)
        let daemon = try await DaemonProcess(config: config(["old"]))
        try await daemon.seed(from: 0, count: 3)
        let size = try await daemon.logSize()
        _ = try await daemon.waitForCheckpoint(ofSize: size)
        let backup = daemon.directory.appendingPathComponent("backup-before-rotation").path
        #expect(try await runCommand(DaemonProcess.product("qcredit"), ["backup", backup, "--socket", daemon.socketPath]).status == 0)
        return (daemon, config, backup, size)
    }

    /// A backup taken before a key rotation holds checkpoints only the old keys signed; restored
    /// under the new keys alone, with the export the new keys signed, the log reaches that
    /// export's tree and the daemon starts with the new keys alone.
    @Test func aBackupFromBeforeAKeyRotationRestoresUnderTheNewKeys() async throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("qcredit-rekey-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let (daemon, config, backup, backedUpSize) = try await Self.backedUpUnderOldKeys(in: scratch)
        let qcredit = DaemonProcess.product("qcredit")
        #expect(await daemon.stop() == 0)
        try await LogIntegrityTests.rotate(daemon, config, seedingFrom: 3)
        try await daemon.seed(from: 4, count: 1)
        let size = try await daemon.logSize()
        let newest = try await daemon.waitForCheckpoint(ofSize: size)
        let export = try #require(try await daemon.call("org.qcredit.operator.Export", ["full": true])["directory"]?.stringValue)
        #expect(await daemon.stop() == 0)

        // Restored without the export, over a lost database: the daemon names the records the
        // log lacks, not the keys (the newest checkpoint the backup holds is the old keys'
        // alone, and listing the old keys would only lead to this refusal).
        let database = daemon.stateDirectory + "/registry.sqlite"
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: database + suffix) }
        let behind = try await runCommand(
            qcredit,
            ["restore", backup, "--config", daemon.directory.appendingPathComponent("qcreditd.toml").path, "--state-dir", daemon.stateDirectory])
        #expect(behind.status == 5, "\(behind.stdout)\(behind.stderr)")
        let refusal = try await daemon.startExpectingRefusal()
        #expect(refusal.log.contains("records \(backedUpSize)..<\(size) are missing"), "\(refusal.log)")
        #expect(!refusal.log.contains("configured signing keys"), "\(refusal.log)")

        let restored = try await runCommand(
            qcredit,
            ["restore", backup, "--entries", export, "--config", daemon.directory.appendingPathComponent("qcreditd.toml").path,
             "--state-dir", daemon.stateDirectory])
        #expect(restored.status == 0, "\(restored.stdout)\(restored.stderr)")
        #expect(restored.stdout.contains("restored \(size) records: \(backedUpSize) from the backup"), "\(restored.stdout)")
        #expect(restored.stdout.contains("the log reaches its newest signed tree (\(size) records"), "\(restored.stdout)")
        try await daemon.start()
        let checkpoint = try await daemon.call("org.qcredit.audit.GetCheckpoint")
        #expect(checkpoint["size"]?.intValue == size)
        #expect(checkpoint["rootHash"] == newest["rootHash"])
        try await daemon.seed(from: 5, count: 1)
        _ = try await daemon.waitForCheckpoint(ofSize: size + 1)
    }

    /// An export the old keys alone signed, before a rotation, stays the log's (README, *Keys and
    /// rotation*): restored under the new keys alone, its entries replay, since the keys it
    /// publishes verify it and its tree is on record as signed; then the new keys' delta.
    @Test func anExportSignedBeforeAKeyRotationStillReplaysUnderTheNewKeys() async throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("qcredit-rekey-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let (daemon, config, backup, _) = try await Self.backedUpUnderOldKeys(in: scratch)
        let qcredit = DaemonProcess.product("qcredit")
        try await daemon.seed(from: 3, count: 2)
        _ = try await daemon.waitForCheckpoint(ofSize: try await daemon.logSize())
        let signedByOldKeys = try #require(try await daemon.call("org.qcredit.operator.Export", ["full": true])["directory"]?.stringValue)
        #expect(await daemon.stop() == 0)
        try await LogIntegrityTests.rotate(daemon, config, seedingFrom: 5)
        try await daemon.seed(from: 6, count: 1)
        let size = try await daemon.logSize()
        let newest = try await daemon.waitForCheckpoint(ofSize: size)
        let delta = try #require(try await daemon.call("org.qcredit.operator.Export", [:])["directory"]?.stringValue)
        #expect(await daemon.stop() == 0)

        let restored = try await runCommand(
            qcredit,
            ["restore", backup, "--entries", signedByOldKeys, delta,
             "--config", daemon.directory.appendingPathComponent("qcreditd.toml").path, "--state-dir", daemon.stateDirectory])
        #expect(restored.status == 0, "\(restored.stdout)\(restored.stderr)")
        #expect(restored.stdout.contains("the log reaches its newest signed tree (\(size) records"), "\(restored.stdout)")
        #expect(restored.stdout.contains("\(signedByOldKeys) was checked with the keys it publishes"), "\(restored.stdout)")
        try await daemon.start()
        let checkpoint = try await daemon.call("org.qcredit.audit.GetCheckpoint")
        #expect(checkpoint["size"]?.intValue == size && checkpoint["rootHash"] == newest["rootHash"], "\(checkpoint)")
    }

    /// Restore run as root for a state directory its daemon's user owns leaves every file it
    /// made to that user, so the daemon can open its database.
    @Test(.enabled(if: geteuid() == 0, "needs root to own files for another user"))
    func aRestoreRunAsRootLeavesTheFilesToTheStateDirectorysOwner() async throws {
        let scenario = try await Self.scenario()
        let daemon = scenario.daemon
        defer { try? FileManager.default.removeItem(atPath: (scenario.export as NSString).deletingLastPathComponent) }
        let nobody = try #require(getpwnam("nobody")).pointee
        let state = daemon.stateDirectory
        #expect(try await runCommand("/bin/chown", ["-R", "\(nobody.pw_uid):\(nobody.pw_gid)", state]).status == 0)
        let restored = try await runCommand(
            DaemonProcess.product("qcredit"),
            ["restore", scenario.backup, "--entries", scenario.export, "--config", scenario.configPath, "--state-dir", state])
        #expect(restored.status == 0, "\(restored.stdout)\(restored.stderr)")
        let replaced = try #require(try FileManager.default.contentsOfDirectory(atPath: state).first { $0.hasPrefix("replaced-") })
        for file in ["registry.sqlite", "checkpoint-history", "qcreditd.lock", replaced, replaced + "/registry.sqlite"] {
            var status = stat()
            #expect(stat(state + "/" + file, &status) == 0, "\(file)")
            #expect(status.st_uid == nobody.pw_uid && status.st_gid == nobody.pw_gid, "\(file) is owned by \(status.st_uid):\(status.st_gid)")
        }
    }

    @Test func tamperedOrForeignInputIsRefusedAndChangesNothing() async throws {
        let scenario = try await Self.scenario()
        let daemon = scenario.daemon
        let qcredit = DaemonProcess.product("qcredit")
        defer { try? FileManager.default.removeItem(atPath: (scenario.export as NSString).deletingLastPathComponent) }
        let files = FileManager.default
        let state = daemon.stateDirectory
        let history = state + "/checkpoint-history"
        func snapshot() throws -> (database: Data?, history: Data?) {
            (files.contents(atPath: state + "/registry.sqlite"), files.contents(atPath: history))
        }
        let before = try snapshot()
        func restore(_ backup: String, entries: [String] = []) async throws -> CommandResult {
            try await runCommand(
                qcredit,
                ["restore", backup] + entries.flatMap { ["--entries", $0] } + ["--config", scenario.configPath, "--state-dir", state])
        }
        func copy(_ directory: String, as name: String) throws -> String {
            let target = daemon.directory.appendingPathComponent(name).path
            try files.copyItem(atPath: directory, toPath: target)
            return target
        }

        // An export whose MANIFEST claims a larger tree: its signature no longer verifies.
        let forged = try copy(scenario.export, as: "forged-export")
        let manifest = try String(contentsOfFile: forged + "/MANIFEST", encoding: .utf8)
        try manifest.replacingOccurrences(of: "# tree-size 12", with: "# tree-size 14").write(
            toFile: forged + "/MANIFEST", atomically: true, encoding: .utf8)
        let refusedExport = try await restore(scenario.backup, entries: [forged])
        #expect(refusedExport.status == 4, "\(refusedExport.stdout)\(refusedExport.stderr)")
        #expect(refusedExport.stderr.contains("does not verify with the log's keys"), "\(refusedExport.stderr)")
        // Into a state directory that holds only its keys folder, a refused restore leaves no lock file behind either.
        let keysOnly = daemon.directory.appendingPathComponent("keys-only").path
        try files.createDirectory(atPath: keysOnly + "/keys", withIntermediateDirectories: true)
        let refusedThere = try await runCommand(
            qcredit, ["restore", scenario.backup, "--entries", forged, "--config", scenario.configPath, "--state-dir", keysOnly])
        #expect(refusedThere.status != 0, "\(refusedThere.stdout)\(refusedThere.stderr)")
        #expect(refusedThere.stderr.contains("nothing was changed"), "\(refusedThere.stderr)")
        #expect(try files.contentsOfDirectory(atPath: keysOnly) == ["keys"])

        // A path that is no export at all is named as what it is (it was "holds no MANIFEST" for all).
        let absent = daemon.directory.appendingPathComponent("no-such-export").path
        let refusedAbsent = try await restore(scenario.backup, entries: [absent])
        #expect(refusedAbsent.status == 2, "\(refusedAbsent.stdout)\(refusedAbsent.stderr)")
        #expect(refusedAbsent.stderr.contains("--entries \(absent) does not exist"), "\(refusedAbsent.stderr)")
        let aFile = forged + "/MANIFEST"
        let refusedFile = try await restore(scenario.backup, entries: [aFile])
        #expect(refusedFile.status == 2, "\(refusedFile.stdout)\(refusedFile.stderr)")
        #expect(refusedFile.stderr.contains("--entries \(aFile) is not a directory"), "\(refusedFile.stderr)")

        // An export whose MANIFEST no longer parses (a line added): it does not verify either.
        let broken = try copy(scenario.export, as: "broken-export")
        try (manifest + "# x\n").write(toFile: broken + "/MANIFEST", atomically: true, encoding: .utf8)
        let refusedBroken = try await restore(scenario.backup, entries: [broken])
        #expect(refusedBroken.status == 4, "\(refusedBroken.stdout)\(refusedBroken.stderr)")
        #expect(refusedBroken.stderr.contains("does not verify"), "\(refusedBroken.stderr)")

        // A backup whose checkpoint names another size: not the log's signature.
        let edited = try copy(scenario.backup, as: "edited-backup")
        var lines = try String(contentsOfFile: edited + "/checkpoint", encoding: .utf8).components(separatedBy: "\n")
        lines[1] = "99"
        try lines.joined(separator: "\n").write(toFile: edited + "/checkpoint", atomically: true, encoding: .utf8)
        let refusedCheckpoint = try await restore(edited, entries: [scenario.export])
        #expect(refusedCheckpoint.status == 4, "\(refusedCheckpoint.stdout)\(refusedCheckpoint.stderr)")
        #expect(refusedCheckpoint.stderr.contains("is not signed by the log's keys"), "\(refusedCheckpoint.stderr)")

        // A backup whose database holds a checkpoint the log's keys never signed.
        let planted = try copy(scenario.backup, as: "planted-backup")
        let insert = try await runCommand(
            "/usr/bin/sqlite3",
            [planted + "/registry.sqlite", "INSERT INTO signed_checkpoint (size, root_hash, note, signed_at) VALUES (20, randomblob(32), 'garbage', 1764790000);"])
        #expect(insert.status == 0, "\(insert.stderr)")
        let refusedPlanted = try await restore(planted, entries: [scenario.export])
        #expect(refusedPlanted.status == 4, "\(refusedPlanted.stdout)\(refusedPlanted.stderr)")
        #expect(refusedPlanted.stderr.contains("is not signed by the log's keys"), "\(refusedPlanted.stderr)")

        // A backup a newer qcredit migrated further: named as the operator gave it (not by the
        // staged copy), with the migrations this version does not know.
        let newer = try copy(scenario.backup, as: "newer-backup")
        let migrated = try await runCommand("/usr/bin/sqlite3", [newer + "/registry.sqlite", "INSERT INTO grdb_migrations VALUES ('99_future');"])
        #expect(migrated.status == 0, "\(migrated.stderr)")
        let refusedNewer = try await restore(newer, entries: [scenario.export])
        #expect(refusedNewer.status == 2, "\(refusedNewer.stdout)\(refusedNewer.stderr)")
        #expect(refusedNewer.stderr.contains("the registry database \(newer)/registry.sqlite was written by a newer qcredit"), "\(refusedNewer.stderr)")
        #expect(refusedNewer.stderr.contains("99_future") && !refusedNewer.stderr.contains(".restore-"), "\(refusedNewer.stderr)")

        // A config that is not there, and an empty state directory: usage errors, nothing changed.
        let noConfig = try await runCommand(
            qcredit, ["restore", scenario.backup, "--config", daemon.directory.appendingPathComponent("none.toml").path])
        #expect(noConfig.status == 2 && noConfig.stderr.contains("none.toml"), "\(noConfig.stderr)")
        let emptyState = try await runCommand(qcredit, ["restore", scenario.backup, "--state-dir", ""])
        #expect(emptyState.status == 2 && emptyState.stderr.contains("--state-dir must name a directory"), "\(emptyState.stderr)")
        // No backup there at all, and a file where the backup directory should be.
        let nowhere = try await restore(daemon.directory.appendingPathComponent("no-such-backup").path)
        #expect(nowhere.status == 2 && nowhere.stderr.contains("no-such-backup does not exist; nothing was changed"), "\(nowhere.stderr)")
        let notDirectory = try await restore(scenario.backup + "/checkpoint")
        #expect(notDirectory.status == 2 && notDirectory.stderr.contains("is a file, not a directory"), "\(notDirectory.stderr)")

        // An empty database file, and one damaged in the middle.
        let empty = try copy(scenario.backup, as: "empty-backup")
        try Data().write(to: URL(fileURLWithPath: empty + "/registry.sqlite"))
        let refusedEmpty = try await restore(empty)
        #expect(refusedEmpty.status == 2, "\(refusedEmpty.stdout)\(refusedEmpty.stderr)")
        #expect(refusedEmpty.stderr.contains("is not an intact registry database: the database file is empty"), "\(refusedEmpty.stderr)")
        // Refused into a state directory that was not there: it is not left behind, nor its lock file.
        let newHome = daemon.directory.appendingPathComponent("new-home").path
        let refusedFresh = try await runCommand(qcredit, ["restore", empty, "--state-dir", newHome + "/state"])
        #expect(refusedFresh.status == 2 && refusedFresh.stderr.contains("nothing was changed"), "\(refusedFresh.stderr)")
        #expect(!FileManager.default.fileExists(atPath: newHome), "a refused restore left \(newHome)")
        let damaged = try copy(scenario.backup, as: "damaged-backup")
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: damaged + "/registry.sqlite"))
        try handle.seek(toOffset: 8192)
        handle.write(Data(repeating: 0x5A, count: 3000))
        try handle.close()
        let refusedDamaged = try await restore(damaged)
        #expect(refusedDamaged.status == 2, "\(refusedDamaged.stdout)\(refusedDamaged.stderr)")
        #expect(refusedDamaged.stderr.contains("is not an intact registry database"), "\(refusedDamaged.stderr)")

        // Another log's backup (another origin).
        let other = try await DaemonProcess(
            config: DaemonProcess.logConfig.replacingOccurrences(of: "\"qcredit.test/registry\"", with: "\"other.example/log\""))
        try await other.seed(from: 0, count: 2)
        _ = try await other.waitForCheckpoint(ofSize: 3)
        let foreign = other.directory.appendingPathComponent("foreign-backup").path
        #expect(try await runCommand(qcredit, ["backup", foreign, "--socket", other.socketPath]).status == 0)
        #expect(await other.stop() == 0)
        let refusedForeign = try await restore(foreign)
        #expect(refusedForeign.status == 4, "\(refusedForeign.stdout)\(refusedForeign.stderr)")
        #expect(refusedForeign.stderr.contains("is a backup of the log other.example/log"), "\(refusedForeign.stderr)")
        // Another log under the same origin, with its own keys: named as signed by other keys
        // (its records differ from this log's too, which was all the refusal said).
        let twin = try await DaemonProcess(config: DaemonProcess.logConfig)
        try await twin.seed(from: 0, count: 2)
        _ = try await twin.waitForCheckpoint(ofSize: 3)
        let twinBackup = twin.directory.appendingPathComponent("twin-backup").path
        #expect(try await runCommand(qcredit, ["backup", twinBackup, "--socket", twin.socketPath]).status == 0)
        #expect(await twin.stop() == 0)
        for entries in [[], [scenario.export]] {
            let refusedTwin = try await restore(twinBackup, entries: entries)
            #expect(refusedTwin.status == 4, "\(refusedTwin.stdout)\(refusedTwin.stderr)")
            #expect(refusedTwin.stderr.contains("is not signed by the log's keys (it is signed by"), "\(refusedTwin.stderr)")
        }

        let after = try snapshot()
        #expect(after.database == before.database, "the state's database was replaced")
        #expect(after.history == before.history, "the signed history was changed")
        // And the genuine restore still works.
        let restored = try await restore(scenario.backup, entries: [scenario.export])
        #expect(restored.status == 0, "\(restored.stdout)\(restored.stderr)")
    }
}
