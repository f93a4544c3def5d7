import Foundation
import QCreditDomain
import Testing

/// `qcredit import` shows its progress on stderr: a bar redrawn in place with the rate and the
/// time left when stderr is a terminal, plain lines when it is a file or a pipe (for logs).
@Suite struct ImportProgressTests {
    static func enterprisesFile(in daemon: DaemonProcess, rows: Int) throws -> String {
        let path = daemon.directory.appendingPathComponent("enterprises.csv").path
        let text = "code,name\n" + (0..<rows).map { "\(USCC.madeUp(serial: 30_000_000 + $0)),进度测试企业\($0)号有限公司\n" }.joined()
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func onATerminalABarWithRateAndTimeLeft() async throws {
        let daemon = try await DaemonProcess()
        let path = try Self.enterprisesFile(in: daemon, rows: 3000)
        let (status, terminal) = try await Self.runWithTerminalStderr(
            CLIHarness.executable, ["import", "enterprises", path, "--socket", daemon.socketPath])
        #expect(status == 0, "\(terminal)")
        // Redrawn in place: carriage returns, a bar of # and -, the percentage, rate and ETA.
        #expect(terminal.contains("\r["), "\(terminal)")
        #expect(terminal.contains("] 100%  3000/3000 rows"), "\(terminal)")
        #expect(terminal.contains("rows/s  ETA "), "\(terminal)")
        #expect(terminal.contains("[##############################]"), "\(terminal)")
        #expect(!terminal.contains("progress: "), "\(terminal)")
    }

    @Test func otherwisePlainLines() async throws {
        let daemon = try await DaemonProcess()
        let path = try Self.enterprisesFile(in: daemon, rows: 2999)
        // The last row is one the client refuses itself, after a blank line: the count ends
        // at the rows read, and they are all done.
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("\nnot,a,row\n".utf8))
        try handle.close()
        let result = try await CLIHarness(daemon: daemon).run(["import", "enterprises", path])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.contains { $0.hasPrefix("progress: ") && $0.contains("rows/s  ETA ") }, "\(result.stderr)")
        // The first line comes after five seconds (with a rate that means something), the last at the end.
        #expect(lines.filter { $0.hasPrefix("progress: ") }.last?.hasPrefix("progress: 100%  3000/3000 rows") == true, "\(result.stderr)")
        #expect(!result.stderr.contains("\r"), "\(result.stderr)")
        #expect(!result.stderr.contains("\u{1B}["), "\(result.stderr)")
    }

    /// Runs `executable` on a new pseudo-terminal, through util-linux's `script` (Debian's
    /// essential `bsdutils`), and returns its status and everything it wrote there.
    static func runWithTerminalStderr(_ executable: String, _ arguments: [String]) async throws -> (Int32, String) {
        let quoted = ([executable] + arguments).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        let result = try await runCommand("/usr/bin/script", ["-q", "-e", "-c", quoted.joined(separator: " "), "/dev/null"])
        return (result.status, result.stdout)
    }
}
