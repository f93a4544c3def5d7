import Foundation
import Logging
@testable import QCreditDaemon
import Testing

/// Under systemd, stderr is the journal's stream (`$JOURNAL_STREAM` names it): each line then
/// carries its syslog priority, so `journalctl -p err` finds the daemon's errors, and a line
/// feed inside a message does not split it into entries of no priority.
@Suite struct JournalLogTests {
    /// Runs qcreditd on `config` with stderr to a file, `$JOURNAL_STREAM` naming that file
    /// when `journal`, and returns what it wrote there.
    static func stderrLines(config: String, journal: Bool) async throws -> [Substring] {
        let scratch = try ScratchDirectory("journal")
        let configPath = scratch.path("qcreditd.toml")
        try Data(config.utf8).write(to: URL(fileURLWithPath: configPath))
        let log = scratch.path("stderr")
        let stream = journal ? "JOURNAL_STREAM=$(stat -c %d:%i \"$2\")" : "JOURNAL_STREAM=0:0"
        let script = "exec 2>\"$2\"; \(stream) exec \"$1\" --config \"$3\" --state-dir \"$4\""
        let result = try await runCommand(
            "/bin/sh", ["-c", script, "sh", DaemonProcess.product("qcreditd"), log, configPath, scratch.path("state")])
        #expect(result.status == 1)
        return try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
    }

    @Test func linesForTheJournalCarryTheirPriorityAndStayOneLine() async throws {
        // A config the daemon refuses: a critical line, whose reason spans no second line.
        let config = "[roles]\nregulator = [\"uid:0\"]\nunknownKey = 1\n"
        let lines = try await Self.stderrLines(config: config, journal: true)
        let refusal = try #require(lines.first { $0.contains("qcreditd cannot run") }, "\(lines)")
        #expect(refusal.hasPrefix("<2>critical qcreditd: "), "\(refusal)")
        #expect(lines.allSatisfy { $0.first == "<" }, "every line carries a priority: \(lines)")

        // Not the journal's stream (a redirect, a test, a terminal): the plain lines, no prefix.
        let plain = try await Self.stderrLines(config: config, journal: false)
        let plainRefusal = try #require(plain.first { $0.contains("qcreditd cannot run") }, "\(plain)")
        #expect(!plainRefusal.hasPrefix("<"), "\(plainRefusal)")
    }

    @Test func aLineFeedInAMessageOrValueStaysInItsLine() {
        let line = JournalLogHandler.line(
            level: .warning, label: "qcreditd.notify", metadata: ["message": "READY=1\nSTATUS=serving"], source: "QCreditDaemon",
            message: "cannot notify systemd\r\n")
        #expect(line == "<4>warning qcreditd.notify: message=READY=1\\nSTATUS=serving [QCreditDaemon] cannot notify systemd\\r\\n\n")
        #expect([Logger.Level.trace, .debug, .info, .notice, .warning, .error, .critical].map(JournalLogHandler.priority(of:)) == [7, 7, 6, 5, 4, 3, 2])
    }
}
