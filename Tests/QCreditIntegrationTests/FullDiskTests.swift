import CanonicalJSON
import Foundation
import Glibc
import QCreditDomain
import Testing
import Varlink

/// A disk that refuses a write: the caller gets the declared `StorageFailed` naming why (not an
/// `InternalError`), nothing of the write is kept, and once the disk has room the daemon goes on
/// without a restart, every acknowledged write still there. The state directory sits on a small
/// tmpfs of its own, so mounting needs root (CI runs as root); elsewhere the test is skipped.
@Suite(.serialized) struct FullDiskTests {
    /// A fresh tmpfs of `size` mounted for `body`, unmounted after it; skips the test unless root.
    static func withSmallDisk(size: String, _ body: (String) async throws -> Void) async throws {
        guard geteuid() == 0 else { try Test.cancel("skipped: mounting a small file system needs root") }
        let mountPoint = "/tmp/qcredit-full-disk-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: mountPoint) }
        let mounted = try await runCommand("/usr/bin/mount", ["-t", "tmpfs", "-o", "size=\(size)", "tmpfs", mountPoint])
        try #require(mounted.status == 0, "\(mounted.stderr)")
        defer { _ = umount2(mountPoint, Int32(MNT_DETACH)) }
        try await body(mountPoint)
    }

    /// Fills the file system holding `directory` to `leaving` bytes or fewer; returns the filler's path.
    static func fill(_ directory: String, leaving: Int = 0) -> String {
        let filler = directory + "/filler"
        let descriptor = open(filler, O_WRONLY | O_CREAT, 0o600)
        var room = statvfs()
        var block = [UInt8](repeating: 0, count: 1 << 16)
        while statvfs(directory, &room) == 0, Int(room.f_bavail) * Int(room.f_bsize) > leaving {
            let chunk = min(block.count, max(4096, Int(room.f_bavail) * Int(room.f_bsize) - leaving))
            guard write(descriptor, &block, chunk) > 0 else { break }
        }
        close(descriptor)
        return filler
    }

    @Test func aFullDiskRefusesWritesWithADeclaredErrorAndChangesNothing() async throws {
      try await Self.withSmallDisk(size: "16m") { mountPoint in

        let daemon = try await DaemonProcess(stateDirectory: mountPoint + "/state")
        let register = { (n: Int) in
            try await daemon.call("org.qcredit.admin.RegisterEnterprise", ["code": .string(USCC.madeUp(serial: 16_000_000 + n)), "name": "Full Disk Co."])
        }
        _ = try await register(0)
        let filler = Self.fill(mountPoint)

        var refused: VarlinkError?
        for n in 1...50 where refused == nil {
            do { _ = try await register(n) } catch let error as VarlinkError { refused = error }
        }
        let error = try #require(refused, "every write went through on a full disk")
        #expect(error.name == "org.qcredit.admin.StorageFailed", "\(error)")
        #expect(error.parameters["reason"]?.stringValue?.contains("full") == true, "\(error)")
        #expect(daemon.log.contains("the disk refused it"), "\(daemon.log)")
        // The operator sees it in `qcredit status` without reading the journal.
        let refusedWrites = { (problems: [JSONValue]) in problems.filter { $0["work"]?.stringValue == "writes" } }
        let problems = refusedWrites(try await BackgroundProblemTests.problems(of: daemon) { !refusedWrites($0).isEmpty })
        #expect(problems.count == 1, "\(problems)")
        let reason = problems.first?["reason"]?.stringValue ?? ""
        #expect(reason.hasPrefix("org.qcredit.admin.RegisterEnterprise: the registry's disk is full"), "\(problems)")

        // Room again: the daemon goes on, and what it acknowledged is there.
        unlink(filler)
        let after = try await register(1000)
        #expect(after["enterprise"] != nil, "\(after)")
        #expect(refusedWrites(try await BackgroundProblemTests.problems(of: daemon) { refusedWrites($0).isEmpty }).isEmpty)
        let first = try await daemon.call("org.qcredit.query.GetFile", ["code": .string(USCC.madeUp(serial: 16_000_000))])
        #expect(first["file"] != nil, "\(first)")
        #expect(await daemon.stop() == 0)
      }
    }

    /// Killed on a full disk with records not yet signed, the daemon starts again and serves:
    /// the checkpoint it cannot write is a problem in GetStatus, as while running, and is signed
    /// once the disk has room (it refused to start, "cannot write …/checkpoint.tmp-…", audit).
    @Test func aDaemonKilledOnAFullDiskStartsAndSignsOnceThereIsRoom() async throws {
      try await Self.withSmallDisk(size: "16m") { mountPoint in
        let daemon = try await DaemonProcess(
            config: DaemonProcess.logConfig.replacingOccurrences(of: "checkpointIntervalSeconds = 1", with: "checkpointIntervalSeconds = 3600"),
            stateDirectory: mountPoint + "/state")
        let code = USCC.madeUp(serial: 16_100_000)
        _ = try await daemon.call("org.qcredit.admin.RegisterEnterprise", ["code": .string(code), "name": "Unsigned Co."])
        _ = try await daemon.call("org.qcredit.admin.PublishGrades", ["codes": [.string(code)]])
        let signed = try #require(try await daemon.call("org.qcredit.audit.GetCheckpoint")["size"]?.intValue)
        let filler = Self.fill(mountPoint)
        await daemon.kill()
        try await daemon.start()
        #expect(try await daemon.call("org.qcredit.query.GetGrade", ["code": .string(code)])["grade"] != nil)
        #expect(daemon.log.contains("cannot sign a checkpoint at start"), "\(daemon.log)")
        let onCheckpoint = { (problems: [JSONValue]) in problems.filter { $0["work"]?.stringValue == "checkpoint" } }
        #expect(!onCheckpoint(try await BackgroundProblemTests.problems(of: daemon) { !onCheckpoint($0).isEmpty }).isEmpty)
        #expect(try await daemon.call("org.qcredit.audit.GetCheckpoint")["size"]?.intValue == signed)
        unlink(filler)
        #expect(await daemon.stop() == 0, "the final checkpoint is signed with room again")
        try await daemon.start()
        #expect(try await daemon.call("org.qcredit.audit.GetCheckpoint")["size"]?.intValue ?? 0 > signed)
        #expect(await daemon.stop() == 0)
      }
    }

    /// An import whose error file's disk fills up once rows were imported still prints its
    /// summary, says the refused rows are not listed and how to list them, and exits 1 (it
    /// exited 2, "refused before anything was sent", with no summary).
    @Test func anImportWhoseErrorFileCannotBeWrittenAtTheEndStillSaysWhatItImported() async throws {
      try await Self.withSmallDisk(size: "1m") { mountPoint in
        let cli = CLIHarness(daemon: try await DaemonProcess())
        let valid = (0..<20).map { "\(USCC.madeUp(serial: 17_000_000 + $0)),Error File Co. \($0)" }
        let invalid = (0..<2000).map { "91152201X\(String(format: "%09d", $0)),Refused Co." }
        let path = cli.daemon.directory.appendingPathComponent("book.csv").path
        try (["uscc,name"] + valid + invalid).joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        _ = Self.fill(mountPoint, leaving: 8192)
        let result = try await cli.run(["import", "enterprises", path, "--errors", mountPoint + "/book.errors.csv"])
        #expect(result.status == 1, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("Imported") && result.stdout.contains("20"), "\(result.stdout)")
        #expect(result.stdout.contains("not listed: cannot write the error file"), "\(result.stdout)")
        // With --json: every row was answered (complete, no stoppedBy), the list is missing and
        // why (it named a file never written, and said why under stoppedBy).
        let json = try await cli.run(["import", "enterprises", path, "--errors", mountPoint + "/book.errors.csv", "--json"])
        #expect(json.status == 1, "\(json.stdout)\(json.stderr)")
        let summary = try JSONValue.parse(json.stdout)
        #expect(summary["complete"] == true && summary["stoppedBy"] == nil && summary["errorFile"] == .null, "\(summary)")
        #expect(summary["errorFileProblem"]?.stringValue?.contains("no space left on device") == true, "\(summary)")
        let file = try await cli.daemon.call("org.qcredit.query.GetFile", ["code": .string(USCC.madeUp(serial: 17_000_000))])
        #expect(file["file"] != nil)
      }
    }

    /// keygen on a disk that fills part way leaves no key file (an empty public key file stayed
    /// under its name, blocking every later keygen there) and no directory it made; with room
    /// again the same command makes the keys.
    @Test func keygenOnADiskThatFillsLeavesNothingBehind() async throws {
      try await Self.withSmallDisk(size: "4k") { mountPoint in
        let qcredit = DaemonProcess.product("qcredit")
        let directory = mountPoint + "/keys/log"
        let refused = try await runCommand(qcredit, ["keygen", "--dir", directory, "--name", "qcredit.test/log"])
        #expect(refused.status == 2, "\(refused.stdout)\(refused.stderr)")
        #expect(refused.stderr.contains("no space left on device") && refused.stderr.contains("nothing was written"), "\(refused.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: mountPoint) == [], "keygen left files behind")
        #expect(mount(nil, mountPoint, nil, UInt(MS_REMOUNT), "size=1m") == 0, "\(String(cString: strerror(errno)))")
        let made = try await runCommand(qcredit, ["keygen", "--dir", directory, "--name", "qcredit.test/log"])
        #expect(made.status == 0, "\(made.stdout)\(made.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
            == ["ed25519.pem", "ed25519.pub.pem", "sm2.pem", "sm2.pub.pem"])
      }
    }

    /// `audit keys --save-pem` into a full disk is status 2 with the system's reason, and leaves
    /// no folder it made (README's exit statuses: a local file that cannot be written).
    @Test func savingKeysOnAFullDiskSaysSoAndLeavesNothing() async throws {
      try await Self.withSmallDisk(size: "1m") { mountPoint in
        let cli = CLIHarness(daemon: try await DaemonProcess())
        let filler = Self.fill(mountPoint)
        let refused = try await cli.run(["audit", "keys", "--save-pem", mountPoint + "/pem/keys"])
        #expect(refused.status == 2, "\(refused.stdout)\(refused.stderr)")
        #expect(refused.stderr.contains("no space left on device"), "\(refused.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: mountPoint) == ["filler"], "a failed --save-pem left folders")
        unlink(filler)
      }
    }

    /// A backup whose destination fills up says so in the system's words (it printed Foundation's
    /// "the operation could not be completed") and leaves no file that looks like a backup.
    @Test func aBackupIntoAFullDestinationSaysTheDiskIsFullAndLeavesNothing() async throws {
      try await Self.withSmallDisk(size: "1m") { mountPoint in
        let cli = CLIHarness(daemon: try await DaemonProcess())
        _ = Self.fill(mountPoint, leaving: 8192)
        let destination = mountPoint + "/backup"
        let result = try await cli.run(["backup", destination])
        // A local file the command cannot write is status 2, as the README's table says.
        #expect(result.status == 2, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("no space left on device"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: destination), "a failed backup left \(destination)")
      }
    }

    /// A full state directory refuses the backup's staging copy: the client hears why, and so
    /// does the operator, in the daemon's log (the client may be a cron job nobody reads).
    @Test func aBackupThatCannotBeStagedIsLoggedByTheDaemon() async throws {
      try await Self.withSmallDisk(size: "16m") { mountPoint in
        let daemon = try await DaemonProcess(stateDirectory: mountPoint + "/state")
        _ = try await daemon.call("org.qcredit.admin.RegisterEnterprise", ["code": .string(USCC.madeUp(serial: 18_000_000)), "name": "Staging Co."])
        _ = Self.fill(mountPoint)
        let cli = CLIHarness(daemon: daemon)
        let result = try await cli.run(["backup", daemon.directory.appendingPathComponent("backup").path])
        #expect(result.status != 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("no space left to stage the copy"), "\(result.stderr)")
        #expect(daemon.log.contains("backup failed"), "\(daemon.log)")
        #expect(await daemon.stop() == 0)
      }
    }

    /// Screening onto a full disk stops with the system's reason and removes its partial file;
    /// it crashed (Foundation's non-throwing FileHandle.write traps on ENOSPC).
    @Test func aScreenWhoseOutputDiskIsFullSaysSoAndLeavesNoPartialFile() async throws {
      try await Self.withSmallDisk(size: "1m") { mountPoint in
        let cli = CLIHarness(daemon: try await DaemonProcess())
        let codes = (0..<3000).map { USCC.madeUp(serial: 19_000_000 + $0) }
        let portfolio = cli.daemon.directory.appendingPathComponent("book.txt").path
        try codes.joined(separator: "\n").write(toFile: portfolio, atomically: true, encoding: .utf8)
        _ = Self.fill(mountPoint, leaving: 4096)
        let output = mountPoint + "/screened.csv"
        let result = try await cli.run(["screen", portfolio, "--output", output])
        #expect(result.status != 0 && result.status < 128, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("cannot write \(output): no space left on device"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output + ".partial"))
        #expect(!FileManager.default.fileExists(atPath: output))
      }
    }
}
