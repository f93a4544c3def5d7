import CanonicalJSON
import Foundation
import Logging
import QCreditConfig
import QCreditCrypto
import QCreditDomain
import QCreditLog
import QCreditRegistry
import QCreditService
import QCreditStore
import Synchronization
import Varlink

/// The registry service in-process, on a temporary database, with peers by uid:
/// 1 regulator, 2 bank, 3 auditor, 4 operator, 9 no role at all. Every reply and error is
/// checked against the interface files as it is produced.
final class ServiceFixture: Sendable {
    static let regulator = VarlinkPeerCredentials(pid: 100, uid: 1, gid: 1)
    static let bank = VarlinkPeerCredentials(pid: 200, uid: 2, gid: 2)
    /// A second bank, for what one bank may not learn from another's doings.
    static let otherBank = VarlinkPeerCredentials(pid: 600, uid: 6, gid: 6)
    static let auditor = VarlinkPeerCredentials(pid: 300, uid: 3, gid: 3)
    static let `operator` = VarlinkPeerCredentials(pid: 400, uid: 4, gid: 4)
    static let stranger = VarlinkPeerCredentials(pid: 900, uid: 9, gid: 9)

    let directory: URL
    let clock: ManualClock
    let registry: Registry
    let log: TransparencyLogService
    let exportsDirectory: String
    let dispatcher: VarlinkDispatcher
    /// Set when the fixture answers `GetGrade` from memory where it can, as the daemon does.
    let gradeIndex: GradeAnswerIndex?
    /// What an export runs just before it takes its snapshot (nothing until a test sets it).
    let beforeExportSnapshot = TestHook()

    init(today: String = "2026-03-02", withGradeIndex: Bool = false) async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("qcredit-service-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        clock = ManualClock(CivilDate(iso: today)!)
        let database = try RegistryDatabase(path: directory.appendingPathComponent("registry.sqlite").path)
        // Refusals and failures are logged; the tests assert them through replies instead.
        let quiet = Logger(label: "qcredit.test", factory: { _ in SwiftLogNoOpLogHandler() })
        registry = try await Registry(database: database, policy: PolicyFile.defaultPolicy(), clock: clock, logger: quiet)
        let roles = FixedRoles(byUID: [1: [.regulator], 2: [.bank], 3: [.auditor], 4: [.operator], 6: [.bank]])
        // Test keys are made here, never stored in the repository.
        let keys = [
            try LogSigningKey(name: "qcredit.test/log", key: .ed25519(Ed25519PrivateKey())),
            try LogSigningKey(name: "qcredit.test/log", key: .sm2(SM2PrivateKey())),
        ]
        log = TransparencyLogService(
            origin: "qcredit.test/log", keys: keys, database: database,
            checkpointFile: directory.appendingPathComponent("checkpoint").path,
            historyFiles: [directory.appendingPathComponent(CheckpointHistory.fileName).path], logger: quiet)
        let operations = OperationsContext(
            version: "test", startedAt: clock.now(), developmentMode: false, stateDirectory: directory.path,
            backup: BackupService(database: database, log: log, stateDirectory: directory.path),
            exports: ExportService(
                registry: registry, log: log, directory: directory.appendingPathComponent("exports").path, retain: 3,
                beforeSnapshot: { [hook = beforeExportSnapshot] in try await hook.run() }),
            health: BackgroundHealth(now: { [clock] in clock.now() }))
        exportsDirectory = directory.appendingPathComponent("exports").path
        let gradeIndex = withGradeIndex ? GradeAnswerIndex(registry: registry, logger: quiet) : nil
        self.gradeIndex = gradeIndex
        dispatcher = RegistryService(
            registry: registry, log: log, operations: operations, roles: roles, gradeIndex: gradeIndex, logger: quiet
        ).dispatcher(version: "test")
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    /// All replies to one call, each validated against the method's output or error in its
    /// interface file (a mismatch is thrown, failing the test).
    func replies(
        _ method: String, _ parameters: [String: JSONValue] = [:], as peer: VarlinkPeerCredentials = regulator,
        more: Bool = false
    ) async throws -> [VarlinkReply] {
        let call = VarlinkCall(method: method, parameters: parameters, more: more)
        let replies = await dispatcher.collectReplies(to: call, context: VarlinkCallContext(credentials: peer, connectionID: 1))
        let interface = try require(dispatcher.interface(named: call.interfaceName), "no interface \(call.interfaceName)")
        for reply in replies {
            if let error = reply.error {
                try interface.validateError(name: error, parameters: reply.parameters)
            } else {
                try interface.validateOutput(method: call.methodName, parameters: reply.parameters)
            }
        }
        return replies
    }

    /// The single successful reply to a call; a varlink error is thrown as such.
    @discardableResult
    func call(
        _ method: String, _ parameters: [String: JSONValue] = [:], as peer: VarlinkPeerCredentials = regulator
    ) async throws -> [String: JSONValue] {
        let replies = try await replies(method, parameters, as: peer)
        guard replies.count == 1 else { throw Unexpected("\(replies.count) replies to \(method)") }
        if let error = replies[0].varlinkError { throw error }
        return replies[0].parameters
    }

    func logSize() async throws -> Int64 { try await registry.logSize() }

    /// Starts `WatchChanges` (a stream that never ends) as `peer`; its replies arrive on the
    /// returned stream, each validated against the interface file. Cancel the task to hang up.
    func follow(_ parameters: [String: JSONValue], as peer: VarlinkPeerCredentials = bank)
        -> (AsyncStream<VarlinkReply>, Task<Void, Never>)
    {
        let (stream, continuation) = AsyncStream.makeStream(of: VarlinkReply.self)
        let call = VarlinkCall(method: "org.qcredit.query.WatchChanges", parameters: parameters, more: true)
        let interface = dispatcher.interface(named: "org.qcredit.query")!
        let dispatcher = self.dispatcher
        let task = Task {
            try? await dispatcher.dispatch(call, context: VarlinkCallContext(credentials: peer, connectionID: 7)) { replies in
                for reply in replies {
                    if let error = reply.error {
                        try interface.validateError(name: error, parameters: reply.parameters)
                    } else {
                        try interface.validateOutput(method: "WatchChanges", parameters: reply.parameters)
                    }
                    continuation.yield(reply)
                }
            }
            continuation.finish()
        }
        return (stream, task)
    }

    /// The replies of `WatchChanges` up to the one that says the stream caught up (or an error).
    func changesUntilCaughtUp(_ parameters: [String: JSONValue], as peer: VarlinkPeerCredentials = bank) async -> [VarlinkReply] {
        let (stream, task) = follow(parameters, as: peer)
        defer { task.cancel() }
        var replies: [VarlinkReply] = []
        for await reply in stream {
            replies.append(reply)
            if reply.error != nil || reply.parameters["change"] == nil { break }
        }
        return replies
    }

    /// Credit repair of listing `id` as a regulator does it: the application, then its approval.
    @discardableResult
    func repair(listing id: JSONValue) async throws -> [String: JSONValue] {
        let application = try await call(
            "org.qcredit.admin.ApplyForRepair",
            [
                "listingId": id, "commitmentLetterSha256": .string(String(repeating: "3c", count: 32)),
                "penaltyFulfilment": "Fine paid in full", "applicantContact": "Li Ming, +86 371 0000 0000",
            ])
        return try await call(
            "org.qcredit.admin.DecideRepair",
            [
                "applicationId": try require(application["application"]?["id"], "no application id"), "decision": "approve",
                "reason": "rectification verified", "documentNumber": "郑市监修〔2027〕1号",
            ])
    }
}

struct Unexpected: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// `#require` for optionals outside Testing's macros, usable in the fixture.
func require<T>(_ value: T?, _ message: String) throws -> T {
    guard let value else { throw Unexpected(message) }
    return value
}

/// A step a test puts into the code it drives (run once, then cleared).
final class TestHook: Sendable {
    private let body = Mutex<(@Sendable () async throws -> Void)?>(nil)

    func set(_ body: @escaping @Sendable () async throws -> Void) {
        self.body.withLock { $0 = body }
    }

    func run() async throws {
        let body = self.body.withLock { body in
            defer { body = nil }
            return body
        }
        try await body?()
    }
}
