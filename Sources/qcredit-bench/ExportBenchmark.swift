// qcredit-bench export: the nightly export at scale, in-process.
//
// Loads N enterprises straight into a fresh store (RegistryWriter.insertEnterprises, 20,000 per transaction), publishes
// their grades (one publication record each; `--grades no` skips that; `--events N` first records N
// events in durable RecordEvents batches of 1,000), then runs a full export through the same
// ExportService the daemon uses and reports its time, throughput, size and the process's peak
// resident memory during the export (VmHWM, reset through /proc/self/clear_refs just before).
//
// `--export no` stops after the load (and publication), leaving in `--directory` a state directory
// that qcreditd can serve: nothing signed yet, so the daemon makes its own log keys on first start.
// `--load no` takes the store already in `--directory` as it is (a copy of one loaded with
// `--grades no --export no`, say), so that publishing alone can be timed again and again.
// `--codes FILE` writes the loaded USCCs there, one a line (for load generators such as vlbench).
import Foundation
import Logging
import QCreditConfig
import QCreditCrypto
import QCreditDomain
import QCreditExport
import QCreditLog
import QCreditRegistry
import QCreditService
import QCreditStore

enum ExportBenchmark {
    static func run(arguments: [String]) async throws {
        let store = try await BenchStore(arguments: arguments, name: "export")
        let (count, directory, database, registry) = (store.count, store.directory, store.database, store.registry)
        let quiet = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
        func option(_ name: String) -> String? { store.option(name) }

        var start = ContinuousClock.now
        var loadTime = 0.0
        if option("--load") != "no" {
            print("loading \(count) enterprises into \(directory)…")
            try await store.load(code: { uscc($0) }) { n in ["基准测试质量有限公司 \(n)"] }
            loadTime = seconds(ContinuousClock.now - start)
            print(String(format: "loaded in %.1f s = %.0f enterprises/s", loadTime, Double(count) / loadTime))
        }
        if let codes = option("--codes") {
            try (0..<count).map { uscc($0) + "\n" }.joined().write(toFile: codes, atomically: true, encoding: .utf8)
        }
        if let events = Int(option("--events") ?? "") {
            // Durable RecordEvents batches of 1,000, through the registry as the daemon calls it.
            // The inputs are made before the clock starts: a client makes them, not the registry.
            let occurredOn = registry.today.adding(days: -30).description
            let batches = stride(from: 0, to: events, by: 1000).map { first in
                (first..<min(first + 1000, events)).map { n in
                    EventInput(
                        code: uscc(n % count), dimension: "product", kind: "penalty", severity: "medium",
                        occurredOn: occurredOn, authority: "基准测试市场监督管理局",
                        documentNumber: "基准〔2026〕\(n)号", summary: "Substandard products found in a spot check")
                }
            }
            start = ContinuousClock.now
            for batch in batches {
                _ = try await registry.recordEvents(batch, by: .registry("bench"))
            }
            let eventTime = seconds(ContinuousClock.now - start)
            print(String(format: "recorded %d events in %.1f s = %.0f events/s", events, eventTime, Double(events) / eventTime))
        }
        var publishTime = 0.0
        if option("--grades") != "no" {
            start = ContinuousClock.now
            let published = try await registry.publishGrades(codes: nil, by: .registry("bench"), batchSize: 2000)
            publishTime = seconds(ContinuousClock.now - start)
            print(
                String(
                    format: "published %d grades in %.1f s = %.0f grades/s", published.published, publishTime,
                    Double(published.published) / publishTime))
        }
        if option("--export") == "no" {
            print(String(format: "figures: enterprises=%d load-s=%.3f publish-s=%.3f", count, loadTime, publishTime))
            return
        }

        let keyDirectory = directory + "/keys"
        try FileManager.default.createDirectory(atPath: keyDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let keys = [
            try LogSigningKey(name: "qcredit.bench/registry", key: .ed25519(Ed25519PrivateKey())),
            try LogSigningKey(name: "qcredit.bench/registry", key: .sm2(SM2PrivateKey())),
        ]
        let log = TransparencyLogService(
            origin: "qcredit.bench/registry", keys: keys, database: database, checkpointFile: directory + "/checkpoint",
            historyFiles: [directory + "/" + CheckpointHistory.fileName], logger: quiet)
        let exports = ExportService(registry: registry, log: log, directory: directory + "/exports", retain: 3, logger: quiet)

        resetPeakMemory()
        let before = memory("VmRSS")
        start = ContinuousClock.now
        let result = try await exports.export(full: true)
        let time = seconds(ContinuousClock.now - start)
        let peak = memory("VmHWM")
        let bytes = Double(result["bytes"]?.intValue ?? 0)
        print(
            String(
                format: "export (full): %d enterprises, %d log entries, %.0f MB in %.1f s = %.0f enterprises/s, %.1f MB/s",
                result["enterprises"]?.intValue ?? 0, result["entries"]?.intValue ?? 0, bytes / 1e6, time,
                Double(count) / time, bytes / 1e6 / time))
        print(String(format: "resident memory: %.0f MB before the export, peak during it %.0f MB", before / 1024, peak / 1024))
        print("figures: bytes=\(Int(bytes)) rss-before-kib=\(Int(before)) peak-kib=\(Int(peak))")
        store.cleanUp()
    }

    static func uscc(_ n: Int) -> String { USCC.madeUp(serial: 30_000_000 + n) }

    static func seconds(_ duration: Duration) -> Double { duration.inSeconds }

    /// Resets the kernel's peak-RSS mark (VmHWM) for this process.
    static func resetPeakMemory() {
        try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
    }

    /// A /proc/self/status figure in KiB.
    static func memory(_ field: String) -> Double {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        for line in status.split(separator: "\n") where line.hasPrefix(field + ":") {
            return Double(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
        }
        return 0
    }
}
