import CanonicalJSON
import Logging
import QCreditDomain
import QCreditStore
import Synchronization

/// The registry's operations: what regulators, banks and the registry itself do to credit
/// files, applied atomically to the database under the policy's rules.
///
/// Each write is one transaction that starts with its audit entry and, when it publishes a
/// decision, appends the publication record in the same transaction, so the log and the
/// registry never disagree. Reads see one consistent snapshot.
///
/// ```swift
/// let registry = try await Registry(database: database, policy: policy)
/// let caller = Caller(method: "org.qcredit.admin.RegisterEnterprise", peer: nil)
/// _ = try await registry.register(RegistrationRequest(code: "91350100M000100Y43", name: "Example Co."), by: caller)
/// let grade = try await registry.gradeInForce(code: "91350100M000100Y43")
/// ```
public final class Registry: Sendable {
    public let database: RegistryDatabase
    public let policy: Policy
    public let clock: any RegistryClock
    /// The registry's civil time zone: dates (decisions, expiry) are dates there.
    public let utcOffset: UTCOffset
    /// The most codes one bank's watch lists hold together (``WatchList/maximumCodes``).
    public let watchListLimit: Int
    /// The most watch lists one bank keeps (``WatchList/maximumLists``).
    public let watchListCountLimit: Int
    /// Each peer's watch-list changes, one after another.
    let watchListEdits: WatchListEditGate
    /// The codes each peer's open feeds given `codes` follow together.
    public let codeFeeds: CodeFeedAllowance
    /// Name-index look-ups that came back full, which never change (``CrowdedNameProbes``).
    let crowdedNameProbes = CrowdedNameProbes()
    let logger: Logger
    private let peerWrites = Atomic<UInt64>(0)
    /// The newest time a write was recorded at (``clockBehindRecords(tolerance:)``); `.min` for none.
    let newestWriteSeconds = Atomic<Int64>(.min)

    /// Opens the registry and puts `policy` in force (publishing it if its version is new).
    public init(
        database: RegistryDatabase, policy: Policy, clock: any RegistryClock = SystemClock(),
        utcOffset: UTCOffset = .beijing, watchListLimit: Int = WatchList.maximumCodes,
        watchListCountLimit: Int = WatchList.maximumLists, watchListEdits: WatchListEditGate = WatchListEditGate(),
        codeFeeds: CodeFeedAllowance = CodeFeedAllowance(), logger: Logger = Logger(label: "qcredit.registry")
    ) async throws {
        self.watchListEdits = watchListEdits
        self.codeFeeds = codeFeeds
        self.database = database
        self.policy = policy
        self.clock = clock
        self.utcOffset = utcOffset
        self.watchListLimit = watchListLimit
        self.watchListCountLimit = watchListCountLimit
        self.logger = logger
        if let newest = try await database.read({ try $0.newestWriteTime() }) { noteWrite(at: newest) }
        try await putPolicyInForce()
    }

    /// Today's date in the registry's time zone.
    public var today: CivilDate { clock.now().civilDate(in: utcOffset) }

    /// Writes peers have started (callers with credentials, not the registry's own work): a
    /// regrade that yields to peers compares it before each batch.
    public var peerWriteCount: UInt64 { peerWrites.load(ordering: .relaxed) }

    /// Write transactions committed so far, the registry's own included: a call that moved it
    /// stored something.
    public var committedWriteCount: Int { database.committedWriteCount }

    /// Signalled at each commit: what waits for writes to go quiet watches it.
    public var commits: CommitSignal { database.commits }

    /// The database file, for naming it in a storage failure's reason.
    public var databasePath: String { database.path }

    /// Runs `body` in one write transaction audited as `caller`'s, at `now` (the clock's time by
    /// default; publishing passes the moment it decided a batch).
    func write<T: Sendable>(by caller: Caller, at now: Instant? = nil, _ body: @escaping @Sendable (RegistryWriter) throws -> T)
        async throws -> T
    {
        if caller.peer != nil { peerWrites.add(1, ordering: .relaxed) }
        let audit = AuditContext(
            method: caller.method, peer: caller.peer, parameters: caller.parameters.jsonText, at: now ?? clock.now(),
            utcOffset: utcOffset)
        let result = try await database.write(audit: audit, body)
        noteWrite(at: audit.at.secondsSinceEpoch)
        return result
    }

    /// Publishes the policy the first time its version is used; refuses a changed policy that
    /// kept an already-published version, because grades cite policies by version. Another
    /// version than the one in force before (new, or an earlier one again) makes every graded
    /// file due for recomputation today, in the same transaction: the next maintenance tick (one
    /// runs at start) publishes each grade whose letter or caps the rules now in force change.
    /// That tick regrades whatever the time of day: the day's run is forgotten, as if missed, so
    /// no grade from the rules no longer in force waits for the scheduled time.
    private func putPolicyInForce() async throws {
        let policy = self.policy
        let body = try policy.json.canonicalBytes()
        let (published, previous, previousBody) = try await database.read { reader in
            let previous = try reader.maintenanceValue(Self.policyInForceKey)
            return (try reader.policyBody(version: policy.version), previous, try previous.flatMap { try reader.policyBody(version: $0) })
        }
        try Self.refuseChangedRules(policy, published: published)
        // A store from before this key was kept, running its published policy: nothing changed.
        let changed = previous.map { $0 != policy.version } ?? (published == nil)
        guard published == nil || previous != policy.version else { return }
        let now = clock.now()
        try await write(by: .registry("putPolicyInForce")) { writer in
            // Another process may have raced us to it; the primary key settles it.
            if try writer.reader.policyBody(version: policy.version) == nil {
                let index = try writer.appendPublication(.policy(policy, publishedAt: now))
                try writer.insertPolicy(version: policy.version, body: body, publicationIndex: index)
            }
            if changed {
                try writer.markEveryGradedFileDue(by: now.civilDate(in: self.utcOffset))
                try writer.removeMaintenanceValue(Self.lastRegradeKey)
                try Self.endDisclosureOfGradesPastTheirEvents(previousPolicy: previousBody, rules: policy.disclosure, writer: writer)
            }
            try writer.setMaintenanceValue(Self.policyInForceKey, policy.version)
        }
        logger.info("grading policy in force", metadata: ["version": "\(policy.version)"])
    }

    /// A policy that shows events for a shorter time than the one in force before also ends,
    /// from its own period, the disclosure of the grade records already published that count
    /// them (each ended with its first event's disclosure, by the old period): a grade record
    /// is never shown longer than every event it names. Ends only come sooner: a longer period
    /// leaves the ends already recorded.
    static func endDisclosureOfGradesPastTheirEvents(previousPolicy: [UInt8]?, rules: DisclosureRules, writer: RegistryWriter) throws {
        let before = previousPolicy.flatMap { try? JSONValue.parse(String(decoding: $0, as: UTF8.self)) }.flatMap(DisclosureRules.init(policyJSON:))
        guard before?.events != rules.events else { return }
        for grade in try writer.reader.computedGradesCountingEvents() {
            let ends = rules.eventDisclosureEnds(occurredOn: grade.firstOccurredOn)
            if grade.disclosureEnd.map({ ends < $0 }) ?? true {
                try writer.endDisclosure(of: grade.publicationIndex, on: ends, reason: .eventDisclosureEnds)
            }
        }
    }

    /// The policy version the registry last ran with.
    static let policyInForceKey = "policyInForce"

    /// Refuses `policy` when its version was published (`published`, the canonical bytes on
    /// record) with other rules, naming the settings that differ and where the policy came from.
    /// The daemon calls it before it opens the database for writing, so that a refused start
    /// changes nothing there.
    public static func refuseChangedRules(_ policy: Policy, published: [UInt8]?, source: String? = nil) throws {
        let body = try policy.json.canonicalBytes()
        guard let published, published != body else { return }
        let before = try? JSONValue.parse(String(decoding: published, as: UTF8.self))
        let differing = before.map { Self.differingSettings($0, policy.json) } ?? []
        throw PolicyError(
            (source.map { "\($0): " } ?? "") + "policy version \(policy.version) was already published with different rules"
                + (differing.isEmpty ? "" : " (differing: \(differing.prefix(10).joined(separator: ", "))\(differing.count > 10 ? ", …" : ""))")
                + "; give the changed policy a new version")
    }

    /// The dotted paths of the members in which two policies' JSON differ (a list compared whole).
    static func differingSettings(_ old: JSONValue, _ new: JSONValue, at path: String = "") -> [String] {
        guard let oldMembers = old.objectValue, let newMembers = new.objectValue else {
            return old == new ? [] : [path.isEmpty ? "the whole policy" : path]
        }
        return Set(oldMembers.keys).union(newMembers.keys).sorted().flatMap { key -> [String] in
            let here = path.isEmpty ? key : path + "." + key
            switch (oldMembers[key], newMembers[key]) {
            case (let a?, let b?): return differingSettings(a, b, at: here)
            case (nil, nil): return []
            default: return [here]
            }
        }
    }
}

extension RegistryReader {
    /// Finds the file a code names, whichever form it is given in.
    ///
    /// A USCC not registered as such still finds a legacy file registered under its embedded
    /// organization code (the same organisation). A code whose only fault is its check
    /// character finds a file only if that exact code was admitted on import; otherwise the
    /// caller gets `invalidCode`, never a silent "not found".
    func enterpriseId(forCode input: String) throws -> Int64 {
        // A code exactly as stored needs no validation: a stored code is valid and normal, or was
        // admitted with its check-character warning, and either way the rules below find it.
        if let exact = try enterpriseId(exactCode: input) { return exact }
        let code: EnterpriseCode
        do {
            code = try EnterpriseCode(validating: input)
        } catch {
            if error.kind == .wrongCheckCharacter || error.kind == .wrongEmbeddedCheckCharacter,
                let admitted = try codeEntry(error.code), admitted.entry.checkWarning != nil
            {
                return admitted.enterpriseId
            }
            throw RegistryError.invalidCode(error)
        }
        if let found = try codeEntry(code.value) { return found.enterpriseId }
        if code.kind == .uscc, let legacy = try codeEntry(code.orgCode),
            try enterprise(id: legacy.enterpriseId)?.uscc == nil
        {
            return legacy.enterpriseId
        }
        throw RegistryError.notFound(code: code.value)
    }

    func existingEnterprise(forCode input: String) throws -> Enterprise {
        let id = try enterpriseId(forCode: input)
        guard let enterprise = try enterprise(id: id) else { throw RegistryError.notFound(code: EnterpriseCode.normalize(input)) }
        return enterprise
    }

    func existingListing(_ id: Int64) throws -> Listing {
        guard let listing = try listing(id: id) else { throw RegistryError.listingNotFound(listingId: id) }
        return listing
    }
}
