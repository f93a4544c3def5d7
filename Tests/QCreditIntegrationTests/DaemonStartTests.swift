import Foundation
import Testing

/// What the daemon says when it cannot start on its configuration.
@Suite struct DaemonStartTests {
    /// A directory the daemon cannot make is refused naming the setting that gave it, and why.
    @Test func anExportDirectoryThatCannotBeMadeIsRefusedNamingTheSetting() async throws {
        do {
            _ = try await DaemonProcess(config: "[export]\ndirectory = \"/proc/qcredit-nowhere\"\n")
            Issue.record("the daemon started with an export directory it cannot make")
        } catch let failed as DaemonFailed {
            #expect(failed.log.contains("export.directory: cannot create or use the directory /proc/qcredit-nowhere"), "\(failed.log)")
        }
    }

    /// A group the config names that does not exist stops the daemon before it writes anything:
    /// no keys made, no database, no checkpoint signed.
    @Test func anUnknownGroupIsRefusedBeforeAnythingIsWritten() async throws {
        for setting in ["socketGroup = \"qcredit-no-such-group\"\n", "[export]\nrestrictedGroup = \"qcredit-no-such-group\"\n"] {
            let state = FileManager.default.temporaryDirectory.appendingPathComponent("qcredit-state-\(UUID().uuidString.prefix(8))").path
            defer { try? FileManager.default.removeItem(atPath: state) }
            do {
                _ = try await DaemonProcess(config: setting, stateDirectory: state)
                Issue.record("the daemon started with \(setting)")
            } catch let failed as DaemonFailed {
                #expect(failed.log.contains("no group named qcredit-no-such-group"), "\(failed.log)")
            }
            let written = Set((try? FileManager.default.contentsOfDirectory(atPath: state)) ?? [])
            #expect(written.isDisjoint(with: ["keys", "registry.sqlite", "checkpoint", "checkpoint-history"]), "\(setting): \(written)")
        }
    }

    /// SIGHUP (often sent to "reload") is ignored: the daemon keeps serving, and still stops
    /// gracefully on SIGTERM.
    @Test func sighupDoesNotStopTheDaemon() async throws {
        let daemon = try await DaemonProcess()
        let pid = try #require(daemon.process?.pid)
        #expect(kill(pid, SIGHUP) == 0)
        try await Task.sleep(for: .milliseconds(300))
        #expect(daemon.isRunning)
        #expect(try await daemon.call("org.qcredit.operator.GetStatus")["version"] != nil)
        #expect(daemon.stop() == 0)
    }
}
