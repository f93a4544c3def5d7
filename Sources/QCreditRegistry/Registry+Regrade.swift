import QCreditDomain
import QCreditStore

/// What a regrade did.
public struct RegradeSummary: Sendable, Equatable {
    /// Files whose grade was due and was recomputed.
    public var recomputed: Int = 0
    /// New grades published: the letter or the binding event caps changed.
    public var published: Int = 0
    /// Files under an override in force, or not active: nothing computed is published for them.
    public var skipped: Int = 0
    /// Files whose regrade failed (each is logged, and stays due).
    public var failed: Int = 0
    /// The run stopped between batches because a peer wrote meanwhile; the rest stays due.
    public var yielded = false

    public init(recomputed: Int = 0, published: Int = 0, skipped: Int = 0, failed: Int = 0) {
        self.recomputed = recomputed
        self.published = published
        self.skipped = skipped
        self.failed = failed
    }
}

extension Registry {
    static let lastRegradeKey = "lastRegradeOn"

    /// The day of the last completed regrade, if any.
    public func lastRegradeDate() async throws -> CivilDate? {
        try await database.read { try $0.maintenanceValue(Self.lastRegradeKey) }.flatMap(CivilDate.init(iso:))
    }

    /// The regrade as the daemon's maintenance runs it: when `schedule` says a run is due
    /// (see ``RegradeSchedule/shouldRun(lastRun:now:)``), else nothing. With
    /// `yieldingToPeerWritesAfter`, see ``regradeDueFiles(by:batchSize:yieldingToPeerWritesAfter:)``.
    public func runScheduledRegrade(_ schedule: RegradeSchedule, yieldingToPeerWritesAfter peerWrites: UInt64? = nil) async throws
        -> RegradeSummary?
    {
        guard schedule.shouldRun(lastRun: try await lastRegradeDate(), now: clock.now()) else { return nil }
        return try await regradeDueFiles(yieldingToPeerWritesAfter: peerWrites)
    }

    /// Recomputes the grade of every file due by today (through `regrade_due`'s date index, so
    /// files with nothing ahead cost nothing) and publishes each one whose letter or binding
    /// event caps changed, then dates each file's next recomputation. A moved score alone is
    /// not published. One transaction per batch; a file that fails is logged and stays due.
    ///
    /// With `yieldingToPeerWritesAfter` (a ``peerWriteCount`` read earlier), the run stops
    /// before its next batch (never before its first) once a peer has started a write since that count, and says so
    /// (``RegradeSummary/yielded``): the files not reached stay due, and the day's run is not
    /// marked done. Maintenance regrades this way after writes fall quiet, so that a regrade of
    /// the million files an import made due does not take the writer from the next import.
    public func regradeDueFiles(
        by caller: Caller = .registry("regrade"), batchSize: Int = 1000, yieldingToPeerWritesAfter peerWrites: UInt64? = nil
    ) async throws -> RegradeSummary {
        let today = self.today
        var stop: (@Sendable () -> Bool)?
        if let peerWrites { stop = { self.peerWriteCount != peerWrites } }
        var (summary, complete) = try await walkFiles(
            RegradeSummary(), batchSize: batchSize, by: caller, failure: "cannot regrade", stopBefore: stop,
            nextIds: { try $0.enterpriseIdsDueForRegrade(through: today, after: $1, limit: $2) }
        ) { id, writer, summary in try self.regrade(enterpriseId: id, writer: writer, summary: &summary) }
        guard complete else {
            summary.yielded = true
            return summary
        }
        try await write(by: caller) { writer in try writer.setMaintenanceValue(Self.lastRegradeKey, today.description) }
        return summary
    }

    private func regrade(enterpriseId: Int64, writer: RegistryWriter, summary: inout RegradeSummary) throws {
        let reader = writer.reader
        let today = writer.now.civilDate(in: utcOffset)
        // Listed as due before this transaction: another regrade (the scheduled run beside an
        // operator's RunMaintenance) may have regraded it since. Then it is that run's, not this one's.
        guard let due = try reader.regradeDue(enterpriseId: enterpriseId), due <= today else { return }
        guard let enterprise = try reader.enterprise(id: enterpriseId) else {
            summary.skipped += 1
            try writer.setRegradeDue(enterpriseId: enterpriseId, on: nil)
            return
        }
        // Before the status: an override on a file no longer active still ends on its day.
        if try overrideInForce(enterpriseId: enterpriseId, writer: writer) != nil {
            summary.skipped += 1
            return
        }
        let latest = try reader.newestComputedGrade(enterpriseId: enterpriseId)
        let latestEnds = try latest.flatMap { try reader.disclosureEnd(of: $0.publicationIndex) }
        let lastOverride = try reader.latestGrade(enterpriseId: enterpriseId, basis: .override, atOrBefore: writer.now)
        let isActive = enterprise.current.status == .active
        // A file no longer active keeps its last grade, but not an override past its last day:
        // that hands it back to a computed grade, published as for any file (else the grade in
        // force would fall back, unpublished, to the one before the override).
        guard isActive || Self.overrideEnded(lastOverride, since: latest) else {
            summary.skipped += 1
            try writer.setRegradeDue(enterpriseId: enterpriseId, on: nil)
            return
        }
        summary.recomputed += 1
        let events = try reader.events(enterpriseId: enterpriseId)
        let computation = policy.computeGrade(events: events, asOf: today)
        let publishing = Self.isNewDecision(
            computation, over: latest, disclosedUntil: latestEnds, today: today, lastOverride: lastOverride)
        if publishing {
            try publishComputed(computation, enterprise: enterprise, replacing: latest, writer: writer)
            summary.published += 1
        }
        try writer.setRegradeDue(
            enterpriseId: enterpriseId,
            on: isActive
                ? Self.regradeDue(policy.nextGradeChange(events: events, after: computation), keeping: publishing ? nil : latestEnds) : nil)
    }

    /// The day a file is next recomputed: its grade's next change, or sooner, the day the
    /// record it keeps stops being disclosed (`keptRecordDisclosedUntil`), when a successor is
    /// published. That end may come before the grade changes: one a policy with a shorter
    /// `events` period recorded, kept after a return to a longer one (audit: the bank was told
    /// "ungraded" for a year).
    static func regradeDue(_ nextChange: CivilDate?, keeping keptRecordDisclosedUntil: CivilDate?) -> CivilDate? {
        guard let end = keptRecordDisclosedUntil else { return nextChange }
        return nextChange.map { min($0, end) } ?? end
    }

    /// Whether `computation` is a decision to publish over the latest computed grade, for the
    /// regrade and PublishGrades alike. A publication is a decision, so the letter or the binding
    /// event caps must change; a score or policy version that moved alone does not (README,
    /// "Grades that stay fresh"). An override that ended hands the file back to its computed
    /// grade: a change of the grade in force, published (and so in the change feed) even with
    /// the same letter. So does a grade whose record cites an event that no longer counts
    /// (retracted, corrected, out of its window): the grade in force never names an event the
    /// public may no longer see. And so does a grade whose record is no longer disclosed
    /// (`disclosedUntil` today or before): the public is answered a grade in force, not none.
    static func isNewDecision(
        _ computation: GradeComputation, over latest: GradeRecord?, disclosedUntil: CivilDate?, today: CivilDate, lastOverride: GradeRecord?
    ) -> Bool {
        overrideEnded(lastOverride, since: latest) || disclosedUntil.map { $0 <= today } ?? false
            || latest.map { !computation.hasSameGradeAndCaps(as: $0) || computation.dropsEvents(citedBy: $0) } ?? true
    }

    /// Whether `override` (the latest, not in force) came after the latest computed grade: the
    /// file was under it and is back on its computed grade.
    static func overrideEnded(_ override: GradeRecord?, since latest: GradeRecord?) -> Bool {
        guard let override else { return false }
        return latest.map { override.publicationIndex > $0.publicationIndex } ?? true
    }

    /// The override in force today, if any. A computed grade does not replace it, so the file
    /// is next recomputed the day after it ends (never, for one without an end).
    func overrideInForce(enterpriseId: Int64, writer: RegistryWriter) throws -> GradeRecord? {
        let today = writer.now.civilDate(in: utcOffset)
        guard let override = try writer.reader.latestGrade(enterpriseId: enterpriseId, basis: .override, atOrBefore: writer.now),
            override.isInForce(on: today)
        else { return nil }
        try writer.setRegradeDue(enterpriseId: enterpriseId, on: override.until?.adding(days: 1))
        return override
    }

    /// Publishes a computed grade: its record in the log, its row, and the end of the replaced
    /// record's disclosure.
    func publishComputed(_ computation: GradeComputation, enterprise: Enterprise, replacing latest: GradeRecord?, writer: RegistryWriter)
        throws
    {
        try insert([NewGrade(computation, enterprise: enterprise, replacing: latest, at: writer.now)], writer: writer)
    }
}
