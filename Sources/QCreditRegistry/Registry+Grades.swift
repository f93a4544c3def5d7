import CanonicalJSON
import QCreditDomain
import QCreditStore

/// A grade in force as a query answers it: whose, at what moment, and what it rests on.
public struct GradeView: Sendable {
    public var enterprise: Enterprise
    public var inForce: GradeInForce
    /// The moment the answer is about.
    public var at: Instant
    /// Public list types the enterprise is on at that moment.
    public var listTypes: [String]
}

/// What `PublishGrades` did.
public struct PublishSummary: Sendable, Equatable {
    /// Grades that changed and were published.
    public var published: Int = 0
    /// Grades recomputed to the same letter and binding caps: nothing new to publish, even if
    /// the score or the policy version moved (a publication is a decision).
    public var unchanged: Int = 0
    /// Files under an override in force, which a computed grade does not replace.
    public var overridden: Int = 0
    /// Files that are not active (deregistered, licence revoked).
    public var inactive: Int = 0
    /// Files skipped because their grade could not be published (each is logged).
    public var failed: Int = 0

    public init(published: Int = 0, unchanged: Int = 0, overridden: Int = 0, inactive: Int = 0, failed: Int = 0) {
        self.published = published
        self.unchanged = unchanged
        self.overridden = overridden
        self.inactive = inactive
        self.failed = failed
    }
}

extension RegistryReader {
    /// The grade in force for one file at `at` (the day `date` in the registry's zone), resting
    /// only on the records `visibility` shows.
    public func gradeView(enterprise: Enterprise, at: Instant, date: CivilDate, policy: Policy, visibility: Visibility) throws
        -> GradeView
    {
        try gradeViews(enterprise: enterprise, at: at, date: date, policy: policy, visibilities: [visibility])[0]
    }

    /// The grade in force for one file in each of `visibilities`, reading its grades and
    /// listings once: the grade index keeps a public and a full answer for every file.
    public func gradeViews(enterprise: Enterprise, at: Instant, date: CivilDate, policy: Policy, visibilities: [Visibility])
        throws -> [GradeView]
    {
        let computed = try latestGrade(enterpriseId: enterprise.id, basis: .computed, atOrBefore: at)
        let override = try latestGrade(enterpriseId: enterprise.id, basis: .override, atOrBefore: at)
        let allListings = try listings(enterpriseId: enterprise.id)
        return try visibilities.map { visibility in
            var caps: [ListingCap] = []
            var listTypes: Set<String> = []
            let (enterprise, listings) = try visibleListings(of: enterprise, among: allListings, visibility: visibility)
            // As the registry held each listing at `at`: the grade at a past moment is the one
            // it answered then, as the grade records themselves are (atOrBefore: at). Its cap is
            // the one fixed when it was published, whatever policy is in force now.
            for listing in listings.map({ $0.asRecorded(by: at) }) where listing.isOnList(on: date) {
                listTypes.insert(listing.listType)
                if let maximum = listing.listedStep?.maximumGrade {
                    caps.append(
                        ListingCap(
                            listingId: listing.id, listType: listing.listType, maximumGrade: maximum,
                            publicationDate: listing.publicationDate!, publicationIndex: listing.listedStep?.publicationIndex))
                }
            }
            // An override the public no longer sees is simply not there (the computed grade is
            // in force); an older override, replaced by it, stopped being disclosed no later.
            let inForce = GradeInForce.resolve(
                computed: try latestShown(computed, of: enterprise.id, visibility: visibility, at: at),
                override: try override.flatMap { try shows($0, visibility: visibility) ? $0 : nil },
                caps: caps, on: date, scale: policy.scale)
            return GradeView(enterprise: enterprise, inForce: inForce, at: at, listTypes: listTypes.sorted())
        }
    }
}

extension RegistryReader {
    /// The newest grade of file `enterpriseId` of `latest`'s basis at or before `at` that
    /// `visibility` shows: `latest` itself, else (a grade no longer disclosed is as if it had
    /// never been public) the one before it that still is, and so on back. A bank asking about
    /// the days a retracted event's grade stood was told "ungraded", which no public record said.
    func latestShown(_ latest: GradeRecord?, of enterpriseId: Int64, visibility: Visibility, at: Instant) throws
        -> GradeRecord?
    {
        guard let latest else { return nil }
        if try shows(latest, visibility: visibility) { return latest }
        // Rare (a grade hidden by a correction or by its events' period): the older ones are
        // read, a page of them: a file whose last 64 grades are all hidden is as ungraded.
        for older in try grades(enterpriseId: enterpriseId, basis: latest.basis, atOrBefore: at, limit: 64)
        where older.id != latest.id {
            if try shows(older, visibility: visibility) { return older }
        }
        return nil
    }
}

extension Registry {
    /// The grade in force now, or at `at`, as `view` shows it (the public view by default).
    public func gradeInForce(code: String, at: Instant? = nil, view: RecordView = .public) async throws -> GradeView {
        let policy = self.policy
        let moment = at ?? clock.now()
        let date = moment.civilDate(in: utcOffset)
        let visibility = self.visibility(view)
        return try await database.read { reader in
            try reader.gradeView(
                enterprise: reader.existingEnterprise(forCode: code), at: moment, date: date, policy: policy,
                visibility: visibility)
        }
    }

    /// The moment a `GetGradeAt` asks about: an RFC 3339 time, or a date meaning the end of
    /// that day in the registry's zone (so decisions taken that day count).
    ///
    /// A moment still to come has no answer yet (decay, an override's end or an expiry may
    /// change the grade by then): refused. Today's date means now.
    public func moment(_ text: String, parameter: String = "at") throws(RegistryError) -> Instant {
        let now = clock.now()
        let moment: Instant
        if let instant = Instant(rfc3339: text) {
            moment = instant
        } else if let date = CivilDate(iso: text) {
            if date == now.civilDate(in: utcOffset) { return now }
            let nextDay = Instant.startOfDay(date.adding(days: 1), in: utcOffset)
            moment = Instant(secondsSinceEpoch: nextDay.secondsSinceEpoch - 1)
        } else {
            // The date's form but a day the calendar lacks (2026-02-30): say which part is wrong.
            if text.utf8.count == 10, text.utf8.filter({ $0 == UInt8(ascii: "-") }).count == 2 {
                _ = try TextField.date(text, parameter)
            }
            throw .invalidArgument(parameter: parameter, reason: "'\(text)' is neither a date (YYYY-MM-DD) nor an RFC 3339 time (Z or ±hh:mm) whose UTC year is 0000-9999")
        }
        guard moment.secondsSinceEpoch <= now.secondsSinceEpoch else {
            throw .invalidArgument(parameter: parameter, reason: "\(text) is in the future (now is \(now.rfc3339)): ask GetGrade")
        }
        return moment
    }

    /// Grades in force now for a batch of codes, each answered on its own: a bad or unknown
    /// code in a bank's batch does not spoil the others. One consistent snapshot per batch.
    public func gradesInForce(codes: [String], view: RecordView) async throws -> [Result<GradeView, RegistryError>] {
        let policy = self.policy
        let now = clock.now()
        let date = now.civilDate(in: utcOffset)
        let visibility = self.visibility(view)
        return try await database.read { reader in
            try codes.map { code in
                do {
                    return .success(
                        try reader.gradeView(
                            enterprise: reader.existingEnterprise(forCode: code), at: now, date: date, policy: policy,
                            visibility: visibility))
                } catch let error as RegistryError {
                    return .failure(error)
                }
            }
        }
    }

    /// Sets a grade by a regulator's decision; it stays in force until `until` (inclusive) or
    /// a later override, and a computed grade does not replace it. Listings still cap it.
    public func overrideGrade(
        code: String, grade: String, reason: String, documentNumber: String, until: String?, by caller: Caller
    ) async throws -> GradeView {
        let policy = self.policy
        guard policy.scale.contains(grade) else {
            throw RegistryError.invalidArgument(
                parameter: "grade", reason: "'\(grade)' is not on the scale \(policy.scale.grades.joined(separator: ", "))")
        }
        let reason = try TextField.required(reason, "reason", maxLength: 2000)
        let documentNumber = try TextField.documentNumber(documentNumber)
        let today = self.today
        let until = try until.map { value throws(RegistryError) in try TextField.date(value, "until") }
        if let until, until < today {
            throw RegistryError.invalidArgument(parameter: "until", reason: "\(until) has passed (today is \(today))")
        }
        return try await write(by: caller) { writer in
            let reader = writer.reader
            let enterprise = try reader.existingEnterprise(forCode: code)
            let full = Visibility(view: .full, today: today, rules: policy.disclosure)
            let previous = try reader.gradeView(enterprise: enterprise, at: writer.now, date: today, policy: policy, visibility: full)
            // What the override overrides: the grade record in force (computed, or an earlier
            // override), before any listing's cap. A cap applies to the override as it did to
            // that grade, and a record naming the capped letter would keep a trace of a listing
            // after credit repair ends its disclosure.
            let overridden = previous.inForce.record?.grade
            let record = PublicationRecord.override(
                grade: grade, previousGrade: overridden, reason: reason, documentNumber: documentNumber,
                until: until, policyVersion: policy.version, enterpriseId: enterprise.id, subject: enterprise.subject,
                publishedAt: writer.now)
            let replaced = try reader.latestGrade(enterpriseId: enterprise.id, basis: .override, atOrBefore: writer.now)
            let index = try writer.appendPublication(record)
            try writer.insertGrade(
                enterpriseId: enterprise.id, basis: .override, grade: grade, score: nil, policyVersion: policy.version,
                explanation: ["previousGrade": JSONValue(overridden)], until: until, reason: reason,
                documentNumber: documentNumber, publicationIndex: index)
            try Self.endDisclosure(ofReplaced: replaced, today: today, rules: policy.disclosure, writer: writer)
            if let until {
                // The computed grade takes over the day after: recompute it then.
                try writer.markRegradeDue(enterpriseId: enterprise.id, by: until.adding(days: 1))
                // Known now: an override's record is disclosed up to its last day, then the period after.
                try writer.endDisclosure(
                    of: index, on: until.adding(days: 1).adding(policy.disclosure.gradesAfterReplaced), reason: .overrideEnds)
            }
            return try reader.gradeView(enterprise: enterprise, at: writer.now, date: today, policy: policy, visibility: full)
        }
    }

    /// A grade or override record replaced today stays disclosed for the policy's period, then
    /// no longer.
    static func endDisclosure(ofReplaced record: GradeRecord?, today: CivilDate, rules: DisclosureRules, writer: RegistryWriter)
        throws
    {
        guard let record else { return }
        try writer.endDisclosure(of: record.publicationIndex, on: today.adding(rules.gradesAfterReplaced), reason: .superseded)
    }
}
