import Foundation
import Testing

/// `Scripts/benchmark compare` installs Redis and PostgreSQL and runs for minutes, so no test runs
/// it (BENCHMARKS.md shows how); these checks keep the scripts parseable and their options documented.
@Suite struct BenchmarkScriptTests {
    @Test func benchmarkScriptParses() async throws {
        let result = try await runCommand("/bin/bash", ["-n", Repository.path("Scripts/benchmark")])
        #expect(result.status == 0, "\(result.stderr)")
    }

    /// resp-bench against a stand-in RESP server (Redis is not installed by the test command):
    /// it counts only complete replies, reports its figures as one JSON line, and stops with
    /// status 3 on a reply `HGET` cannot give.
    @Test(arguments: [("bulk", 0), ("nil", 0), ("garbage", 3)])
    func respBenchCountsCompleteRepliesAndRefusesOthers(reply: String, status: Int32) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("qcredit-resp-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try await runCommand(
            "/usr/bin/python3",
            ["-c", Self.standInServer, directory.appendingPathComponent("r.sock").path, DaemonProcess.product("resp-bench"), reply])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.last == "status \(status)", "\(result.stdout)")
        guard status == 0 else {
            #expect(!result.stdout.contains("ops_per_s"), "\(result.stdout)")
            return
        }
        let report = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(report["ok"] as? Bool == true)
        let replies = try #require(report["replies"] as? Int)
        #expect(replies > 0)
        // Each reply the stand-in sent was for a request it had read whole: a bench that counted
        // a reply split across two reads twice would report more replies than requests.
        let requests = try #require(Int(lines[1].split(separator: " ")[1]))
        #expect(try #require(report["total_replies"] as? Int) <= requests)
        let p50 = try #require(report["p50_us"] as? Int), p99 = try #require(report["p99_us"] as? Int)
        #expect(p50 <= p99)
    }

    /// A RESP server on a Unix socket that answers each `HGET` request (seven lines) with
    /// `reply`, its bulk replies written in two parts; then resp-bench runs against it for a
    /// second. Prints resp-bench's output, the requests read, and its exit status.
    static let standInServer = """
        import os, socket, subprocess, sys, threading, time
        path, bench, kind = sys.argv[1:4]
        reply = {"bulk": b"$1\\r\\nB\\r\\n", "nil": b"$-1\\r\\n", "garbage": b"?\\r\\n"}[kind]
        requests = [0]
        listener = socket.socket(socket.AF_UNIX)
        listener.bind(path)
        listener.listen(8)
        def serve(connection):
            pending = b""
            while True:
                data = connection.recv(4096)
                if not data:
                    return
                pending += data
                while pending.count(b"\\r\\n") >= 7:
                    for _ in range(7):
                        pending = pending[pending.index(b"\\r\\n") + 2:]
                    requests[0] += 1
                    try:
                        connection.sendall(reply[:2])
                        time.sleep(0.0002)
                        connection.sendall(reply[2:])
                    except OSError:
                        return
        def accept():
            while True:
                connection, _ = listener.accept()
                threading.Thread(target=serve, args=(connection,), daemon=True).start()
        threading.Thread(target=accept, daemon=True).start()
        run = subprocess.run([bench, "-s", path, "-c", "2", "-t", "1", "-w", "0", "-r", "1000"], capture_output=True, text=True)
        print(run.stdout.strip())
        print("requests %d" % requests[0])
        print("status %d" % run.returncode)
        """

    @Test func compareScriptParsesAndListsItsOptions() async throws {
        let result = try await runCommand("/usr/bin/python3", [Repository.path("Scripts/benchmark-compare"), "--help"])
        #expect(result.status == 0, "\(result.stderr)")
        for option in ["--enterprises", "--seconds", "--trials", "--quick"] {
            #expect(result.stdout.contains(option), "\(result.stdout)")
        }
    }
}
