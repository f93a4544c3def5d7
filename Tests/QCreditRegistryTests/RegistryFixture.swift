import CanonicalJSON
import Foundation
import GRDB
import Logging
import QCreditConfig
import QCreditDomain
import QCreditRegistry
import QCreditStore

/// A registry on a fresh database in a temporary directory, with a clock the test moves.
/// The directory is removed when the fixture goes away.
final class RegistryFixture: Sendable {
    let directory: URL
    let clock: ManualClock
    let registry: Registry
    var database: RegistryDatabase { registry.database }
    var databasePath: String { directory.appendingPathComponent("registry.sqlite").path }

    /// Real codes from the published fixture (python-stdnum's tests).
    static let usccA = "911522010783762860"
    static let usccB = "91152201078377449P"
    static let usccC = "9115220107837941X1"
    /// A published organization code (GB 11714) and a USCC built around it.
    static let legacyOrgCode = "00251805-7"
    static var usccOfLegacy: String {
        let first17 = "91410100" + "002518057"
        return first17 + String(USCC.checkCharacter(forFirst17: first17)!)
    }

    static let regulator = Caller(method: "test", peer: AuditContext.Peer(uid: 1000, gid: 1000, pid: 42))

    init(today: String = "2026-03-02", policy: Policy? = nil) async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("qcredit-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        clock = ManualClock(CivilDate(iso: today)!)
        let database = try RegistryDatabase(path: directory.appendingPathComponent("registry.sqlite").path)
        registry = try await Registry(
            database: database, policy: policy ?? PolicyFile.defaultPolicy(), clock: clock,
            logger: Logger(label: "qcredit.test", factory: { _ in SwiftLogNoOpLogHandler() }))
    }

    deinit {
        try? FileManager.default.removeItem(at: directory)
    }

    /// The registry on the same database and clock, started under `policy` (as a daemon
    /// restarted with a changed policy file is).
    func restarted(under policy: Policy) async throws -> Registry {
        try await Registry(
            database: database, policy: policy, clock: clock, logger: Logger(label: "qcredit.test", factory: { _ in SwiftLogNoOpLogHandler() }))
    }

    @discardableResult
    func register(_ code: String, name: String = "Example Quality Co., Ltd.") async throws -> Enterprise {
        try await registry.register(RegistrationRequest(code: code, name: name), by: Self.regulator)
    }

    func event(
        _ code: String, kind: String = "penalty", severity: String = "medium", occurredOn: String = "2026-01-15"
    ) -> EventInput {
        EventInput(
            code: code, dimension: "product", kind: kind, severity: severity, occurredOn: occurredOn,
            authority: "Henan Provincial Administration for Market Regulation", documentNumber: "豫市监罚〔2026〕12号",
            legalBasis: "Product Quality Law, Art. 49", summary: "Substandard products found in a spot check")
    }

    func proposal(_ code: String, listType: String = "serious-dishonesty", decisionDate: String = "2026-02-01") -> ListingProposal {
        ListingProposal(
            code: code, listType: listType, reason: "Produced and sold counterfeit products",
            legalBasis: "SAMR Order No. 44 (2021), Art. 2", authority: "Zhengzhou Administration for Market Regulation",
            documentNumber: "郑市监列〔2026〕3号", decisionDate: decisionDate)
    }

    /// Proposes and confirms a listing, returning it.
    func listed(_ code: String, listType: String = "serious-dishonesty", on date: String? = nil) async throws -> Listing {
        let proposal = try await registry.proposeListing(self.proposal(code, listType: listType), by: Self.regulator)
        return try await registry.confirmListing(
            listingId: proposal.id, publicationDate: date, authority: nil, documentNumber: nil, by: Self.regulator)
    }

    /// A credit-repair application for `listingId`, made today.
    func applyForRepair(_ listingId: Int64) async throws -> RepairApplication {
        try await registry.applyForRepair(
            RepairApplicationRequest(
                listingId: listingId, appliedOn: nil, commitmentLetterSHA256: String(repeating: "ab", count: 32),
                penaltyFulfilment: "Fine paid: receipt 豫财〔2027〕88号", applicantContact: "Li Ming, +86 371 0000 0000"),
            by: Self.regulator)
    }

    /// Applies for credit repair of `listingId` and approves it today: the listing is removed
    /// as repaired.
    @discardableResult
    func repair(_ listingId: Int64) async throws -> Listing {
        let application = try await applyForRepair(listingId)
        return try await registry.decideRepair(
            applicationId: application.id, decision: "approve", reason: "rectification verified", documentNumber: "修复〔2027〕1号",
            decidedOn: nil, authority: nil, by: Self.regulator
        ).1
    }

    /// Raw access to the database file, to look at what is stored.
    func rawDatabase() throws -> DatabaseQueue {
        try DatabaseQueue(path: databasePath)
    }

    /// Every publication record, in log order, parsed.
    func publications() async throws -> [(kind: String, body: JSONValue)] {
        let count = try await database.read { try $0.publicationCount() }
        var records: [(String, JSONValue)] = []
        for index in 0..<count {
            let record = try await database.read { try $0.publication(index: index)! }
            records.append((record.kind.rawValue, try JSONValue.parse(record.body)))
        }
        return records
    }
}
