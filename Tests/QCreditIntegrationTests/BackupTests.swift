import CanonicalJSON
import Foundation
import Glibc
import Testing

/// `qcredit backup` takes a consistent copy while the daemon serves and writes go on; the copy
/// restores into a daemon that starts, verifies its log and holds every write made before it.
@Suite struct BackupTests {
    @Test func anOnlineBackupRestoresWithEveryEarlierWriteAndAVerifiableLog() async throws {
        let daemon = try await DaemonProcess(config: DaemonProcess.logConfig)
        let qcredit = DaemonProcess.product("qcredit")
        try await daemon.seed(from: 0, count: 20)
        _ = try await daemon.waitForCheckpointOfWholeLog()

        // Writes keep coming while the backup is taken.
        let writing = Task {
            var n = 1000
            while !Task.isCancelled {
                _ = try? await daemon.call(
                    "org.qcredit.admin.RegisterEnterprise", ["code": .string(DurabilityTests.uscc(n)), "name": .string("Busy Co. \(n)")])
                n += 1
            }
        }
        let destination = daemon.directory.appendingPathComponent("backup").path
        let backup = try await runCommand(qcredit, ["backup", destination, "--socket", daemon.socketPath])
        writing.cancel()
        _ = await writing.result
        #expect(backup.status == 0, "\(backup.stderr)")
        #expect(backup.stdout.contains("registry.sqlite"))
        // A backup holds every opening: who took it is in the daemon's log.
        #expect(daemon.log.contains("uid=\(getuid())") && daemon.log.contains("backup sent"), "\(daemon.log)")
        let files = try FileManager.default.contentsOfDirectory(atPath: destination).sorted()
        #expect(files == ["checkpoint", "registry.sqlite"])
        #expect(try await runCommand(qcredit, ["backup", destination, "--socket", daemon.socketPath]).status == 2)
        // A one-character folder relative to where it runs (Foundation's path arithmetic trapped on it).
        let short = try await runCommand(qcredit, ["backup", "b", "--socket", daemon.socketPath], directory: daemon.directory.path)
        #expect(short.status == 0, "\(short.stderr)")
        #expect(FileManager.default.fileExists(atPath: daemon.directory.appendingPathComponent("b/registry.sqlite").path))

        // Restore into an empty state directory and start a daemon on it, as the README says.
        let restoredState = daemon.directory.appendingPathComponent("restored").path
        try FileManager.default.createDirectory(atPath: restoredState, withIntermediateDirectories: true)
        for file in files {
            try FileManager.default.copyItem(atPath: "\(destination)/\(file)", toPath: "\(restoredState)/\(file)")
        }
        try FileManager.default.copyItem(atPath: "\(daemon.stateDirectory)/keys", toPath: "\(restoredState)/keys")
        let restored = try await DaemonProcess(config: DaemonProcess.logConfig, extraArguments: [], stateDirectory: restoredState)
        for n in 0..<20 {
            let grade = try await restored.call("org.qcredit.query.GetGrade", ["code": .string(DurabilityTests.uscc(n))])
            #expect(grade["grade"]?["grade"] == "A")
        }
        // The restored log still verifies end to end.
        let (vkey, _) = try await restored.verifierKey("ed25519")
        let replay = try await runCommand(qcredit, ["audit", "replay", "--vkey", vkey, "--socket", restored.socketPath])
        #expect(replay.status == 0, "\(replay.stderr)")
    }

    /// A backup holds every record, the undisclosed ones too: an empty DEST another user owns
    /// (made in a shared folder), or reached through another user's link, is refused. (It was
    /// taken, and its owner swapped a link in between the client's making and opening a file,
    /// so the whole database landed in a file of theirs.)
    @Test func aDestinationOfAnotherUserIsRefused() async throws {
        try SecondUser.requireRoot()
        let daemon = try await DaemonProcess()
        let qcredit = DaemonProcess.product("qcredit")
        let theirs = daemon.directory.appendingPathComponent("theirs").path
        #expect(mkdir(theirs, 0o777) == 0 && chown(theirs, 65534, 65534) == 0 && chmod(theirs, 0o777) == 0)
        let refused = try await runCommand(qcredit, ["backup", theirs, "--socket", daemon.socketPath])
        #expect(refused.status == 2 && refused.stderr.contains("belongs to another user (uid 65534)"), "\(refused)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: theirs).isEmpty)
        let mine = daemon.directory.appendingPathComponent("mine").path
        #expect(mkdir(mine, 0o700) == 0)
        let link = daemon.directory.appendingPathComponent("link").path
        #expect(symlink(mine, link) == 0 && lchown(link, 65534, 65534) == 0)
        let linked = try await runCommand(qcredit, ["backup", link, "--socket", daemon.socketPath])
        #expect(linked.status == 2 && linked.stderr.contains("is a symbolic link of another user (uid 65534)"), "\(linked)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: mine).isEmpty)
        // Higher up the path too: a new DEST under a folder of theirs (they could swap it while it is written).
        let below = theirs + "/new/backup"
        let under = try await runCommand(qcredit, ["backup", below, "--socket", daemon.socketPath])
        #expect(under.status == 2 && under.stderr.contains("\(theirs) belongs to another user (uid 65534)"), "\(under)")
        #expect(!FileManager.default.fileExists(atPath: theirs + "/new"))
    }

    /// An empty directory given as DEST is made private like a new one: a backup holds every record.
    @Test func anEmptyDestinationIsMadePrivate() async throws {
        let daemon = try await DaemonProcess()
        let destination = daemon.directory.appendingPathComponent("open-backup").path
        try FileManager.default.createDirectory(atPath: destination, withIntermediateDirectories: false)
        #expect(chmod(destination, 0o777) == 0)
        let backup = try await runCommand(DaemonProcess.product("qcredit"), ["backup", destination, "--socket", daemon.socketPath])
        #expect(backup.status == 0, "\(backup.stderr)")
        let mode = try FileManager.default.attributesOfItem(atPath: destination)[.posixPermissions] as? Int
        #expect(mode == 0o700, "mode \(String(mode ?? 0, radix: 8))")
        // Every file in it is readable by its writer only: the database holds every opening.
        let files = try FileManager.default.subpathsOfDirectory(atPath: destination)
        #expect(files.contains("registry.sqlite"), "\(files)")
        // Written under a temporary name and renamed once whole: none is left.
        #expect(!files.contains { $0.hasSuffix(".partial") }, "\(files)")
        for file in files {
            let path = destination + "/" + file
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            let fileMode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
            #expect(fileMode == 0o600, "\(file): mode \(String(fileMode ?? 0, radix: 8))")
        }
    }

    /// A daemon killed while it staged a backup (a copy as large as the database), a restore
    /// killed at its rename, a checkpoint file killed before its rename: the next start removes
    /// what they left, says so in its log, and keeps everything else.
    /// A backup that cannot be taken (here: no daemon listens) leaves no directory behind, not
    /// even the missing parents it would have made for DEST.
    @Test func aFailedBackupLeavesNoDirectoryItMade() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("qcredit-backup-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let failed = try await runCommand(
            DaemonProcess.product("qcredit"), ["backup", directory + "/deep/a/b", "--socket", directory + "/none.sock"])
        #expect(failed.status == 3, "\(failed.stdout)\(failed.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
    }

    @Test func theNextStartRemovesWhatAKilledBackupOrRestoreLeft() async throws {
        let daemon = try await DaemonProcess()
        await daemon.kill()
        let state = daemon.stateDirectory
        try FileManager.default.createDirectory(atPath: state + "/.backup-0B1F2E3D", withIntermediateDirectories: false)
        try Data("half a database".utf8).write(to: URL(fileURLWithPath: state + "/.backup-0B1F2E3D/registry.sqlite"))
        try FileManager.default.createDirectory(atPath: state + "/.restore-4242", withIntermediateDirectories: false)
        try Data("signed".utf8).write(to: URL(fileURLWithPath: state + "/checkpoint.tmp-4243"))
        try Data("mine".utf8).write(to: URL(fileURLWithPath: state + "/notes.tmp-draft"))
        try await daemon.start()
        let names = try FileManager.default.contentsOfDirectory(atPath: state)
        #expect(!names.contains { $0.hasPrefix(".backup-") || $0.hasPrefix(".restore-") || $0 == "checkpoint.tmp-4243" }, "\(names)")
        #expect(names.contains("notes.tmp-draft") && names.contains("registry.sqlite"), "\(names)")
        #expect(daemon.log.contains("removed what a killed process left in the state directory"), "\(daemon.log)")
        #expect(try await runCommand(DaemonProcess.product("qcredit"), ["status", "--socket", daemon.socketPath]).status == 0)
    }

    @Test func statusShowsCountsCheckpointAndExports() async throws {
        let daemon = try await DaemonProcess(config: DaemonProcess.logConfig)
        let qcredit = DaemonProcess.product("qcredit")
        // A fresh log holds its one policy record, counted as one.
        let first = try await runCommand(qcredit, ["status", "--socket", daemon.socketPath])
        #expect(first.stdout.contains("Log size         1 record\n"), "\(first.stdout)")
        try await daemon.seed(from: 0, count: 3)
        _ = try await daemon.waitForCheckpointOfWholeLog()
        let status = try await runCommand(qcredit, ["status", "--json", "--socket", daemon.socketPath])
        #expect(status.status == 0, "\(status.stderr)")
        let reply = try JSONValue.parse(status.stdout)
        #expect(reply["enterprises"] == 3)
        #expect(reply["logSize"] == 4)
        #expect(reply["checkpoint"]?["size"] == 4)
        #expect(reply["developmentMode"] == false)
        #expect(reply["lastExport"] == .null)
        let text = try await runCommand(qcredit, ["status", "--socket", daemon.socketPath])
        #expect(text.stdout.contains("Last checkpoint  4 records"))
        #expect(text.stdout.contains("Last export      none in the exports directory (the next export is a full one)\n"), "\(text.stdout)")

        // An export more than 26 hours old is flagged: the nightly one is missing. (The client's
        // clock moved two days on with libfaketime; the daemon's stays.)
        let exported = try await daemon.call("org.qcredit.operator.Export")
        let fresh = try await runCommand(qcredit, ["status", "--socket", daemon.socketPath])
        #expect(fresh.stdout.contains("Last export") && !fresh.stdout.contains("OVERDUE"), "\(fresh.stdout)")
        guard FileManager.default.fileExists(atPath: MovedClockTests.library) else {
            if Interop.required { Issue.record("\(MovedClockTests.library) is missing: Scripts/install-dependencies installs libfaketime") }
            return
        }
        let later = try await runCommand(
            qcredit, ["status", "--socket", daemon.socketPath], environment: ["LD_PRELOAD": MovedClockTests.library, "FAKETIME": "+2d"])
        #expect(later.stdout.contains("OVERDUE: 2d 0h 0m old, more than 26 hours (is qcredit-export.timer running?)"), "\(later.stdout)\(later.stderr)")
        // A day and an hour is within the nightly run's slack (the timer's random delay, a long export).
        let dayLater = try await runCommand(
            qcredit, ["status", "--socket", daemon.socketPath], environment: ["LD_PRELOAD": MovedClockTests.library, "FAKETIME": "+25h"])
        #expect(dayLater.stdout.contains("Last export") && !dayLater.stdout.contains("OVERDUE"), "\(dayLater.stdout)")

        // The export gone from the directory (withdrawn after a repair, or pruned): the registry
        // still knows when it last exported, and a stopped timer is still flagged.
        let name = try #require(exported["name"]?.stringValue)
        let directory = try #require(exported["directory"]?.stringValue)
        try FileManager.default.removeItem(atPath: directory)
        try FileManager.default.removeItem(atPath: try #require(exported["restrictedPart"]?.stringValue))
        let emptied = try JSONValue.parse(try await runCommand(qcredit, ["status", "--json", "--socket", daemon.socketPath]).stdout)
        #expect(emptied["lastExport"] == .null)
        #expect(emptied["newestExportWritten"]?["name"]?.stringValue == name, "\(emptied)")
        #expect(emptied["newestExportWritten"]?["kind"] == "full")
        #expect(emptied["newestExportWritten"]?["treeSize"] == 4)
        let gone = try await runCommand(
            qcredit, ["status", "--socket", daemon.socketPath], environment: ["LD_PRELOAD": MovedClockTests.library, "FAKETIME": "+2d"])
        #expect(
            gone.stdout.contains("Last export      none in the exports directory (the next export is a full one); the newest written was \(name) (full, 4 records, ")
                && gone.stdout.contains("OVERDUE: 2d 0h 0m old"), "\(gone.stdout)\(gone.stderr)")
    }
}
