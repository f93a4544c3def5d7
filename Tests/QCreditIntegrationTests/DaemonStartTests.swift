import Foundation
import Testing

/// What the daemon says when it cannot start on its configuration.
@Suite struct DaemonStartTests {
    /// A directory the daemon cannot make is refused naming the setting that gave it, and why.
    @Test func anExportDirectoryThatCannotBeMadeIsRefusedNamingTheSetting() throws {
        do {
            _ = try DaemonProcess(config: "[export]\ndirectory = \"/proc/qcredit-nowhere\"\n")
            Issue.record("the daemon started with an export directory it cannot make")
        } catch let failed as DaemonFailed {
            #expect(failed.log.contains("export.directory: cannot create or use the directory /proc/qcredit-nowhere"), "\(failed.log)")
        }
    }

    /// SIGHUP (often sent to "reload") is ignored: the daemon keeps serving, and still stops
    /// gracefully on SIGTERM.
    @Test func sighupDoesNotStopTheDaemon() async throws {
        let daemon = try DaemonProcess()
        let pid = try #require(daemon.process?.processIdentifier)
        #expect(kill(pid, SIGHUP) == 0)
        try await Task.sleep(for: .milliseconds(300))
        #expect(daemon.isRunning)
        #expect(try await daemon.call("org.qcredit.operator.GetStatus")["version"] != nil)
        #expect(daemon.stop() == 0)
    }
}
