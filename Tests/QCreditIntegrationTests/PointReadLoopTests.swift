import CanonicalJSON
import Foundation
import Glibc
import Testing

/// A bank's `GetGrade` calls are answered on the daemon's accept loop (README, "Point reads on
/// the accept loop"); whatever else a connection sends moves it to the event loops, and the
/// replies keep the order of the calls.
@Suite struct PointReadLoopTests {
    static let config = """
        [roles]
        regulator = ["uid:\(getuid())"]
        bank = ["uid:\(getuid())"]
        """

    static let codes = ["911522010783762860", "9115220107837941X1", "91350100M000100Y43"]

    @Test func pipelinedGradesAndOtherCallsAreAnsweredInOrderOnTheAcceptLoop() async throws {
        let daemon = try await DaemonProcess(config: Self.config)
        for (index, code) in Self.codes.enumerated() {
            _ = try await daemon.call("org.qcredit.admin.RegisterEnterprise", ["code": .string(code), "name": .string("Loop Co. \(index)")])
        }
        let socket = try RawSocket(path: daemon.socketPath)
        var calls = ""
        var expected: [String] = []  // the USCC of each GetGrade reply, "info" for GetInfo
        for n in 0..<240 {
            if n == 100 || n == 200 {
                calls += #"{"method":"org.varlink.service.GetInfo"}"# + "\0"
                expected.append("info")
            } else {
                let code = Self.codes[n % Self.codes.count]
                calls += #"{"method":"org.qcredit.query.GetGrade","parameters":{"code":"\#(code)"}}"# + "\0"
                expected.append(code)
            }
        }
        #expect(socket.send(Array(calls.utf8)))
        for want in expected {
            let frame = try #require(socket.receive())
            let reply = try JSONValue.parse(frame)
            if want == "info" {
                #expect(reply["parameters"]?["product"] != nil, "\(frame)")
            } else {
                #expect(reply["parameters"]?["grade"]?["enterprise"]?["uscc"] == .string(want), "\(frame)")
            }
        }
        let pid = try #require(daemon.daemonPID)
        let threads = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task").map {
            (try? String(contentsOfFile: "/proc/\(pid)/task/\($0)/comm", encoding: .utf8)) ?? ""
        }
        #expect(threads.contains { $0.hasPrefix("varlink-accept") }, "\(threads)")
    }
}
