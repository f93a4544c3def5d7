import CanonicalJSON
import Foundation
import Glibc
import Testing

/// Paths typed relative to the working directory work, one letter long included: Foundation's
/// `deletingLastPathComponent` traps on those on this toolchain, and `qcreditd --socket q`
/// crashed with SIGILL before it served.
@Suite struct RelativePathTests {
    @Test func theDaemonAndTheClientTakeOneLetterPaths() async throws {
        let scratch = try ScratchDirectory("relative")
        let daemon = try TestProcess(
            DaemonProcess.product("qcreditd"), ["--state-dir", "s", "--socket", "q"], directory: scratch.path,
            logPath: scratch.path("qcreditd.log"))
        defer { if !daemon.hasExited { daemon.signal(SIGKILL) } }
        try await waitForSocketFile(scratch.path("q"))
        let info = try await runCommand(
            DaemonProcess.product("qcredit"), ["call", "org.varlink.service.GetInfo", "--socket", "q"], directory: scratch.path)
        #expect(info.status == 0, "\(info.stdout)\(info.stderr)")
        #expect(try JSONValue.parse(info.stdout)["product"] == "qcreditd", "\(info.stdout)")
        // The export's directory comes back absolute: the client may stand anywhere.
        let export = try await runCommand(
            DaemonProcess.product("qcredit"), ["export", "--json", "--socket", "../q"], directory: scratch.path("s"))
        #expect(export.status == 0, "\(export.stdout)\(export.stderr)")
        let directory = try #require(try JSONValue.parse(export.stdout)["directory"]?.stringValue, "\(export.stdout)")
        #expect(directory.hasPrefix(scratch.path("s/exports/")), "\(directory)")
        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit() == 0, "\(daemon.log)")
        #expect(FileManager.default.fileExists(atPath: scratch.path("s/registry.sqlite")))
    }
}
