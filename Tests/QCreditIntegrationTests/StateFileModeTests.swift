import CanonicalJSON
import Foundation
import Glibc
import Testing

/// The database holds every opening, disclosed or not: only the daemon's user may read it,
/// whatever umask the daemon was started with and whoever made its state directory. The public
/// export stays readable by all.
@Suite struct StateFileModeTests {
    static func mode(_ path: String) -> mode_t {
        var status = stat()
        return lstat(path, &status) == 0 ? status.st_mode & 0o7777 : 0
    }

    /// Started by a shell with umask 000 in a state directory made beforehand with mode 0755.
    static func start(in scratch: ScratchDirectory) async throws -> TestProcess {
        let daemon = try TestProcess(
            "/bin/sh", ["-c", "umask 000; exec \"$0\" --state-dir state --socket q", DaemonProcess.product("qcreditd")],
            directory: scratch.path, logPath: scratch.path("qcreditd-\(UUID().uuidString.prefix(4)).log"))
        try await waitForSocketFile(scratch.path("q"))
        return daemon
    }

    @Test func theDatabaseIsTheDaemonsAloneWhateverTheUmask() async throws {
        let scratch = try ScratchDirectory("state-modes")
        try FileManager.default.createDirectory(atPath: scratch.path("state"), withIntermediateDirectories: false, attributes: [.posixPermissions: 0o755])
        let qcredit = DaemonProcess.product("qcredit")
        var daemon = try await Self.start(in: scratch)
        defer { if !daemon.hasExited { daemon.signal(SIGKILL) } }
        let registered = try await runCommand(
            qcredit, ["register", DurabilityTests.uscc(1), "--name", "Mode Co.", "--socket", "q"], directory: scratch.path)
        #expect(registered.status == 0, "\(registered.stderr)")
        for name in ["registry.sqlite", "registry.sqlite-wal", "registry.sqlite-shm", "checkpoint"] {
            let path = scratch.path("state/\(name)")
            #expect(FileManager.default.fileExists(atPath: path), "\(name)")
            #expect(Self.mode(path) & 0o077 == 0, "\(name) is \(String(Self.mode(path), radix: 8))")
        }
        // The history of signed trees holds public facts (and restore run by an auditor reads the exports directory's).
        #expect(Self.mode(scratch.path("state/checkpoint-history")) == 0o644)
        // The public export is for everyone, as before.
        let exported = try await runCommand(qcredit, ["export", "--json", "--socket", "q"], directory: scratch.path)
        let directory = try #require(try JSONValue.parse(exported.stdout)["directory"]?.stringValue, "\(exported.stdout)\(exported.stderr)")
        #expect(Self.mode(directory) == 0o755)
        #expect(Self.mode(directory + "/MANIFEST") == 0o644)
        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit() == 0, "\(daemon.log)")

        // A database another umask left open to others is made private at the next start.
        #expect(chmod(scratch.path("state/registry.sqlite"), 0o644) == 0)
        daemon = try await Self.start(in: scratch)
        #expect(Self.mode(scratch.path("state/registry.sqlite")) == 0o600)
        #expect(daemon.log.contains("made a state file private"), "\(daemon.log)")
        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit() == 0, "\(daemon.log)")
    }
}
