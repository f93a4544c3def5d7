import Foundation
import Glibc
import Testing

/// Refusals are logged at most about once a second per kind, so a flood cannot fill the disk;
/// but a burst that ends still reaches the log as a count. (It waited for the next refusal of
/// its kind: twelve connections over the per-user cap showed as one line, the other eleven nowhere.)
@Suite struct RefusalLogTests {
    @Test func aBurstOfRefusalsThatEndsIsCountedInTheLog() async throws {
        let daemon = try await DaemonProcess(
            config: """
                stateDirectory = "@STATE@"
                socket = "@SOCKET@"
                [limits]
                maxConnectionsPerUser = 2
                [roles]
                regulator = ["uid:\(getuid())"]
                """)
        let held = try (0..<2).map { _ in try RawSocket(path: daemon.socketPath) }
        // Twelve more at once, each closed by the daemon: one line logged, eleven left out.
        var refused: [RawSocket] = []
        for _ in 0..<12 { refused.append(try RawSocket(path: daemon.socketPath)) }
        var log = daemon.log
        let deadline = ContinuousClock.now + .seconds(10)
        while !log.contains("refusals left out of the log"), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(200))
            log = daemon.log
        }
        #expect(log.components(separatedBy: "connection limit per user reached").count - 1 == 1, "\(log)")
        let counted = log.split(separator: "\n").filter { $0.contains("refusals left out of the log") }
        // Eleven, or twelve when the start's readiness probe still held a place as the two were taken.
        let suppressed = counted.first.flatMap { line in line.split(separator: " ").first { $0.hasPrefix("suppressed=") } }
        #expect(counted.count == 1 && ["suppressed=11", "suppressed=12"].contains(suppressed ?? ""), "\(log)")
        #expect(counted.first?.contains("userConnectionLimit") == true, "\(log)")
        _ = (held, refused)
        await daemon.stop()
    }
}
