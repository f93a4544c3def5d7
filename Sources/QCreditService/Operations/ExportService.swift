import CanonicalJSON
import Foundation
import Logging
import QCreditDomain
import QCreditExport
import QCreditLog
import QCreditRegistry
import QCreditStore
import Synchronization

/// Writes signed exports of the registry (format: `ExportFormat` in QCreditExport) into the
/// exports directory, one at a time, and keeps the newest `retain` of them.
///
/// An export is taken from one read snapshot of the database: the state, the listings and the
/// log entries up to a checkpoint signed for exactly that snapshot's log all describe the same moment.
public final class ExportService: Sendable {
    public let registry: Registry
    public let log: TransparencyLogService
    public let directory: String
    public let retain: Int
    /// The group that may read the restricted parts; nil: the group their files get.
    public let restrictedGroup: RestrictedGroup?
    private let serial = SerialTasks()
    private let logger: Logger
    /// Every name this process gave an export: while the daemon runs, a name is not given twice,
    /// even when the export that had it was withdrawn or pruned within the same second (a
    /// restart takes longer than the second a name is made of).
    private let namesGiven = Mutex<Set<String>>([])
    /// Set when the daemon starts to stop: an export in progress stops at its next line and no
    /// new one starts, so that a large export cannot hold the daemon past its stop bound.
    private let stopping = Atomic<Bool>(false)
    /// Run by an export just before it takes its snapshot: tests commit a write there.
    private let beforeSnapshot: (@Sendable () async throws -> Void)?

    public init(
        registry: Registry, log: TransparencyLogService, directory: String, retain: Int, restrictedGroup: RestrictedGroup? = nil,
        logger: Logger = Logger(label: "qcredit.export"), beforeSnapshot: (@Sendable () async throws -> Void)? = nil
    ) {
        self.beforeSnapshot = beforeSnapshot
        self.logger = logger
        self.registry = registry
        self.log = log
        self.directory = directory
        self.retain = retain
        self.restrictedGroup = restrictedGroup
    }

    /// The newest export in the directory, if any.
    public func latestExport() -> ExportWritten? {
        guard FileManager.default.fileExists(atPath: directory), let latest = try? PreviousExport.latest(in: directory),
            let name = latest.name,
            let manifest = try? ExportManifestSummary.read(directory: (directory as NSString).appendingPathComponent(name))
        else { return nil }
        return ExportWritten(name: name, kind: manifest.kind, treeSize: manifest.treeSize, created: manifest.created)
    }

    /// The newest export this registry wrote, in the exports directory or not (withdrawn, pruned).
    public func newestWritten() async throws -> ExportWritten? {
        try await registry.database.read { try $0.newestExportWritten() }
    }

    /// Writes an export and its restricted part: a delta since the newest one unless `full` (or
    /// there is none yet).
    /// Returns the reply of `org.qcredit.operator.Export`.
    public func export(full: Bool) async throws -> [String: JSONValue] {
        do {
            let result = try await serial.run { try await self.write(full: full) }
            logger.notice(
                "export written",
                metadata: ["name": "\(result["name"]?.stringValue ?? "?")", "kind": "\(result["kind"]?.stringValue ?? "?")",
                    "bytes": "\(result["bytes"]?.intValue ?? 0)"])
            return result
        } catch {
            // The caller (a timer's `qcredit export`) may not keep its output: the daemon's log does.
            logger.error("export failed", metadata: ["reason": "\(error)"])
            throw error
        }
    }

    /// Stops an export in progress at its next line (it leaves nothing behind, and its caller
    /// gets `ExportFailed` saying why) and refuses new ones: the daemon is stopping. A large
    /// export runs for minutes; finished regardless, it held a stopping daemon past systemd's
    /// stop timeout, which then killed it before its last checkpoint.
    public func stopWriting() {
        stopping.store(true, ordering: .releasing)
    }

    private var stopRequested: Bool { stopping.load(ordering: .acquiring) }

    /// Removes every public export (with its restricted part) that publishes a record whose
    /// public disclosure has ended since it was written — a listing repaired or revoked, a
    /// disclosure period run out — and returns their names. The registry calls it when a
    /// decision ends a disclosure, daily, and before each export, so that the public directory
    /// never holds more than the public may see today; every opening stays in the database,
    /// its backups and the newest restricted part.
    public func withdrawUndisclosed() async throws -> [String] {
        do {
            return try await serial.run {
                guard FileManager.default.fileExists(atPath: self.directory) else { return [] }
                return try await self.withdraw()
            }
        } catch {
            logger.error("exports not withdrawn yet: the next maintenance tick or export tries again", metadata: ["error": "\(error)"])
            throw error
        }
    }

    /// Withdraws the exports ``exportsHoldingUndisclosedRecords()`` names, but only those whose
    /// MANIFEST still verifies: what an altered MANIFEST says (its day, say) is not the log's,
    /// and deleting the export would destroy the evidence of the change. Such an export is left
    /// in place and logged.
    private func withdraw() async throws -> [String] {
        // A withdrawal cut short by a kill left a `.deleting` copy the public can still read.
        let leftovers = try ExportWriter.removeLeftovers(exportsDirectory: directory)
        if !leftovers.isEmpty {
            logger.notice("removed what a killed export or withdrawal left in the exports directory", metadata: ["names": "\(leftovers)"])
        }
        // One whose MANIFEST does not parse may hold anything: it is left for whoever looks into it.
        for (name, problem) in try PreviousExport.unreadable(in: directory) {
            logger.error("export does not verify; left in place, not withdrawn", metadata: ["name": "\(name)", "reason": "\(problem)"])
        }
        var withdrawing = try await exportsHoldingUndisclosedRecords()
        for name in withdrawing.sorted() {
            if let problem = try await problemAsBase(name) {
                withdrawing.remove(name)
                logger.error(
                    "export does not verify; left in place, not withdrawn", metadata: ["name": "\(name)", "reason": "\(problem)"])
            }
        }
        guard !withdrawing.isEmpty else { return [] }
        let withdrawn = try ExportWriter.prune(exportsDirectory: directory, retain: retain, withdrawing: withdrawing)
        // Whoever triggered it (a removal's reply, maintenance, an export), the daemon's log says
        // where the exports went: an auditor who did not copy one in time learns why it is gone.
        if !withdrawn.isEmpty {
            logger.notice("exports withdrawn: they publish records no longer disclosed", metadata: ["exports": "\(withdrawn)"])
        }
        return withdrawn
    }

    /// Whether the export at `path`, which none of the log's keys of today signed, was signed by
    /// a key the log had before a rotation: one key the export publishes verifies both its
    /// MANIFEST and its checkpoint, and that checkpoint's tree is this log's (the same root at
    /// its size), so that key signed this log. Such an export is withdrawn and extended like any
    /// other.
    private func isSignedByAFormerKey(_ path: String) async throws -> Bool {
        guard let export = try? PreviousExport.read(directory: path) else { return false }
        let signer = ExportVerifier.publishedVerifierKeys(directory: path).first { key in
            ExportVerifier.problemAsPrevious(directory: path, verifierKeys: [key]) == nil
        }
        guard signer != nil else { return false }
        let treeSize = export.treeSize
        let root = try await registry.database.read { reader in
            treeSize <= (try reader.publicationCount()) ? try reader.merkleRoot(size: treeSize) : nil
        }
        return root == export.rootHash
    }

    /// Why export `name` may not be the base of the next export (or trusted for what its
    /// MANIFEST says), or nil: it verifies as `--previous` checks it with today's keys
    /// (``ExportVerifier/problemAsPrevious(directory:verifierKeys:)``), or none of them signed it
    /// and a key the log had before a rotation did. One that today's keys signed but one of
    /// their signatures fails was altered.
    private func problemAsBase(_ name: String) async throws -> ExportVerifier.PreviousProblem? {
        let path = (directory as NSString).appendingPathComponent(name)
        guard let problem = ExportVerifier.problemAsPrevious(directory: path, verifierKeys: log.keys.map(\.verifierKey)) else {
            return nil
        }
        guard problem.signedByNoGivenKey, try await isSignedByAFormerKey(path) else { return problem }
        return nil
    }

    /// The public exports that disclose a record the public may no longer see: one whose
    /// disclosure ended after the export's day, or was recorded after it was written.
    ///
    /// "After it was written" is told by the log, not the clock: the newest audit entry the
    /// export's snapshot held is on record (Schema/0024), and an end recorded by a later
    /// transaction (audit entries count up in commit order) was not known to it. For an export
    /// with no such record (written before, or lost to a restore), an end from the transaction
    /// that appended the export's last record or an earlier one was known to it; only a later
    /// end is compared by time with the export's making.
    private func exportsHoldingUndisclosedRecords() async throws -> Set<String> {
        let exports = try PreviousExport.all(in: directory).compactMap { export -> (name: String, size: Int64, madeAt: Int64, asOf: CivilDate)? in
            guard let name = export.name, let created = export.created.flatMap(Instant.init(rfc3339:)),
                let asOf = export.asOf.flatMap(CivilDate.init(iso:))
            else { return nil }
            return (name, export.treeSize, created.secondsSinceEpoch, asOf)
        }
        guard let earliestDay = exports.map(\.asOf).min(), let earliestMade = exports.map(\.madeAt).min() else { return [] }
        let today = registry.today
        let (ends, allEnds, lastTransactions, snapshots) = try await registry.database.read { reader in
            // What each export saw, where it is on record: then the log alone decides.
            let snapshots = try reader.exportSnapshots(named: exports.map(\.name))
            let ends = try reader.disclosureEnds(
                after: earliestDay, orRecordedAfter: earliestMade, orAfterAuditEntry: snapshots.values.min(), through: today)
            // For an export with no snapshot on record: the transaction that ended its tree.
            var lastTransactions: [Int64: Int64] = [:]
            for size in Set(exports.filter { snapshots[$0.name] == nil }.map(\.size)) {
                lastTransactions[size] = try reader.auditIdOfRecord(at: size - 1)
            }
            return (ends, try reader.disclosureEnds(of: Set(ends.map(\.index))), lastTransactions, snapshots)
        }
        return Set(
            exports.filter { export in
                let lastTransaction = lastTransactions[export.size] ?? nil
                let snapshot = snapshots[export.name]
                func recordedAfter(_ end: RecordedDisclosureEnd) -> Bool {
                    if let snapshot { return end.auditId > snapshot }
                    if let lastTransaction, end.auditId <= lastTransaction { return false }
                    return end.recordedAt >= export.madeAt
                }
                return ends.contains { end in
                    // The export disclosed the record (no end known when it was made had taken
                    // effect by its day: a record hidden earlier, by another end, it never held
                    // open), and by this end the public may no longer see it.
                    end.index < export.size && (export.asOf < end.endsOn || recordedAfter(end))
                        && !(allEnds[end.index] ?? []).contains { !recordedAfter($0) && $0.endsOn <= export.asOf }
                }
            }.map(\.name))
    }

    private func write(full: Bool) async throws -> [String: JSONValue] {
        let directory = self.directory
        guard !stopRequested else { throw ExportServiceError(Self.stoppedMessage) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        // The state, the listings and the entries are read from one snapshot, and the tree is
        // the log that snapshot holds, signed for it: a write committed after the newest
        // checkpoint would otherwise be in the state but not in the tree the export publishes.
        // Taken before the base is chosen: every disclosure end this export knows of is then
        // known to the withdrawal below, so its base never holds a record it no longer
        // discloses (a removal committed between the withdrawal and the snapshot left a delta
        // whose base was withdrawn after it, and the crash harness found the chain broken).
        try await beforeSnapshot?()
        let (snapshot, checkpoint) = try await log.signedSnapshot()
        // No export that the public may no longer see stays, nor becomes the base of a delta
        // (an altered one is not withdrawn: see withdraw()).
        let withdrawn = try await withdraw()
        // An export whose MANIFEST no longer parses was altered (exports are renamed into place
        // whole): which tree it held, and whether it is the newest, cannot be known. Like an
        // altered newest export, it stops exports until someone looks at it.
        if let (name, problem) = try PreviousExport.unreadable(in: directory).first {
            throw ExportServiceError(
                "the export \(name) does not verify (\(problem)): move it out of \(directory) to export again, "
                    + "after finding out who changed it")
        }
        let previous = try PreviousExport.latest(in: directory)
        // The base of the next export must be one this log signed, as its checkpoint says (with
        // its keys of today, or of before a rotation); an altered newest export stops exports
        // until someone looks at it.
        if let name = previous?.name, let problem = try await problemAsBase(name) {
            throw ExportServiceError(
                "the previous export \(name) does not verify (\(problem)): after finding out who changed it, move it out of "
                    + "\(directory); the next export then extends the newest export left, or is full when none is left")
        }
        let now = registry.clock.now()
        let created = now.rfc3339
        let asOf = now.civilDate(in: registry.utcOffset)
        let kind: ExportKind = full || previous == nil ? .full : .delta
        let name = namesGiven.withLock { given in
            let name = Self.uniqueName(in: directory, base: ExportFormat.exportName(created: created, kind: kind), avoiding: given)
            given.insert(name)
            return name
        }
        let keys = log.keys.map { key in
            ExportSigningKey(type: key.kind.rawValue, verifierKey: key.verifierKey, publicKeyPEM: key.publicKeyPEM, signer: key.signer)
        }
        let registry = self.registry
        let origin = log.origin
        let restrictedGroup = self.restrictedGroup
        let (summary, lastAuditId) = try await snapshot.read { reader -> (ExportSummary, Int64) in
            // Which decisions the export knows: every transaction up to this audit entry.
            let lastAuditId = try reader.lastAuditId()
            if let previous {
                // The previous export must be a prefix of this log, or the delta would join two histories.
                guard previous.treeSize <= checkpoint.size, try reader.merkleRoot(size: previous.treeSize) == previous.rootHash else {
                    throw ExportServiceError(
                        "the previous export \(previous.name ?? "") (\(previous.treeSize) records) is not a prefix of this log")
                }
            }
            let source = RegistryExportSource(
                reader: reader, registry: registry, origin: origin, asOf: asOf, moment: now,
                checkpoint: (checkpoint.size, checkpoint.rootHash, checkpoint.note), stopRequested: { [self] in stopRequested })
            do {
                return (
                    try ExportWriter.write(
                        source: source, keys: keys, into: directory, name: name, kind: kind, previous: previous, created: created,
                        restrictedGroup: restrictedGroup), lastAuditId
                )
            } catch ExportError.source(_, let underlying) where underlying is RegistryExportSource.Stopped {
                throw ExportServiceError(Self.stoppedMessage)
            }
        }
        do {
            try await registry.database.recordExportSnapshot(
                ExportWritten(name: summary.name, kind: summary.kind.rawValue, treeSize: summary.treeSize, created: created),
                lastAuditId: lastAuditId)
        } catch {
            // Without it, the export is judged by its tree and the clock, as one written before.
            logger.warning("what the export saw was not recorded", metadata: ["name": "\(summary.name)", "error": "\(error)"])
        }
        let pruned = try withdrawn + ExportWriter.prune(exportsDirectory: directory, retain: retain)
        return [
            "name": .string(summary.name), "directory": .string(summary.directory), "kind": .string(summary.kind.rawValue),
            "treeSize": .int(summary.treeSize), "entries": .int(summary.entries), "enterprises": .int(summary.enterprises),
            "listings": .int(summary.listings), "openings": .int(summary.openings),
            "restrictedPart": .string(summary.restricted.directory), "restrictedOpenings": .int(summary.restricted.openings),
            "files": .int(Int64(summary.files)), "bytes": .int(summary.bytes),
            "seconds": .double(summary.seconds), "pruned": .array(pruned.map(JSONValue.string)),
        ]
    }

    /// `base`, or `base-2`, `base-3`, … when an export of that name (same second, same kind)
    /// exists or had it (`avoiding`).
    static func uniqueName(in directory: String, base: String, avoiding given: Set<String> = []) -> String {
        var name = base
        var n = 2
        while given.contains(name) || FileManager.default.fileExists(atPath: (directory as NSString).appendingPathComponent(name)) {
            name = "\(base)-\(n)"
            n += 1
        }
        return name
    }
}

extension ExportService {
    static let stoppedMessage =
        "the daemon is stopping: the export was stopped and nothing of it was kept; export again once qcreditd is back"
}

struct ExportServiceError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
