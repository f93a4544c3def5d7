import CanonicalJSON
import Foundation
import Glibc
import QCreditDomain
import Testing
import Varlink
import VarlinkNIO

/// A write the daemon acknowledged survives `kill -9`, and the log stays contiguous.
@Suite struct DurabilityTests {
    /// Distinct valid USCCs for the integration tests (serials from 10,000,000).
    static func uscc(_ n: Int) -> String { USCC.madeUp(serial: 10_000_000 + n) }

    @Test func everyAcknowledgedWriteSurvivesKillDashNine() async throws {
        let daemon = try DaemonProcess()
        let acknowledged = Mutexed<[String]>([])
        // Two clients write as fast as they can; the daemon is killed in the middle.
        let writers = (0..<2).map { writer in
            Task {
                let client = try await daemon.client()
                var n = writer
                while !Task.isCancelled {
                    let code = Self.uscc(n)
                    do {
                        _ = try await client.call(
                            "org.qcredit.admin.RegisterEnterprise", parameters: ["code": .string(code), "name": .string("Durable Co. \(n)")])
                    } catch {
                        return
                    }
                    acknowledged.modify { $0.append(code) }
                    n += 2
                }
            }
        }
        while acknowledged.get().count < 200 { try await Task.sleep(for: .milliseconds(5)) }
        daemon.kill(SIGKILL)
        for writer in writers { try? await writer.value }
        let written = acknowledged.get()

        try daemon.start()
        let client = try await daemon.client()
        for code in written {
            let reply = try await client.call("org.qcredit.query.GetGrade", parameters: ["code": .string(code)])
            #expect(reply["grade"]?["enterprise"]?["uscc"] == .string(code))
        }
        // Nothing more than was sent survived either: at most each writer's one call in flight
        // when the daemon died (committed, but never acknowledged).
        let status = try await client.call("org.qcredit.operator.GetStatus")
        let registered = try #require(status["enterprises"]?.intValue)
        #expect(registered >= Int64(written.count) && registered <= Int64(written.count) + 2, "\(registered) of \(written.count)")
        // The registry still accepts writes and numbers the log without a gap.
        _ = try await client.call("org.qcredit.admin.PublishGrades", parameters: ["codes": [.string(written[0])]])
        let grade = try await client.call("org.qcredit.query.GetGrade", parameters: ["code": .string(written[0])])
        #expect(grade["grade"]?["logIndex"] == 1)
        await client.close()
    }

    @Test func sigtermStopsCleanlyAndRemovesTheSocket() async throws {
        let daemon = try DaemonProcess()
        _ = try await daemon.call("org.varlink.service.GetInfo")
        #expect(daemon.stop() == 0)
        #expect(!FileManager.default.fileExists(atPath: daemon.socketPath))
        #expect(daemon.log.contains("qcreditd stopped"))
        // And it starts again on the same state.
        try daemon.start()
        #expect(try await daemon.call("org.varlink.service.GetInfo")["product"] == "qcreditd")
    }
}
