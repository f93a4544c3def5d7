import Foundation
import Logging
import QCreditConfig
import QCreditDomain
import QCreditRegistry
import QCreditStore

/// A fresh registry for the in-process benchmarks: `--enterprises N` (default a million) and
/// `--directory DIR` (default a temporary one, removed afterwards).
struct BenchStore {
    let arguments: [String]
    let count: Int
    let directory: String
    let database: RegistryDatabase
    let registry: Registry

    init(arguments: [String], name: String) async throws {
        self.arguments = arguments
        let count = Int(Self.option("--enterprises", in: arguments) ?? "") ?? 1_000_000
        let directory = Self.option("--directory", in: arguments) ?? NSTemporaryDirectory() + "qcredit-\(name)-bench-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])  // a state directory, as qcreditd makes one
        let quiet = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
        database = try RegistryDatabase(path: directory + "/registry.sqlite")
        registry = try await Registry(database: database, policy: PolicyFile.defaultPolicy(), logger: quiet)
        (self.count, self.directory) = (count, directory)
    }

    func option(_ name: String) -> String? { Self.option(name, in: arguments) }

    static func option(_ name: String, in arguments: [String]) -> String? {
        guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
        return arguments[index + 1]
    }

    /// Loads `count` enterprises straight into the store, 20,000 per transaction, through the
    /// store's batch insert: enterprise `n` gets code `code(n)` and the names `names(n)`, oldest
    /// first (the later ones as renamings). The next batch is made (its codes checked) while the
    /// writer writes the one before, as a client would send it while the server writes: a
    /// `COPY`'s client reads and sends its rows beside the server's work too.
    func load(code: @escaping @Sendable (Int) -> String, names: @escaping @Sendable (Int) -> [String]) async throws {
        @Sendable func batch(_ range: Range<Int>) throws -> (Range<Int>, [NewEnterprise]) {
            let enterprises = try range.map { n in
                let code = try EnterpriseCode(validating: code(n))
                return NewEnterprise(
                    codes: [EnterpriseCodeEntry(code: code.value, kind: .uscc), EnterpriseCodeEntry(code: code.orgCode, kind: .orgCode)],
                    name: names(n)[0], divisionCode: code.divisionCode, entityType: "enterprise")
            }
            return (range, enterprises)
        }
        let size = 20_000
        var next: Task<(Range<Int>, [NewEnterprise]), any Error>? =
            count > 0 ? Task { try batch(0..<min(size, count)) } : nil
        while let making = next {
            let (range, enterprises) = try await making.value
            next = range.upperBound < count ? Task { try batch(range.upperBound..<min(range.upperBound + size, count)) } : nil
            let audit = AuditContext(method: "bench.load", peer: nil, parameters: "{}", at: registry.clock.now())
            try await database.write(audit: audit) { writer in
                let ids = try writer.insertEnterprises(enterprises)
                for (n, id) in zip(range, ids) {
                    for name in names(n).dropFirst() {
                        try writer.insertRevision(
                            enterpriseId: id, name: name, divisionCode: enterprises[n - range.lowerBound].divisionCode,
                            entityType: "enterprise", status: .active, effectiveOn: nil, reason: "renamed", documentNumber: nil)
                    }
                }
            }
        }
    }

    /// Removes the directory unless the caller named it.
    func cleanUp() {
        if option("--directory") == nil { try? FileManager.default.removeItem(atPath: directory) }
    }
}
