import CanonicalJSON

extension Policy {
    /// The first day after `computation.asOf` on which this policy may give the same events
    /// another grade letter or other binding caps; nil when nothing ahead can change them.
    ///
    /// The day is a candidate, never late: an event starts counting (dated ahead), a window or
    /// a cap closes, or linear decay moves the score across a threshold. On that day the grade
    /// is recomputed; when the letter and caps come out the same nothing is published and the
    /// next candidate is taken. Between boundaries the contributing events stay the same and
    /// only linearly decaying values move, so the days before the first boundary are checked
    /// with integer arithmetic alone.
    public func nextGradeChange(events: [QualityEvent], after computation: GradeComputation) -> CivilDate? {
        let asOf = computation.asOf
        var boundaries: [CivilDate] = []
        for event in events where event.isInForce {
            let details = event.details
            if details.occurredOn > asOf { boundaries.append(details.occurredOn) }
            if let rule = self.events[details.kind] { boundaries.append(details.occurredOn.adding(rule.window)) }
            for cap in caps where cap.kind == details.kind && details.severity.weight >= cap.minimumSeverity.weight {
                boundaries.append(details.occurredOn.adding(cap.within))
            }
        }
        guard let boundary = boundaries.filter({ $0 > asOf }).min() else { return nil }
        let decaying = computation.contributions.filter { self.events[$0.kind]?.decay == .linear && $0.points != 0 }
        guard !decaying.isEmpty else { return boundary }
        let steady = baseScore + computation.contributions.reduce(0) { $0 + $1.value } - decaying.reduce(0) { $0 + $1.value }
        var day = asOf.adding(days: 1)
        var elapsed = 1
        while day < boundary {
            let raw = decaying.reduce(steady) {
                $0 + Self.roundedQuotient($1.points * ($1.remainingDays - elapsed), $1.windowDays)
            }
            if grade(forScore: min(max(raw, minimumScore), maximumScore)) != computation.scoreGrade { return day }
            day = day.adding(days: 1)
            elapsed += 1
        }
        return boundary
    }
}

extension GradeComputation {
    /// The events this computation cites: those that contribute (a binding cap's event
    /// contributes too).
    public var citedEventIds: Set<Int64> {
        Set(contributions.map(\.eventId)).union(caps.map(\.eventId))
    }

    /// The events a computed grade's explanation cites (its contributions and binding caps).
    public static func citedEventIds(_ explanation: JSONValue) -> Set<Int64> {
        var ids: Set<Int64> = []
        for member in ["contributions", "caps"] {
            guard case .array(let items)? = explanation.objectValue?[member] else { continue }
            for item in items { if case .int(let id)? = item.objectValue?["eventId"] { ids.insert(id) } }
        }
        return ids
    }

    /// Whether `record` cites an event that no longer counts (retracted, corrected, or out of
    /// its window): such a record must be replaced even with the same letter, so that the
    /// grade in force never names an event the public may no longer see.
    public func dropsEvents(citedBy record: GradeRecord) -> Bool {
        !Self.citedEventIds(record.explanation).isSubset(of: citedEventIds)
    }

    /// Whether this computation says what `record` published: the same letter and the same
    /// binding event caps. A score that moved alone is not a new grade (see the README).
    public func hasSameGradeAndCaps(as record: GradeRecord) -> Bool {
        record.grade == grade && Self.capKeys(record.explanation) == Set(caps.map { "\($0.eventId):\($0.maximumGrade)" })
    }

    /// The binding caps an explanation names, as `eventId:maximumGrade`.
    static func capKeys(_ explanation: JSONValue) -> Set<String> {
        guard case .array(let caps)? = explanation.objectValue?["caps"] else { return [] }
        return Set(
            caps.compactMap { cap in
                guard let object = cap.objectValue, case .int(let id)? = object["eventId"],
                    case .string(let maximum)? = object["maximumGrade"]
                else { return nil }
                return "\(id):\(maximum)"
            })
    }
}
