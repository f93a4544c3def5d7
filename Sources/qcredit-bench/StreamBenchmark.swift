// qcredit-bench streams SOCKET --codes FILE [--seconds S]: GetGrades streams over a running
// daemon's socket.
//
// vlbench sends one string parameter; GetGrades takes an array and streams one reply per code.
// This client calls it as a bank's portfolio job would, on one connection with blocking system
// calls on one thread (`BlockingVarlinkConnection`): GetGrades of 10,000 codes drawn at random
// from FILE, its replies read until the 10,000th NUL, then the next call, for S seconds (default
// 5) after a one-second warm-up. The rate is codes per second of time spent in calls, from a
// call's first byte sent to its last reply's NUL (each call's text is made before its clock
// starts). The last line, `figures: …`, is for scripts (Scripts/benchmark compare): that rate and
// each call's p50/p99.
import Foundation

enum StreamBenchmark {
    static let codesPerCall = 10_000

    static func run(arguments: [String]) throws {
        let codesIndex = arguments.firstIndex(of: "--codes").map { $0 + 1 }
        guard let socket = arguments.first, !socket.hasPrefix("--"), let codesIndex, codesIndex < arguments.count else {
            print("usage: qcredit-bench streams SOCKET --codes FILE [--seconds S]")
            exit(2)
        }
        let seconds = arguments.firstIndex(of: "--seconds").flatMap { index in
            index + 1 < arguments.count ? Double(arguments[index + 1]) : nil
        } ?? 5
        let codesPath: String = arguments[codesIndex]
        let codes = try String(contentsOfFile: codesPath, encoding: .utf8).split(whereSeparator: \.isNewline).map { String($0) }
        guard !codes.isEmpty else {
            print("\(codesPath) holds no codes")
            exit(1)
        }
        let connection = try BlockingVarlinkConnection(socketPath: socket)
        var generator = SystemRandomNumberGenerator()
        func oneCall() throws -> Duration {
            // The call's text is made before the clock starts: the client's own work is not the daemon's.
            let batch = (0..<codesPerCall).map { _ in "\"\(codes.randomElement(using: &generator)!)\"" }
            let parameters = "{\"codes\":[\(batch.joined(separator: ","))]}"
            let started = ContinuousClock.now
            try connection.stream("org.qcredit.query.GetGrades", parametersJSON: parameters, replies: codesPerCall)
            return ContinuousClock.now - started
        }
        let warmUpEnd = ContinuousClock.now + .seconds(1)
        while ContinuousClock.now < warmUpEnd { _ = try oneCall() }
        var durations: [Duration] = []
        let start = ContinuousClock.now
        while ContinuousClock.now - start < .seconds(seconds) { durations.append(try oneCall()) }
        let inCalls = durations.reduce(Duration.zero, +)
        let total = Double(durations.count * codesPerCall)
        // Codes per second of time spent in calls (from the first byte sent to the last reply's NUL).
        let rate = total / inCalls.inSeconds
        let sorted = durations.map { $0.inSeconds * 1e6 }.sorted()
        let p50 = sorted[sorted.count / 2]
        let p99 = sorted[min(sorted.count - 1, Int(Double(sorted.count) * 0.99))]
        print(
            "GetGrades of \(codesPerCall) codes, one connection: \(Int(rate)) codes/s over \(durations.count) calls, "
                + "a call p50 \(Int(p50)) µs, p99 \(Int(p99)) µs")
        print("figures: codes-per-s=\(rate) call-p50-us=\(p50) call-p99-us=\(p99) calls=\(durations.count)")
    }
}
