import CanonicalJSON

/// One event's share of a score, with everything needed to check the arithmetic:
/// `value = round(points × remainingDays ÷ windowDays)` for linear decay, `points` otherwise.
public struct Contribution: Sendable, Hashable {
    public var eventId: Int64
    public var kind: EventKind
    public var severity: Severity
    public var dimension: Dimension
    public var occurredOn: CivilDate
    public var points: Int
    public var remainingDays: Int
    public var windowDays: Int
    public var value: Int

    public var json: JSONValue {
        [
            "eventId": .int(eventId), "kind": .string(kind.rawValue), "severity": .string(severity.rawValue),
            "dimension": .string(dimension.rawValue), "occurredOn": .string(occurredOn.description),
            "points": .int(Int64(points)), "remainingDays": .int(Int64(remainingDays)),
            "windowDays": .int(Int64(windowDays)), "value": .int(Int64(value)),
        ]
    }
}

/// A grade as a policy computes it from events on a given day, explained: the base score,
/// each contribution, the clamped score, the grade the score earns and any event caps.
public struct GradeComputation: Sendable, Hashable {
    public var policyVersion: String
    public var asOf: CivilDate
    public var baseScore: Int
    public var contributions: [Contribution]
    public var score: Int
    /// The grade the score earns before caps.
    public var scoreGrade: String
    /// Event caps that lowered the grade (event id and the cap's maximum grade).
    public var caps: [AppliedEventCap]
    public var grade: String

    /// The explanation stored with the grade and published in its record.
    public var json: JSONValue {
        [
            "policyVersion": .string(policyVersion), "asOf": .string(asOf.description),
            "baseScore": .int(Int64(baseScore)), "contributions": .array(contributions.map(\.json)),
            "score": .int(Int64(score)), "scoreGrade": .string(scoreGrade),
            "caps": .array(caps.map(\.json)), "grade": .string(grade),
        ]
    }
}

public struct AppliedEventCap: Sendable, Hashable {
    public var eventId: Int64
    public var kind: EventKind
    public var maximumGrade: String

    public var json: JSONValue {
        ["eventId": .int(eventId), "kind": .string(kind.rawValue), "maximumGrade": .string(maximumGrade)]
    }
}

extension Policy {
    /// Computes the grade an enterprise's events earn on `asOf` under this policy.
    ///
    /// Only events in force count (not superseded, not retracted) that happened on or before
    /// `asOf` and whose window is still open. Integer arithmetic throughout, so the same events
    /// always give the same explanation, byte for byte, in its publication record.
    public func computeGrade(events: [QualityEvent], asOf: CivilDate) -> GradeComputation {
        var contributions: [Contribution] = []
        var appliedCaps: [AppliedEventCap] = []
        let ordered = events.filter(\.isInForce).sorted {
            ($0.details.occurredOn, $0.id) < ($1.details.occurredOn, $1.id)
        }
        for event in ordered where event.details.occurredOn <= asOf {
            let details = event.details
            if let rule = self.events[details.kind] {
                let windowEnd = details.occurredOn.adding(rule.window)
                if asOf < windowEnd {
                    let windowDays = details.occurredOn.days(until: windowEnd)
                    let remainingDays = asOf.days(until: windowEnd)
                    let points = rule.points[details.severity] ?? 0
                    let value =
                        rule.decay == .linear
                        ? Self.roundedQuotient(points * remainingDays, windowDays) : points
                    contributions.append(
                        Contribution(
                            eventId: event.id, kind: details.kind, severity: details.severity,
                            dimension: details.dimension, occurredOn: details.occurredOn, points: points,
                            remainingDays: remainingDays, windowDays: windowDays, value: value))
                }
            }
            for cap in caps
            where cap.kind == details.kind && details.severity.weight >= cap.minimumSeverity.weight
                && asOf < details.occurredOn.adding(cap.within)
            {
                appliedCaps.append(AppliedEventCap(eventId: event.id, kind: details.kind, maximumGrade: cap.maximumGrade))
            }
        }
        let raw = baseScore + contributions.reduce(0) { $0 + $1.value }
        let score = min(max(raw, minimumScore), maximumScore)
        let scoreGrade = grade(forScore: score)
        var grade = scoreGrade
        for cap in appliedCaps { grade = scale.worse(grade, cap.maximumGrade) }
        // Keep only the caps that actually bind, so the explanation names what lowered the grade.
        appliedCaps = appliedCaps.filter { $0.maximumGrade == grade && grade != scoreGrade }
        return GradeComputation(
            policyVersion: version, asOf: asOf, baseScore: baseScore, contributions: contributions, score: score,
            scoreGrade: scoreGrade, caps: appliedCaps, grade: grade)
    }

    /// `numerator ÷ denominator` rounded half away from zero (denominator > 0).
    static func roundedQuotient(_ numerator: Int, _ denominator: Int) -> Int {
        let magnitude = (2 * abs(numerator) + denominator) / (2 * denominator)
        return numerator < 0 ? -magnitude : magnitude
    }
}

extension GradeComputation {
    /// The explanation's RFC 8785 bytes, equal to `json.canonicalBytes()` but written straight
    /// into one buffer: publishing a million grades made and sorted a dictionary per event and
    /// per grade (`GradeComputationBytesTests` holds the two to the same bytes).
    ///
    /// - Throws: ``CanonicalJSONError`` where `json.canonicalBytes()` would (an id outside ±(2^53−1)).
    public func canonicalBytes() throws(CanonicalJSONError) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(160 + 200 * contributions.count)
        try appendCanonical(to: &output)
        return output
    }

    func appendCanonical(to output: inout [UInt8]) throws(CanonicalJSONError) {
        var object = CanonicalObjectWriter(into: &output)
        object.member("asOf", string: asOf.description, into: &output)
        try object.member("baseScore", integer: Int64(baseScore), into: &output)
        object.member("caps", into: &output)
        try Self.appendArray(caps, to: &output) { (cap, output) throws(CanonicalJSONError) in try cap.appendCanonical(to: &output) }
        object.member("contributions", into: &output)
        try Self.appendArray(contributions, to: &output) { (contribution, output) throws(CanonicalJSONError) in
            try contribution.appendCanonical(to: &output)
        }
        object.member("grade", string: grade, into: &output)
        object.member("policyVersion", string: policyVersion, into: &output)
        try object.member("score", integer: Int64(score), into: &output)
        object.member("scoreGrade", string: scoreGrade, into: &output)
        object.end(into: &output)
    }

    private static func appendArray<Element>(
        _ elements: [Element], to output: inout [UInt8],
        _ appendElement: (Element, inout [UInt8]) throws(CanonicalJSONError) -> Void
    ) throws(CanonicalJSONError) {
        output.append(UInt8(ascii: "["))
        for (offset, element) in elements.enumerated() {
            if offset > 0 { output.append(UInt8(ascii: ",")) }
            try appendElement(element, &output)
        }
        output.append(UInt8(ascii: "]"))
    }
}

extension Contribution {
    /// `json`'s canonical bytes (see ``GradeComputation/canonicalBytes()``).
    func appendCanonical(to output: inout [UInt8]) throws(CanonicalJSONError) {
        var object = CanonicalObjectWriter(into: &output)
        object.member("dimension", string: dimension.rawValue, into: &output)
        try object.member("eventId", integer: eventId, into: &output)
        object.member("kind", string: kind.rawValue, into: &output)
        object.member("occurredOn", string: occurredOn.description, into: &output)
        try object.member("points", integer: Int64(points), into: &output)
        try object.member("remainingDays", integer: Int64(remainingDays), into: &output)
        object.member("severity", string: severity.rawValue, into: &output)
        try object.member("value", integer: Int64(value), into: &output)
        try object.member("windowDays", integer: Int64(windowDays), into: &output)
        object.end(into: &output)
    }
}

extension AppliedEventCap {
    /// `json`'s canonical bytes (see ``GradeComputation/canonicalBytes()``).
    func appendCanonical(to output: inout [UInt8]) throws(CanonicalJSONError) {
        var object = CanonicalObjectWriter(into: &output)
        try object.member("eventId", integer: eventId, into: &output)
        object.member("kind", string: kind.rawValue, into: &output)
        object.member("maximumGrade", string: maximumGrade, into: &output)
        object.end(into: &output)
    }
}
