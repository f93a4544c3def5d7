import QCreditDomain
import QCreditStore

extension Registry {
    /// Computes grades under the policy in force and publishes each one that changed.
    ///
    /// Given codes, it is one transaction: all are published or, if a code is bad, none.
    /// Without codes it walks every file in batches, one transaction each; running it again
    /// publishes nothing new, so an interrupted run is simply repeated (cancellation stops it
    /// between batches). There, a file whose grade cannot be published is undone, logged and
    /// counted in `failed`, and the walk goes on with the others.
    ///
    /// The walk decides each batch on a read snapshot while the batch before it is written
    /// (``PreparedGrades``), so the reading and the making of records run beside the writer.
    /// A batch is written as decided only if nothing but the walk itself wrote since its
    /// snapshot; otherwise it is decided again inside its write transaction.
    /// Its batches are plain inserts (the leaves at the indexes after the log's last, their
    /// Merkle nodes, the grade rows) and upserts of regrade days, so they run without the
    /// append-only guard triggers (``RegistryWriter/insertingWithoutGuards(_:)``): a key already
    /// held fails the insert itself, and the guards cost a fifth of the writer's time.
    public func publishGrades(codes: [String]?, by caller: Caller, batchSize: Int = 2000) async throws -> PublishSummary {
        if let codes {
            return try await write(by: caller) { writer in
                var summary = PublishSummary()
                let ids = try codes.enumerated().map { index, code in
                    do { return try writer.reader.enterpriseId(forCode: code) } catch let error as RegistryError {
                        throw error.within("codes[\(index)]")
                    }
                }
                // Atomically: a file whose grade cannot be published refuses the call (audit: it
                // was skipped and counted as failed, and the others published).
                for id in Set(ids).sorted() {
                    try self.publishGrade(enterpriseId: id, writer: writer, summary: &summary, throwingFailures: true)
                }
                return summary
            }
        }
        return try await publishEveryGrade(by: caller, batchSize: batchSize)
    }

    /// The walk over every file; `beforeWriting` runs between deciding a batch and writing it
    /// (tests write there what a peer could).
    func publishEveryGrade(
        by caller: Caller, batchSize: Int, beforeWriting: @Sendable (PreparedGrades) async throws -> Void = { _ in }
    ) async throws -> PublishSummary {
        var progress = PublishProgress()
        var next = Task { try await self.prepareGrades(after: 0, limit: batchSize) }
        defer { next.cancel() }
        while true {
            // Shutdown cancels a long run between batches; a repeated run takes up from there.
            try Task.checkCancellation()
            guard let batch = try await next.value, let last = batch.ids.last else { break }
            next = Task { try await self.prepareGrades(after: last, limit: batchSize) }
            try await beforeWriting(batch)
            progress = try await publish(batch, by: caller, after: progress)
        }
        return progress.summary
    }

    /// Where a walk over every file stands: its counts, and the count of committed writes right
    /// after its latest batch committed (``RegistryWriter/committedWritesBefore`` + 1).
    private struct PublishProgress: Sendable {
        var summary = PublishSummary()
        var writesAfterLatestBatch: Int?
    }

    /// A batch decided before its write would have written something else.
    private struct PreparationOutdated: Error {}

    /// Writes one prepared batch: as decided if its snapshot is still current, else decided again
    /// in the transaction, else (a write failed and the batch was rolled back) file by file so
    /// that only a failing file is skipped.
    private func publish(_ batch: PreparedGrades, by caller: Caller, after progress: PublishProgress) async throws
        -> PublishProgress
    {
        do {
            do {
                return try await writeBatch(by: caller, at: batch.now, after: progress) { writer, summary in
                    // Only the walk's own previous batch, whose files are other files, may have
                    // committed since the snapshot was taken; anything else may have changed these.
                    let since = writer.committedWritesBefore - batch.committedWritesBefore
                    guard since == 0 || (since == 1 && progress.writesAfterLatestBatch == writer.committedWritesBefore) else {
                        throw PreparationOutdated()
                    }
                    try writer.insertingWithoutGuards { try self.write(batch.decisions, writer: writer, summary: &summary) }
                }
            } catch is PreparationOutdated {
                return try await writeBatch(by: caller, after: progress) { writer, summary in
                    try writer.insertingWithoutGuards { try self.publishBatch(batch.ids, writer: writer, summary: &summary) }
                }
            }
        } catch let cancellation as CancellationError {
            throw cancellation
        } catch {
            return try await writeBatch(by: caller, after: progress) { writer, summary in
                for id in batch.ids {
                    do {
                        try writer.savepoint { try self.publishGrade(enterpriseId: id, writer: writer, summary: &summary) }
                    } catch {
                        self.skipped(enterpriseId: id, error, summary: &summary)
                    }
                }
            }
        }
    }

    /// One write transaction of the walk (at `now`, the clock's time by default): `body` adds
    /// to the counts so far, and the progress it returns notes the commit.
    private func writeBatch(
        by caller: Caller, at now: Instant? = nil, after progress: PublishProgress,
        _ body: @escaping @Sendable (RegistryWriter, inout PublishSummary) throws -> Void
    ) async throws -> PublishProgress {
        try await write(by: caller, at: now) { writer in
            var summary = progress.summary
            try body(writer, &summary)
            return PublishProgress(summary: summary, writesAfterLatestBatch: writer.committedWritesBefore + 1)
        }
    }

    /// The next batch of files after `lastId`, decided on one read snapshot: nil past the last file.
    private func prepareGrades(after lastId: Int64, limit: Int) async throws -> PreparedGrades? {
        // Read before the snapshot opens, so the snapshot holds at least these writes.
        let committed = database.committedWriteCount
        let now = clock.now()
        return try await database.read { reader in
            let ids = try reader.enterpriseIds(after: lastId, limit: limit)
            guard let first = ids.first, let last = ids.last else { return nil }
            let inputs = try reader.gradeInputs(enterpriseIds: first...last, atOrBefore: now)
            return PreparedGrades(
                ids: ids, now: now, committedWritesBefore: committed,
                decisions: self.decisions(for: ids, inputs, today: now.civilDate(in: self.utcOffset), now: now))
        }
    }

    private func skipped(enterpriseId: Int64, _ error: any Error, summary: inout PublishSummary) {
        summary.failed += 1
        logger.error("cannot publish a grade", metadata: ["enterprise": "\(enterpriseId)", "error": "\(error)"])
    }

    /// Publishes the grades of `ids` (consecutive files, in id order) with set-based reads and
    /// one append of all their records; decides each file exactly as ``publishGrade(enterpriseId:writer:summary:)``.
    /// Not in a savepoint: SQLite truncates an in-memory savepoint journal after every statement
    /// by walking it from its start, which made a batch's cost grow with its square.
    private func publishBatch(_ ids: [Int64], writer: RegistryWriter, summary: inout PublishSummary) throws {
        guard let first = ids.first, let last = ids.last else { return }
        let inputs = try writer.reader.gradeInputs(enterpriseIds: first...last, atOrBefore: writer.now)
        let today = writer.now.civilDate(in: utcOffset)
        try write(decisions(for: ids, inputs, today: today, now: writer.now), writer: writer, summary: &summary)
    }

    private func decisions(for ids: [Int64], _ inputs: [Int64: GradeInputs], today: CivilDate, now: Instant) -> [GradeDecision] {
        ids.compactMap { id in
            inputs[id].map { input in
                decision(
                    input.enterprise, input.events, override: input.latestOverride, latest: input.latestComputed,
                    latestDisclosedUntil: input.latestComputedDisclosureEnd, today: today, now: now)
            }
        }
    }

    /// With `evenIfInactive`, a file no longer active (deregistered, licence revoked), which is
    /// otherwise never graded again, gets its grade published too: an event correction does
    /// this, so that the grade it keeps never names an event the public may no longer see.
    /// With `throwingFailures`, a grade that cannot be published throws, rolling back the
    /// caller's transaction, instead of being skipped and counted as failed.
    func publishGrade(
        enterpriseId: Int64, writer: RegistryWriter, summary: inout PublishSummary, evenIfInactive: Bool = false,
        throwingFailures: Bool = false
    ) throws {
        let reader = writer.reader
        guard let enterprise = try reader.enterprise(id: enterpriseId) else { return }
        let latest = try reader.newestComputedGrade(enterpriseId: enterpriseId)
        let made = decision(
            enterprise, try reader.events(enterpriseId: enterpriseId),
            override: try reader.latestGrade(enterpriseId: enterpriseId, basis: .override, atOrBefore: writer.now),
            latest: latest, latestDisclosedUntil: try latest.flatMap { try reader.disclosureEnd(of: $0.publicationIndex) },
            today: writer.now.civilDate(in: utcOffset), now: writer.now, evenIfInactive: evenIfInactive)
        if throwingFailures, case .failed(let error) = made.outcome { throw error }
        try write([made], writer: writer, summary: &summary)
    }

    /// Whether a file gets a new computed grade today, and the day it is next due for
    /// maintenance's regrade; writes nothing, so it may run on a snapshot beside the writer.
    private func decision(
        _ enterprise: Enterprise, _ events: [QualityEvent], override: GradeRecord?, latest: GradeRecord?, latestDisclosedUntil: CivilDate?,
        today: CivilDate, now: Instant, evenIfInactive: Bool = false
    ) -> GradeDecision {
        let id = enterprise.id
        guard enterprise.current.status == .active || evenIfInactive else { return GradeDecision(enterpriseId: id, outcome: .inactive) }
        if let override, override.isInForce(on: today) {
            // A computed grade does not replace it, so the file is next recomputed the day after
            // it ends (never, for one without an end).
            return GradeDecision(enterpriseId: id, regradeDue: .some(override.until?.adding(days: 1)), outcome: .overridden)
        }
        let computation = policy.computeGrade(events: events, asOf: today)
        // From here maintenance keeps the grade fresh: it is recomputed on the next day it may
        // change. Not an inactive file's (graded here only by `evenIfInactive`): nothing is due for it.
        let isActive = enterprise.current.status == .active
        let nextChange = isActive ? policy.nextGradeChange(events: events, after: computation) : nil
        let due: CivilDate?? = .some(nextChange)
        guard Self.isNewDecision(computation, over: latest, disclosedUntil: latestDisclosedUntil, today: today, lastOverride: override) else {
            // The record kept may stop being disclosed before the grade changes.
            let keptDue = isActive ? Self.regradeDue(nextChange, keeping: latestDisclosedUntil) : nil
            return GradeDecision(enterpriseId: id, regradeDue: .some(keptDue), outcome: .unchanged)
        }
        do {
            let grade = try NewGrade(computation, enterprise: enterprise, replacing: latest, at: now)
            return GradeDecision(enterpriseId: id, regradeDue: due, outcome: .publish(grade))
        } catch {
            return GradeDecision(enterpriseId: id, regradeDue: due, outcome: .failed(error))
        }
    }

    /// Writes what ``decision(_:_:override:latest:latestDisclosedUntil:today:now:evenIfInactive:)`` decided for each file: its
    /// regrade day, then its new grade, if any.
    private func write(_ decisions: [GradeDecision], writer: RegistryWriter, summary: inout PublishSummary) throws {
        var grades: [NewGrade] = []
        try writer.setRegradeDue(decisions.compactMap { decision in decision.regradeDue.map { (decision.enterpriseId, $0) } })
        for decision in decisions {
            switch decision.outcome {
            case .inactive: summary.inactive += 1
            case .overridden: summary.overridden += 1
            case .unchanged: summary.unchanged += 1
            case .failed(let error): skipped(enterpriseId: decision.enterpriseId, error, summary: &summary)
            case .publish(let grade): grades.append(grade)
            }
        }
        try insert(grades, writer: writer)
        summary.published += grades.count
    }

    /// Publishes new computed grades: every record in one append to the log, then each grade's
    /// row, the day its record stops being disclosed with the first event it cites, and the end
    /// of the replaced record's disclosure.
    func insert(_ grades: [NewGrade], writer: RegistryWriter) throws {
        let indexes = try writer.appendPublications(grades.map(\.record))
        let today = writer.now.civilDate(in: utcOffset)
        for (grade, index) in zip(grades, indexes) {
            let computation = grade.computation
            try writer.insertGrade(
                enterpriseId: grade.enterpriseId, basis: .computed, grade: computation.grade, score: computation.score,
                policyVersion: computation.policyVersion, explanationBytes: grade.explanation, publicationIndex: index)
            if let ends = policy.disclosure.gradeDisclosureEnds(citing: computation) {
                try writer.endDisclosure(of: index, on: ends, reason: .eventDisclosureEnds)
            }
            try Self.endDisclosure(ofReplaced: grade.replaced, today: today, rules: policy.disclosure, writer: writer)
        }
    }
}

/// A computed grade to publish, its record made and sealed (salt, leaf, leaf hash): everything
/// but its place in the log, so a walk makes it beside the writer.
struct NewGrade: Sendable {
    var enterpriseId: Int64
    var computation: GradeComputation
    var record: PendingPublication
    /// The explanation's canonical bytes, stored with the grade's row.
    var explanation: [UInt8]
    /// The computed grade it replaces, whose disclosure ends.
    var replaced: GradeRecord?

    init(_ computation: GradeComputation, enterprise: Enterprise, replacing latest: GradeRecord?, at now: Instant)
        throws(RegistryError)
    {
        let bytes = try PublicationRecord.gradeBytes(
            computation, enterpriseId: enterprise.id, subject: enterprise.subject, publishedAt: now)
        enterpriseId = enterprise.id
        self.computation = computation
        record = PendingPublication(kind: .grade, enterpriseId: enterprise.id, record: bytes.record).sealed()
        explanation = bytes.explanation
        replaced = latest
    }
}

/// What publishing decided for one file before writing anything.
struct GradeDecision: Sendable {
    enum Outcome: Sendable {
        case inactive
        case overridden
        case unchanged
        case failed(RegistryError)
        case publish(NewGrade)
    }

    var enterpriseId: Int64
    /// The day the file is next due for a regrade (nil: never); nil here leaves it as it is.
    var regradeDue: CivilDate?? = nil
    var outcome: Outcome
}

/// A batch of files decided on one read snapshot, to be written as decided only if nothing else
/// was written since the snapshot.
struct PreparedGrades: Sendable {
    var ids: [Int64]
    /// When it was decided: the write records its grades at this moment, the day they were computed for.
    var now: Instant
    /// ``RegistryDatabase/committedWriteCount`` just before the snapshot opened.
    var committedWritesBefore: Int
    var decisions: [GradeDecision]
}
