// qcredit-bench regrade: the daily regrade at scale, in-process.
//
// Loads N enterprises straight into a fresh store, gives a fifth of them one quality event (a
// linearly decaying penalty or complaint on a random day of the last three years), grades every
// file with PublishGrades (which dates each file's next possible change), then times:
//   1. the regrade of an ordinary day (the clock moved one day on): only files due that day;
//   2. the worst case: every file made due at once and recomputed (nothing changed, so almost
//      nothing is published), which bounds any day's run.
import Foundation
import Logging
import QCreditConfig
import QCreditDomain
import QCreditRegistry
import QCreditStore

enum RegradeBenchmark {
    static func run(arguments: [String]) async throws {
        func option(_ name: String) -> String? {
            guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
            return arguments[index + 1]
        }
        let count = Int(option("--enterprises") ?? "") ?? 1_000_000
        let given = option("--directory")
        let directory = given ?? NSTemporaryDirectory() + "qcredit-regrade-bench-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])  // a state directory, as qcreditd makes one
        // A directory of its own making goes at the end, as the other benchmarks' do.
        defer { if given == nil { try? FileManager.default.removeItem(atPath: directory) } }
        let quiet = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
        let database = try RegistryDatabase(path: directory + "/registry.sqlite")
        let clock = ManualClock(CivilDate(iso: "2026-06-01")!)
        let registry = try await Registry(database: database, policy: PolicyFile.defaultPolicy(), clock: clock, logger: quiet)
        let today = registry.today

        print("loading \(count) enterprises (a fifth with an event) into \(directory)…")
        var start = ContinuousClock.now
        var loaded = 0
        while loaded < count {
            let first = loaded
            let batch = min(5000, count - loaded)
            let audit = AuditContext(method: "bench.load", peer: nil, parameters: "{}", at: clock.now())
            try await database.write(audit: audit) { writer in
                for n in first..<(first + batch) {
                    let code = try EnterpriseCode(validating: USCC.madeUp(serial: 40_000_000 + n))
                    let id = try writer.insertEnterprise()
                    try writer.insertOpeningCodes(
                        [EnterpriseCodeEntry(code: code.value, kind: .uscc), EnterpriseCodeEntry(code: code.orgCode, kind: .orgCode)],
                        enterpriseId: id)
                    try writer.insertRevision(
                        enterpriseId: id, name: "基准测试质量有限公司 \(n)", divisionCode: code.divisionCode, entityType: "enterprise",
                        status: .active, effectiveOn: nil, reason: "registered", documentNumber: nil)
                    guard n % 5 == 0 else { continue }
                    let details = QualityEventDetails(
                        dimension: .product, kind: n % 10 == 0 ? .penalty : .complaint, severity: .medium,
                        occurredOn: today.adding(days: -((n / 5 * 7919) % 1095)), authority: "bench", documentNumber: "bench-\(n)",
                        summary: "bench")
                    _ = try writer.insertEvent(enterpriseId: id, details: details)
                }
            }
            loaded += batch
        }
        print(String(format: "loaded in %.1f s", seconds(ContinuousClock.now - start)))
        start = ContinuousClock.now
        let graded = try await registry.publishGrades(codes: nil, by: .registry("bench"), batchSize: 2000)
        print(String(format: "PublishGrades: %d grades in %.1f s", graded.published, seconds(ContinuousClock.now - start)))
        let dated = try await database.read {
            try $0.enterpriseIdsDueForRegrade(through: CivilDate(iso: "9999-12-31")!, after: 0, limit: Int.max).count
        }
        print("files with a next possible change ahead: \(dated)")

        for day in 1...7 {
            clock.advance(days: 1)
            start = ContinuousClock.now
            let summary = try await registry.regradeDueFiles(batchSize: 2000)
            print(
                String(
                    format: "day +%d: recomputed %d, published %d in %.2f s", day, summary.recomputed, summary.published,
                    seconds(ContinuousClock.now - start)))
        }

        // Worst case: every file due at once.
        let audit = AuditContext(method: "bench.due", peer: nil, parameters: "{}", at: clock.now())
        try await database.write(audit: audit) { writer in
            for id in try writer.reader.enterpriseIds(after: 0, limit: Int.max) {
                try writer.setRegradeDue(enterpriseId: id, on: CivilDate(iso: "0001-01-01")!)
            }
        }
        start = ContinuousClock.now
        let all = try await registry.regradeDueFiles(batchSize: 2000)
        let time = seconds(ContinuousClock.now - start)
        print(
            String(
                format: "every file due: recomputed %d, published %d in %.1f s = %.0f files/s", all.recomputed, all.published,
                time, Double(all.recomputed) / time))
    }

    static func seconds(_ duration: Duration) -> Double { duration.inSeconds }
}
