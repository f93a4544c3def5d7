// qcredit-bench log: the verifiable log's costs, in-process on the SQLite store.
//
// Appends N publication records (realistic grade records, ~500 bytes) through the store's
// writer, 1,000 per durable transaction, each append inserting its Merkle nodes; then, at N
// leaves, times the root, inclusion proofs and consistency proofs for random indexes and sizes,
// and checks every proof it times (so the figures are for correct proofs).
import CanonicalJSON
import Foundation
import QCreditDomain
import QCreditStore
import TransparencyLog

enum LogBenchmark {
    static func run(arguments: [String]) async throws {
        func option(_ name: String) -> String? {
            guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
            return arguments[index + 1]
        }
        let records = Int(option("--records") ?? "") ?? 1_000_000
        let directory = option("--directory") ?? NSTemporaryDirectory() + "qcredit-log-bench-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])  // a state directory, as qcreditd makes one
        let database = try RegistryDatabase(path: directory + "/registry.sqlite")
        print("appending \(records) records in \(directory)…")

        let batch = 1000
        var appended = 0
        let start = ContinuousClock.now
        var slowestBatch = Duration.zero
        while appended < records {
            let count = min(batch, records - appended)
            let first = appended
            let audit = AuditContext(method: "bench", peer: nil, parameters: "{}", at: Instant(secondsSinceEpoch: 1_790_000_000))
            let batchStart = ContinuousClock.now
            try await database.write(audit: audit) { writer in
                for n in first..<(first + count) { _ = try writer.appendPublication(record(n)) }
            }
            slowestBatch = max(slowestBatch, ContinuousClock.now - batchStart)
            appended += count
            if appended % 100_000 == 0 { print("  \(appended)") }
        }
        let appendTime = seconds(ContinuousClock.now - start)
        print(
            String(
                format: "append: %d records in %.1f s = %.0f records/s, %.1f µs each (1,000 per durable transaction; slowest batch %.0f ms)",
                records, appendTime, Double(records) / appendTime, appendTime / Double(records) * 1e6,
                seconds(slowestBatch) * 1000))

        let size = Int64(records)
        let (rootTime, root) = try await timed { try await database.read { try $0.merkleRoot(size: size) } }
        print(String(format: "root of %d leaves: %.0f µs", size, rootTime * 1e6))

        var generator = SystemRandomNumberGenerator()
        var inclusion: [Double] = []
        var inclusionLengths: [Int] = []
        for _ in 0..<2000 {
            let index = Int64.random(in: 0..<size, using: &generator)
            let (time, result) = try await timed {
                try await database.read { reader -> ([[UInt8]], [UInt8]) in
                    let proof = try MerkleTree.inclusionProof(index: index, size: size, reader: reader.merkleNodes)
                    let leaf = try reader.merkleNodes.hashes(of: [MerkleNodeID(level: 0, index: index)])[0]
                    return (proof, leaf)
                }
            }
            try MerkleProof.verifyInclusion(leafHash: result.1, index: index, treeSize: size, proof: result.0, root: root)
            inclusion.append(time)
            inclusionLengths.append(result.0.count)
        }
        report("inclusion proof at \(size) leaves", inclusion, hashes: inclusionLengths)

        var consistency: [Double] = []
        var consistencyLengths: [Int] = []
        for _ in 0..<2000 {
            let old = Int64.random(in: 1..<size, using: &generator)
            let (time, result) = try await timed {
                try await database.read { reader -> ([[UInt8]], [UInt8]) in
                    (try MerkleTree.consistencyProof(from: old, to: size, reader: reader.merkleNodes), try reader.merkleRoot(size: old))
                }
            }
            try MerkleProof.verifyConsistency(oldSize: old, newSize: size, oldRoot: result.1, newRoot: root, proof: result.0)
            consistency.append(time)
            consistencyLengths.append(result.0.count)
        }
        report("consistency proof to \(size) leaves (+ old root)", consistency, hashes: consistencyLengths)

        // Most of what was written may still be in the WAL: copied into the database first, the
        // file's size is what the records and nodes take.
        try await database.checkpointWAL()
        let fileSize = (try? FileManager.default.attributesOfItem(atPath: directory + "/registry.sqlite")[.size] as? Int) ?? 0
        print(String(format: "database: %.0f MB (%.0f bytes per record, nodes and records together)", Double(fileSize) / 1e6, Double(fileSize) / Double(records)))
        if option("--directory") == nil { try? FileManager.default.removeItem(atPath: directory) }
    }

    /// A grade publication like the registry's: about 500 bytes of canonical JSON.
    static func record(_ n: Int) -> PublicationRecord {
        PublicationRecord(
            kind: .grade, enterpriseId: nil,
            body: [
                "type": "grade", "format": 1, "publishedAt": "2026-11-27T10:00:00Z",
                "subject": ["uscc": .string(String(format: "91410100%010d", n)), "orgCode": .string(String(format: "%09d", n)), "name": .string("基准测试质量有限公司 \(n)")],
                "grade": [
                    "policyVersion": "2026.1", "asOf": "2026-11-27", "baseScore": 80, "score": .int(Int64(60 + n % 40)),
                    "scoreGrade": "A", "grade": "A", "caps": [],
                    "contributions": [
                        [
                            "eventId": .int(Int64(n)), "kind": "spot-check-failed", "severity": "low", "dimension": "product",
                            "occurredOn": "2026-01-05", "points": -5, "remainingDays": 770, "windowDays": 1096, "value": -4,
                        ]
                    ],
                ],
            ])
    }

    static func timed<T: Sendable>(_ body: () async throws -> T) async throws -> (Double, T) {
        let start = ContinuousClock.now
        let value = try await body()
        return (seconds(ContinuousClock.now - start), value)
    }

    static func seconds(_ duration: Duration) -> Double { duration.inSeconds }

    static func report(_ what: String, _ times: [Double], hashes: [Int]) {
        let sorted = times.sorted()
        func percentile(_ p: Double) -> Double { sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] * 1e6 }
        print(
            String(
                format: "%@: p50 %.0f µs, p99 %.0f µs, max %.0f µs (%d proofs, %d–%d hashes, each verified)", what,
                percentile(0.5), percentile(0.99), sorted.last! * 1e6, times.count, hashes.min()!, hashes.max()!))
    }
}
