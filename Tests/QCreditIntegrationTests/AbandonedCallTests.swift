import CanonicalJSON
import Foundation
import QCreditDomain
import Testing

/// A client killed while its batch is being written: the batch rolls back whole, the daemon
/// goes on serving, and its log does not call the cancellation a failure (an operator reading
/// `call failed` looks for a fault that is not there).
@Suite struct AbandonedCallTests {
    static let rows = 10_000

    static func batch(_ number: Int) -> JSONValue {
        let enterprises: [JSONValue] = (0..<rows).map { n in
            ["code": .string(USCC.madeUp(serial: 40_000_000 + number * rows + n)), "name": .string("弃置测试企业\(number)-\(n)号")]
        }
        return ["method": "org.qcredit.admin.RegisterEnterprises", "parameters": ["enterprises": .array(enterprises)]]
    }

    @Test func aBatchWhoseClientHangsUpIsWrittenWholeOrNotAtAllAndNotLoggedAsAFailure() async throws {
        let daemon = try await DaemonProcess()
        // One batch answered, to learn how long one takes here.
        let answered = try RawSocket(path: daemon.socketPath)
        let start = ContinuousClock.now
        #expect(answered.send(Self.batch(0).jsonText))
        #expect(answered.receive()?.contains("\"imported\":10000") == true)
        let duration = ContinuousClock.now - start
        // Then batches whose clients hang up at points spread over that time, so that some
        // land inside a statement of the transaction.
        for attempt in 1...8 {
            let socket = try RawSocket(path: daemon.socketPath)
            #expect(socket.send(Self.batch(attempt).jsonText))
            try await Task.sleep(for: duration * (Double(attempt) / 8))
            _ = socket
        }
        // A write after them waits for the writer they queued on, and the daemon still serves.
        try await Task.sleep(for: .seconds(1))
        _ = try await daemon.call("org.qcredit.admin.RegisterEnterprise", ["code": .string(USCC.madeUp(serial: 39_999_999)), "name": "之后的企业"])
        // Each batch is on file whole or not at all.
        let status = try await daemon.call("org.qcredit.operator.GetStatus", [:])
        let files = status["enterprises"]?.intValue ?? -1
        #expect((files - 1) % Int64(Self.rows) == 0, "\(status)")
        #expect(!daemon.log.contains("call failed"), "\(daemon.log)")
        _ = await daemon.stop()
    }
}
