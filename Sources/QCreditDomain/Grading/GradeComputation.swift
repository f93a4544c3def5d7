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
