// qcredit-bench proofs SOCKET [--seconds S]: the log's proofs over a running daemon's socket.
//
// vlbench sends one string parameter, and the proof methods take integers, so this client
// measures them as vlbench would: one connection, one call at a time, written and then read
// with blocking system calls on one thread (`BlockingVarlinkConnection`), S seconds each
// (default 5):
//   1. GetInclusionProof of a random leaf in the tree of the latest checkpoint;
//   2. GetConsistencyProof from a random older size to that tree;
//   3. org.varlink.service.GetInfo, which does no work: this client's own round trip, for scale.
// The last line, `figures: …`, is for scripts (Scripts/benchmark compare).
import Foundation
import Varlink
import VarlinkNIO

enum ProofBenchmark {
    static func run(arguments: [String]) async throws {
        guard let socket = arguments.first, !socket.hasPrefix("--") else {
            print("usage: qcredit-bench proofs SOCKET [--seconds S]")
            exit(2)
        }
        let seconds = arguments.firstIndex(of: "--seconds").flatMap { index in
            index + 1 < arguments.count ? Double(arguments[index + 1]) : nil
        } ?? 5
        let checkpointClient = try await VarlinkClient.connect(socketPath: socket)
        let checkpoint = try await checkpointClient.call("org.qcredit.audit.GetCheckpoint")
        await checkpointClient.close()
        let client = try BlockingVarlinkConnection(socketPath: socket)
        guard let size = checkpoint["size"]?.intValue, size > 1 else {
            print("the log's latest checkpoint covers fewer than 2 records: nothing to prove")
            exit(1)
        }
        var generator = SystemRandomNumberGenerator()
        let inclusion = try await measure(seconds: seconds) {
            let index = Int64.random(in: 0..<size, using: &generator)
            _ = try client.call(
                "org.qcredit.audit.GetInclusionProof", parametersJSON: "{\"index\":\(index),\"treeSize\":\(size)}")
        }
        let consistency = try await measure(seconds: seconds) {
            let old = Int64.random(in: 1..<size, using: &generator)
            _ = try client.call(
                "org.qcredit.audit.GetConsistencyProof", parametersJSON: "{\"fromSize\":\(old),\"toSize\":\(size)}")
        }
        let info = try await measure(seconds: seconds) { _ = try client.call("org.varlink.service.GetInfo") }
        print(inclusion.line("GetInclusionProof at \(size) leaves"))
        print(consistency.line("GetConsistencyProof to \(size) leaves"))
        print(info.line("GetInfo (this client's round trip)"))
        print(
            "figures: leaves=\(size) " + inclusion.figures("inclusion") + " " + consistency.figures("consistency") + " "
                + info.figures("getinfo"))
    }

    /// Calls `body` one at a time for `seconds` and keeps each call's round trip.
    static func measure(seconds: Double, _ body: () async throws -> Void) async throws -> RoundTrips {
        var times: [Double] = []
        let start = ContinuousClock.now
        while LogBenchmark.seconds(ContinuousClock.now - start) < seconds {
            let (time, _) = try await LogBenchmark.timed(body)
            times.append(time)
        }
        return RoundTrips(seconds: times, wall: LogBenchmark.seconds(ContinuousClock.now - start))
    }
}
