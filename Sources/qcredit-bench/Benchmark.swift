// qcredit-bench: load figures for a running qcreditd (see BENCHMARKS.md for the method).
//
// usage: qcredit-bench SOCKET [--enterprises N] [--seconds S]
//        qcredit-bench log [--records N] [--directory DIR]   (see LogBenchmark.swift)
//        qcredit-bench export [--enterprises N] [--directory DIR] [--export no] [--codes FILE]   (see ExportBenchmark.swift)
//        qcredit-bench proofs SOCKET [--seconds S]   (see ProofBenchmark.swift)
//        qcredit-bench find [--enterprises N] [--directory DIR [--load no]]   (see FindBenchmark.swift)
//        qcredit-bench files [--enterprises N] [--directory DIR] [--first-serial S]   (see ImportFiles.swift)
//        qcredit-bench regrade [--enterprises N] [--directory DIR]   (see RegradeBenchmark.swift)
// Seeds N enterprises (one event each, grades published), then measures, each for S seconds:
//   1. GetGrade latency, one client, one call at a time (p50/p99/max);
//   2. GetGrade throughput, 1 connection pipelining 64 calls;
//   3. GetGrade throughput, 8 connections pipelining 16 calls each;
//   4. durable writes (RecordEvent), one client, one at a time, and 8 clients.
import CanonicalJSON
import Foundation
import QCreditDomain
import Synchronization
import Varlink
import VarlinkNIO

/// Calls completed, counted from many tasks.
final class Counter: Sendable {
    let value = Atomic<Int>(0)
}

@main
enum Benchmark {
    /// Distinct valid USCCs for the load figures (serials from 20,000,000).
    static func uscc(_ n: Int) -> String { USCC.madeUp(serial: 20_000_000 + n) }

    static func event(_ code: String) -> JSONValue {
        [
            "code": .string(code), "dimension": "product", "kind": "spot-check-failed", "severity": "low",
            "occurredOn": "2026-01-05", "authority": "Benchmark AMR", "documentNumber": "bench-1", "summary": "benchmark event",
        ]
    }

    static func elapsed(since start: ContinuousClock.Instant) -> Double {
        (ContinuousClock.now - start).inSeconds
    }

    /// Runs `clients` connections, each keeping `depth` calls in flight, for `seconds`.
    static func throughput(socket: String, clients: Int, depth: Int, seconds: Double, _ call: @escaping @Sendable (VarlinkClient, Int) async throws -> Void)
        async throws -> Double
    {
        let completed = Counter()
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for client in 0..<clients {
                let connection = try await VarlinkClient.connect(socketPath: socket)
                for lane in 0..<depth {
                    group.addTask {
                        var n = client * 7919 + lane * 104_729
                        while elapsed(since: start) < seconds {
                            try await call(connection, n)
                            completed.value.add(1, ordering: .relaxed)
                            n += 1
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        return Double(completed.value.load(ordering: .relaxed)) / elapsed(since: start)
    }

    static let usage = """
        usage: qcredit-bench SOCKET [--enterprises N] [--seconds S]
               qcredit-bench log [--records N] [--directory DIR]
               qcredit-bench export [--enterprises N] [--directory DIR] [--events N] [--load no] [--grades no] [--export no] [--codes FILE]
               qcredit-bench proofs SOCKET [--seconds S]
               qcredit-bench streams SOCKET --codes FILE [--seconds S]
               qcredit-bench find [--enterprises N] [--directory DIR [--load no]]
               qcredit-bench files [--enterprises N] [--directory DIR] [--first-serial S]
               qcredit-bench regrade [--enterprises N] [--directory DIR]
        (BENCHMARKS.md says what each measures)
        """

    /// Every option some benchmark reads: anything else (`--help` too) prints the usage, so a
    /// mistyped option never starts a run of minutes on defaults.
    static let knownOptions: Set<String> = ["--enterprises", "--seconds", "--records", "--directory", "--export", "--codes", "--events", "--grades", "--first-serial", "--load"]

    static func main() async throws {
        let arguments = CommandLine.arguments
        if let unknown = arguments.dropFirst().first(where: { $0.hasPrefix("-") && !knownOptions.contains($0) && Int($0) == nil }) {
            if unknown == "--help" || unknown == "-h" {
                print(usage)
                exit(0)
            }
            FileHandle.standardError.write(Data("qcredit-bench: unknown option \(unknown)\n\(usage)\n".utf8))
            exit(2)
        }
        if arguments.count >= 2 && arguments[1] == "log" {
            try await LogBenchmark.run(arguments: Array(arguments.dropFirst(2)))
            return
        }
        if arguments.count >= 2 && arguments[1] == "files" {
            try ImportFiles.run(arguments: Array(arguments.dropFirst(2)))
            return
        }
        if arguments.count >= 2 && arguments[1] == "find" {
            try await FindBenchmark.run(arguments: Array(arguments.dropFirst(2)))
            return
        }
        if arguments.count >= 2 && arguments[1] == "regrade" {
            try await RegradeBenchmark.run(arguments: Array(arguments.dropFirst(2)))
            return
        }
        if arguments.count >= 2 && arguments[1] == "export" {
            try await ExportBenchmark.run(arguments: Array(arguments.dropFirst(2)))
            return
        }
        if arguments.count >= 2 && arguments[1] == "streams" {
            try StreamBenchmark.run(arguments: Array(arguments.dropFirst(2)))
            return
        }
        if arguments.count >= 2 && arguments[1] == "proofs" {
            try await ProofBenchmark.run(arguments: Array(arguments.dropFirst(2)))
            return
        }
        guard arguments.count >= 2 else {
            print(usage)
            exit(2)
        }
        let socket = arguments[1]
        func option(_ name: String, _ fallback: Int) -> Int {
            guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count, let value = Int(arguments[index + 1]) else {
                return fallback
            }
            return value
        }
        let enterprises = option("--enterprises", 10_000)
        let seconds = Double(option("--seconds", 5))
        let setup = try await VarlinkClient.connect(socketPath: socket)
        print("seeding \(enterprises) enterprises…")
        let seedStart = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for lane in 0..<32 {
                group.addTask {
                    var n = lane
                    while n < enterprises {
                        do {
                            _ = try await setup.call(
                                "org.qcredit.admin.RegisterEnterprise", parameters: ["code": .string(uscc(n)), "name": .string("Bench Co. \(n)")])
                        } catch let error as VarlinkError where error.name.hasSuffix("AlreadyRegistered") {}
                        n += 32
                    }
                }
            }
            try await group.waitForAll()
        }
        let registerRate = Double(enterprises) / elapsed(since: seedStart)
        var batchStart = 0
        while batchStart < enterprises {
            let codes = (batchStart..<min(batchStart + 1000, enterprises)).map { event(uscc($0)) }
            _ = try await setup.call("org.qcredit.admin.RecordEvents", parameters: ["events": .array(codes)])
            batchStart += 1000
        }
        let publishStart = ContinuousClock.now
        let published = try await setup.call("org.qcredit.admin.PublishGrades")
        print(
            String(
                format: "seeded: %.0f registrations/s (32 pipelined, durable); PublishGrades over all: %.2f s (%@ published)",
                registerRate, elapsed(since: publishStart), "\(published["published"]!.intValue!)"))

        // 1. Latency, one call at a time.
        var latencies: [Double] = []
        let latencyStart = ContinuousClock.now
        var n = 0
        while elapsed(since: latencyStart) < seconds {
            let t = ContinuousClock.now
            _ = try await setup.call("org.qcredit.query.GetGrade", parameters: ["code": .string(uscc(n % enterprises))])
            latencies.append(elapsed(since: t) * 1e6)
            n += 1
        }
        latencies.sort()
        func percentile(_ p: Double) -> Double { latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] }
        print(
            String(
                format: "GetGrade, 1 client, sequential: %.0f calls/s; latency p50 %.0f µs, p99 %.0f µs, max %.0f µs",
                Double(latencies.count) / elapsed(since: latencyStart), percentile(0.5), percentile(0.99), latencies.last!))

        let getGrade: @Sendable (VarlinkClient, Int) async throws -> Void = { client, n in
            _ = try await client.call("org.qcredit.query.GetGrade", parameters: ["code": .string(uscc(n % enterprises))])
        }
        print(String(format: "GetGrade, 1 connection × 64 pipelined: %.0f calls/s", try await throughput(socket: socket, clients: 1, depth: 64, seconds: seconds, getGrade)))
        print(String(format: "GetGrade, 8 connections × 16 pipelined: %.0f calls/s", try await throughput(socket: socket, clients: 8, depth: 16, seconds: seconds, getGrade)))

        let recordEvent: @Sendable (VarlinkClient, Int) async throws -> Void = { client, n in
            guard case .object(let parameters) = event(uscc(n % enterprises)) else { return }
            _ = try await client.call("org.qcredit.admin.RecordEvent", parameters: parameters)
        }
        print(String(format: "RecordEvent (durable), 1 client sequential: %.0f writes/s", try await throughput(socket: socket, clients: 1, depth: 1, seconds: seconds, recordEvent)))
        print(String(format: "RecordEvent (durable), 8 clients: %.0f writes/s", try await throughput(socket: socket, clients: 8, depth: 1, seconds: seconds, recordEvent)))
        await setup.close()
    }
}
