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
        try await Self.killUnderWriteLoad(try await DaemonProcess())
    }

    /// The same while the WAL is copied into the database file beside the writer every few
    /// commits (`walCheckpointPages = 20`), so the kill lands while copies run.
    @Test func everyAcknowledgedWriteSurvivesKillDashNineWhileTheWALIsCopied() async throws {
        let daemon = try await DaemonProcess(config: "walCheckpointPages = 20\n" + DaemonProcess.logConfig)
        let database = (daemon.stateDirectory as NSString).appendingPathComponent("registry.sqlite")
        let size = { @Sendable in (try? FileManager.default.attributesOfItem(atPath: database)[.size] as? Int) ?? 0 }
        let before = size()
        try await Self.killUnderWriteLoad(daemon) { size() > before }
    }

    /// Two clients register files as fast as they can; once 200 are acknowledged (and `ready`
    /// holds), the daemon is killed; after a restart every acknowledged file is there.
    ///
    /// The writers are plain blocking connections on threads of their own: on the cooperative
    /// pool (two threads here) they would wait behind every other test's work for each reply,
    /// and write a few dozen files a minute instead of hundreds a second.
    private static func killUnderWriteLoad(_ daemon: DaemonProcess, ready: @escaping @Sendable () -> Bool = { true })
        async throws
    {
        let acknowledged = Mutexed<[String]>([])
        let writersLeft = Mutexed(2)
        for writer in 0..<2 {
            Thread {
                defer { writersLeft.modify { $0 -= 1 } }
                guard let connection = try? RawSocket(path: daemon.socketPath) else { return }
                var n = writer
                while true {
                    let code = Self.uscc(n)
                    let call = #"{"method":"org.qcredit.admin.RegisterEnterprise","parameters":{"code":"\#(code)","name":"Durable Co. \#(n)"}}"#
                    // Ends when the daemon dies: the connection closes, or an error comes back.
                    guard connection.send(call), let reply = connection.receive(), !reply.contains(#""error""#) else { return }
                    acknowledged.modify { $0.append(code) }
                    n += 2
                }
            }.start()
        }
        let deadline = ContinuousClock.now + .seconds(60)
        while acknowledged.get().count < 200 || !ready() {
            #expect(ContinuousClock.now < deadline, "\(acknowledged.get().count) acknowledged, ready: \(ready())")
            guard ContinuousClock.now < deadline else { break }
            try await Task.sleep(for: .milliseconds(5))
        }
        await daemon.kill(SIGKILL)
        while writersLeft.get() > 0 { try await Task.sleep(for: .milliseconds(5)) }
        let written = acknowledged.get()
        // A failed expectation, not a crash of the whole test run, when nothing was acknowledged.
        let first = try #require(written.first, "no write was acknowledged")

        try await daemon.start()
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
        _ = try await client.call("org.qcredit.admin.PublishGrades", parameters: ["codes": [.string(first)]])
        let grade = try await client.call("org.qcredit.query.GetGrade", parameters: ["code": .string(first)])
        #expect(grade["grade"]?["logIndex"] == 1)
        await client.close()
    }

    @Test func sigtermStopsCleanlyAndRemovesTheSocket() async throws {
        let daemon = try await DaemonProcess()
        _ = try await daemon.call("org.varlink.service.GetInfo")
        #expect(await daemon.stop() == 0)
        #expect(!FileManager.default.fileExists(atPath: daemon.socketPath))
        #expect(daemon.log.contains("qcreditd stopped"))
        // And it starts again on the same state.
        try await daemon.start()
        #expect(try await daemon.call("org.varlink.service.GetInfo")["product"] == "qcreditd")
    }
}
