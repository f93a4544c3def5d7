import Foundation
import Glibc
import Testing

/// Memory a burst of large calls used goes back to the system once they are over: the daemon
/// does not stay as large as its busiest moment.
@Suite struct MemoryReleaseTests {
    /// The stated bound on what a burst leaves behind.
    static let residueBound = 24 << 20

    /// Also with the clock moved by libfaketime, as tests of "tomorrow" run the daemon: the
    /// release waited on `Task.sleep`, whose libdispatch timer does not wake under it.
    @Test(arguments: [false, true]) func aBurstOfLargeGetGradesCallsLeavesTheDaemonNoLarger(clockMoved: Bool) async throws {
        var launcher: [String] = []
        if clockMoved {
            guard FileManager.default.fileExists(atPath: MovedClockTests.library) else {
                if Interop.required {
                    Issue.record("\(MovedClockTests.library) is missing: Scripts/install-dependencies installs libfaketime")
                    return
                }
                try Test.cancel("skipped: \(MovedClockTests.library) is not installed (Scripts/install-dependencies installs it)")
            }
            launcher = ["/usr/bin/env", "LD_PRELOAD=\(MovedClockTests.library)", "FAKETIME=+1d"]
        }
        let daemon = try await DaemonProcess(launcher: launcher)
        try await Task.sleep(for: .milliseconds(300))
        let before = try daemon.memory()
        let burst = try await runCommand(
            "/usr/bin/python3", ["-c", Self.burst, daemon.socketPath, "32"])
        #expect(burst.status == 0, "\(burst.stdout)\(burst.stderr)")
        try await Task.sleep(for: .seconds(3))
        let after = try daemon.memory()
        print("MemoryReleaseTests: VmRSS \(before.resident >> 10) KiB before, VmHWM \(after.peak >> 10) KiB, VmRSS \(after.resident >> 10) KiB after")
        #expect(after.peak - before.resident > 2 * Self.residueBound, "the burst used too little to tell: \(after.peak - before.resident) bytes")
        #expect(after.resident - before.resident < Self.residueBound,
            "VmRSS \(before.resident >> 10) KiB before, \(after.resident >> 10) KiB after, peak \(after.peak >> 10) KiB")
    }

    /// N connections at once, each a GetGrades call of 10,000 codes read to its end.
    static let burst = #"""
        import json, socket, sys, threading
        path, n = sys.argv[1], int(sys.argv[2])
        codes = ["91%016d" % i for i in range(10000)]
        message = json.dumps({"method": "org.qcredit.query.GetGrades", "parameters": {"codes": codes}, "more": True}).encode() + b"\0"
        def call():
            s = socket.socket(socket.AF_UNIX)
            s.connect(path)
            s.sendall(message)
            replies = 0
            while replies < 10000:
                chunk = s.recv(1 << 20)
                if not chunk: break
                replies += chunk.count(b"\0")
            s.close()
        threads = [threading.Thread(target=call) for _ in range(n)]
        for t in threads: t.start()
        for t in threads: t.join()
        """#
}
