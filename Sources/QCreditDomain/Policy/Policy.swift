import CanonicalJSON

/// The registry's versioned rules: the grade scale, how events score, and how each blacklist
/// works. Kept as data (a TOML file the operator reads and changes), never as code.
///
/// A policy is validated when it is made, so the grading and listing code can rely on it:
/// every grade it names is on the scale, thresholds fall with the scale, points exist for
/// every severity.
///
/// ```swift
/// let policy = try Policy(version: "2026.1", scale: GradeScale(["A", "B", "C"]),
///                         thresholds: ["A": 80, "B": 60], baseScore: 70, …)
/// policy.grade(forScore: 85)   // "A"
/// ```
public struct Policy: Sendable, Hashable {
    public var version: String
    public var scale: GradeScale
    /// Lowest score for each grade but the last; below every threshold the last grade applies.
    public var thresholds: [String: Int]
    public var baseScore: Int
    public var minimumScore: Int
    public var maximumScore: Int
    public var events: [EventKind: EventRule]
    public var caps: [EventCap]
    public var lists: [String: ListRules]
    public var disclosure: DisclosureRules

    public init(
        version: String, scale: GradeScale, thresholds: [String: Int], baseScore: Int,
        minimumScore: Int, maximumScore: Int, events: [EventKind: EventRule], caps: [EventCap],
        lists: [String: ListRules], disclosure: DisclosureRules
    ) throws(PolicyError) {
        self.version = version
        self.scale = scale
        self.thresholds = thresholds
        self.baseScore = baseScore
        self.minimumScore = minimumScore
        self.maximumScore = maximumScore
        self.events = events
        self.caps = caps
        self.lists = lists
        self.disclosure = disclosure
        try validate()
    }

    /// The largest score, threshold or event points a policy may set (in magnitude): with
    /// periods of at most ``longestPeriodYears`` every score the grading adds up stays far inside
    /// 64-bit integers, however many events a file holds.
    public static let largestScore = 1_000_000_000
    /// The longest period a policy may set, in years.
    public static let longestPeriodYears = 100

    private func validate() throws(PolicyError) {
        if version.isEmpty { throw PolicyError("version must not be empty") }
        // Cited by every grade, shown in status and tables as it is.
        if !Self.isOneLineName(version) {
            throw PolicyError("version: \(Self.quoted(version)) \(Self.nameRule)")
        }
        if scale.grades.count < 2 { throw PolicyError("scale needs at least two grades") }
        var seen: Set<String> = []
        for grade in scale.grades where !seen.insert(grade).inserted {
            throw PolicyError("scale repeats the grade \(grade)")
        }
        // A grade is shown in replies, tables and CSV cells: a name, one line, nothing hidden around it.
        for grade in scale.grades where !Self.isOneLineName(grade) {
            throw PolicyError("scale: the grade \(Self.quoted(grade)) \(Self.nameRule)")
        }
        try validateMagnitudes()
        if minimumScore > maximumScore {
            throw PolicyError("minimumScore \(minimumScore) is above maximumScore \(maximumScore)")
        }
        if !(minimumScore <= baseScore && baseScore <= maximumScore) {
            throw PolicyError("baseScore must lie between minimumScore and maximumScore")
        }
        var previous = Int.max
        for grade in scale.grades.dropLast() {
            guard let threshold = thresholds[grade] else {
                throw PolicyError("thresholds: no threshold for grade \(grade)")
            }
            if threshold >= previous {
                throw PolicyError("thresholds: \(grade) must need less than the grade above it")
            }
            previous = threshold
        }
        for grade in thresholds.keys where !scale.grades.dropLast().contains(grade) {
            throw PolicyError("thresholds: \(grade) is not on the scale above its lowest grade")
        }
        // Every grade on the scale is one some score earns.
        if let best = scale.grades.first, let threshold = thresholds[best], threshold > maximumScore {
            throw PolicyError("thresholds: \(best) needs \(threshold), above maximumScore \(maximumScore): no score reaches it")
        }
        if let last = scale.grades.dropLast().last, let threshold = thresholds[last], threshold <= minimumScore {
            throw PolicyError(
                "thresholds: \(last) needs \(threshold), no more than minimumScore \(minimumScore): no score falls below it to \(scale.lowest)")
        }
        for rule in events.values.sorted(by: { $0.kind.rawValue < $1.kind.rawValue }) where Self.isEmpty(rule.window) {
            throw PolicyError("events.\(rule.kind.rawValue).window: \(rule.window) is empty: the event would never count")
        }
        for (index, cap) in caps.enumerated() where Self.isEmpty(cap.within) {
            throw PolicyError("caps[\(index)].within: \(cap.within) is empty: the cap would never hold")
        }
        for listType in lists.keys.sorted() where !Self.isListTypeName(listType) {
            throw PolicyError("lists.\(listType): a list type is lower-case letters and digits joined by hyphens (at most 40 characters)")
        }
        for rules in lists.values.sorted(by: { $0.listType < $1.listType }) {
            if let term = rules.term, Self.isEmpty(term) {
                throw PolicyError("lists.\(rules.listType).term: \(term) is empty: a listing would end the day it is published")
            }
            // Deadlines of no time: every application would be overdue, every listing escalated,
            // the day it is made.
            if let within = rules.repairDecisionWithin, Self.isEmpty(within) {
                throw PolicyError("lists.\(rules.listType).repairDecisionWithin: \(within) is empty: every repair application would be overdue the day it is made")
            }
            if let after = rules.escalateAfter, Self.isEmpty(after) {
                throw PolicyError("lists.\(rules.listType).escalateAfter: \(after) is empty: every listing would be escalated the day it is published")
            }
        }
        for rule in events.values {
            for severity in Severity.allCases where rule.points[severity] == nil {
                throw PolicyError("events.\(rule.kind.rawValue): no points for severity \(severity.rawValue)")
            }
        }
        for (index, cap) in caps.enumerated() where !scale.contains(cap.maximumGrade) {
            throw PolicyError("caps[\(index)].maximumGrade: \(cap.maximumGrade) is not on the scale")
        }
        // A grade record names the events it counts, so an event must stop counting before
        // the public stops seeing it (its record could not be disclosed otherwise).
        let shown = disclosure.events
        for rule in events.values.sorted(by: { $0.kind.rawValue < $1.kind.rawValue }) where Self.outlasts(rule.window, shown) {
            throw PolicyError(
                "events.\(rule.kind.rawValue).window \(rule.window) outlasts disclosure.events \(shown): an event would count "
                    + "in grades after the public may no longer see it")
        }
        for cap in caps where Self.outlasts(cap.within, shown) {
            throw PolicyError(
                "caps (\(cap.kind.rawValue)).within \(cap.within) outlasts disclosure.events \(shown): an event would cap "
                    + "grades after the public may no longer see it")
        }
        for rules in lists.values {
            if let grade = rules.maximumGrade, !scale.contains(grade) {
                throw PolicyError("lists.\(rules.listType).maximumGrade: \(grade) is not on the scale")
            }
            if rules.removalReasons.contains(.expired) {
                throw PolicyError("lists.\(rules.listType).removalReasons: expired is applied by the registry itself")
            }
            if rules.removalReasons.contains(.repaired) && (rules.repairAfter == nil || rules.repairDecisionWithin == nil) {
                throw PolicyError("lists.\(rules.listType): repaired needs repairAfter and repairDecisionWithin")
            }
            // A listing becomes eligible for repair repairAfter after its publication and ends by
            // itself at its term: one that reaches the term from some publication day leaves that
            // listing no day to be repaired on (P30D against P1M from 1 February).
            if rules.removalReasons.contains(.repaired), let term = rules.term, let after = rules.repairAfter, Self.reaches(after, term) {
                throw PolicyError(
                    "lists.\(rules.listType).repairAfter \(after) is not shorter than its term \(term) from every publication day: "
                        + "a listing would expire before it could be repaired")
            }
            if let target = rules.escalateTo {
                if lists[target] == nil { throw PolicyError("lists.\(rules.listType).escalateTo: no list \(target)") }
                if rules.escalateAfter == nil {
                    throw PolicyError("lists.\(rules.listType): escalateTo needs escalateAfter")
                }
            }
        }
        // Escalation leads to a graver list, never back: a round would propose listings on its
        // lists one after another for as long as the enterprise is on any of them.
        for start in lists.keys.sorted() {
            var path = [start]
            while let next = lists[path.last!]?.escalateTo {
                path.append(next)
                if next == start {
                    throw PolicyError(
                        "lists.\(start).escalateTo: escalation goes round (\(path.joined(separator: " → "))); it must end at a list that does not escalate")
                }
                if path.count > lists.count { break }  // a round that does not pass through `start`: found from one of its own lists
            }
        }
    }

    /// Scores and points within ±``largestScore``, periods within ``longestPeriodYears``.
    private func validateMagnitudes() throws(PolicyError) {
        var scores = [("baseScore", baseScore), ("minimumScore", minimumScore), ("maximumScore", maximumScore)]
        scores += thresholds.sorted { $0.key < $1.key }.map { ("thresholds.\($0.key)", $0.value) }
        var periods: [(String, CalendarPeriod)] = [
            ("disclosure.gradesAfterReplaced", disclosure.gradesAfterReplaced),
            ("disclosure.listingsAfterRemoval", disclosure.listingsAfterRemoval), ("disclosure.events", disclosure.events),
        ]
        for rule in events.values.sorted(by: { $0.kind.rawValue < $1.kind.rawValue }) {
            let name = "events.\(rule.kind.rawValue)"
            scores += rule.points.sorted { $0.key.rawValue < $1.key.rawValue }.map { ("\(name).points.\($0.key.rawValue)", $0.value) }
            periods.append(("\(name).window", rule.window))
        }
        periods += caps.enumerated().map { ("caps[\($0.offset)].within", $0.element.within) }
        for rules in lists.values.sorted(by: { $0.listType < $1.listType }) {
            let name = "lists.\(rules.listType)"
            let optional: [(String, CalendarPeriod?)] = [
                ("term", rules.term), ("repairAfter", rules.repairAfter), ("repairDecisionWithin", rules.repairDecisionWithin),
                ("objectionWindow", rules.objectionWindow), ("escalateAfter", rules.escalateAfter),
            ]
            periods += optional.compactMap { key, period in period.map { ("\(name).\(key)", $0) } }
        }
        for (name, value) in scores where abs(value) > Self.largestScore {
            throw PolicyError("\(name): \(value) is beyond ±\(Self.largestScore), the largest a policy may set")
        }
        // Counted from one day: adding a period never overflows (past 9999 it gives 9999-12-31).
        let years = Self.longestPeriodYears
        let start = CivilDate(daysSinceEpoch: 0)
        let longest = start.adding(CalendarPeriod(years: years))
        for (name, period) in periods where start.adding(period) > longest {
            throw PolicyError("\(name): \(period) is longer than \(years) years, the longest period a policy may set")
        }
    }

    /// What ``isOneLineName(_:)`` asks, as refusals say it.
    static let nameRule =
        "must be a name of one line, without white space around it or control, bidirectional formatting or invisible characters"

    /// A name shown as it is: not empty, one line, nothing hidden around or in it.
    static func isOneLineName(_ name: String) -> Bool {
        !name.isEmpty && name.trimmingWhitespace() == name && !name.unicodeScalars.contains { $0.isControl || isHidden($0) }
    }

    /// A character that does not show itself, or changes how the text around it reads: every
    /// bidirectional control (the embeddings, overrides and isolates, and the marks U+200E,
    /// U+200F, U+061C), a line or paragraph separator, and the default-ignorable characters
    /// (U+200B, U+2060, U+FEFF, …). A version that differs from another only by one would look
    /// the same in every grade that cites it.
    private static func isHidden(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isBidiControl || scalar.properties.isDefaultIgnorableCodePoint || scalar == "\u{2028}" || scalar == "\u{2029}"
    }

    /// `name` quoted with its hidden and control characters escaped (`"a\u{202E}b"`): a message
    /// that printed a right-to-left override (or a C1 control, which the quoting leaves as it is)
    /// would show the operator another name.
    static func quoted(_ name: String) -> String {
        var text = ""
        for scalar in name.debugDescription.unicodeScalars {
            if isHidden(scalar) || scalar.isControl {
                text += scalar.escaped
            } else {
                text.unicodeScalars.append(scalar)
            }
        }
        return text
    }

    /// Whether `name` is a list type as the wire and file names use them: `serious-dishonesty`.
    static func isListTypeName(_ name: String) -> Bool {
        name.utf8.count <= 40 && !name.isEmpty
            && name.split(separator: "-", omittingEmptySubsequences: false).allSatisfy { part in
                !part.isEmpty && part.utf8.allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) }
            }
    }

    /// Whether adding `period` to a day gives the same day.
    static func isEmpty(_ period: CalendarPeriod) -> Bool {
        let day = CivilDate(daysSinceEpoch: 10_957)
        return day.adding(period) == day
    }

    /// Whether `period` reaches `limit` (ends on its day or later) from some day, tried as in
    /// ``outlasts(_:_:)``.
    static func reaches(_ period: CalendarPeriod, _ limit: CalendarPeriod) -> Bool {
        fromSomeDay { $0.adding(period) >= $0.adding(limit) }
    }

    /// Whether `period` reaches past `limit` from some day: tried from every day of four years
    /// (every month length and leap day), as periods of years, months and days fall differently.
    static func outlasts(_ period: CalendarPeriod, _ limit: CalendarPeriod) -> Bool {
        fromSomeDay { $0.adding(period) > $0.adding(limit) }
    }

    /// Whether `holds` is true of some day of the four years from 2000-01-01.
    private static func fromSomeDay(_ holds: (CivilDate) -> Bool) -> Bool {
        let start = CivilDate(daysSinceEpoch: 10_957)  // 2000-01-01
        return (0..<1461).contains { holds(start.adding(days: $0)) }
    }

    /// The grade a score earns on this policy's scale, before any cap.
    public func grade(forScore score: Int) -> String {
        for grade in scale.grades.dropLast() where score >= thresholds[grade]! {
            return grade
        }
        return scale.lowest
    }

    /// The rules of a list type, or an `invalidArgument` naming the known types.
    public func rules(forList listType: String, parameter: String = "listType") throws(RegistryError) -> ListRules {
        guard let rules = lists[listType] else {
            let known = lists.keys.sorted().joined(separator: ", ")
            throw .invalidArgument(parameter: parameter, reason: "unknown list type '\(listType)' (known: \(known))")
        }
        return rules
    }

    /// The whole policy as JSON, for its publication record: auditors can recompute any grade
    /// from the published policy and the events.
    public var json: JSONValue {
        func period(_ value: CalendarPeriod?) -> JSONValue { value.map { .string($0.description) } ?? .null }
        var eventRules: [String: JSONValue] = [:]
        for (kind, rule) in events {
            var points: [String: JSONValue] = [:]
            for (severity, value) in rule.points { points[severity.rawValue] = .int(Int64(value)) }
            eventRules[kind.rawValue] = [
                "points": .object(points), "window": .string(rule.window.description),
                "decay": .string(rule.decay.rawValue),
            ]
        }
        var listRules: [String: JSONValue] = [:]
        for (type, rules) in lists {
            listRules[type] = [
                "term": period(rules.term), "repairAfter": period(rules.repairAfter),
                "repairDecisionWithin": period(rules.repairDecisionWithin),
                "maximumGrade": JSONValue(rules.maximumGrade),
                "objectionsWhileProposed": .bool(rules.objectionsWhileProposed),
                "objectionWindow": period(rules.objectionWindow),
                "removalReasons": .array(rules.removalReasons.map { .string($0.rawValue) }),
                "escalateAfter": period(rules.escalateAfter), "escalateTo": JSONValue(rules.escalateTo),
                "escalationLegalBasis": JSONValue(rules.escalationLegalBasis),
            ]
        }
        return [
            "version": .string(version),
            "scale": .array(scale.grades.map { .string($0) }),
            "thresholds": .object(thresholds.mapValues { .int(Int64($0)) }),
            "baseScore": .int(Int64(baseScore)),
            "minimumScore": .int(Int64(minimumScore)),
            "maximumScore": .int(Int64(maximumScore)),
            "events": .object(eventRules),
            "caps": .array(
                caps.map {
                    [
                        "kind": .string($0.kind.rawValue), "minimumSeverity": .string($0.minimumSeverity.rawValue),
                        "within": .string($0.within.description), "maximumGrade": .string($0.maximumGrade),
                    ]
                }),
            "lists": .object(listRules),
            "disclosure": [
                "gradesAfterReplaced": .string(disclosure.gradesAfterReplaced.description),
                "listingsAfterRemoval": .string(disclosure.listingsAfterRemoval.description),
                "events": .string(disclosure.events.description),
            ],
        ]
    }
}

/// A policy file that cannot be used, with the setting at fault.
public struct PolicyError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
