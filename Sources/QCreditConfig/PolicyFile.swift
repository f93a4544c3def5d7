import Foundation
import QCreditDomain

/// The grading and listing policy as operators write it: a commented TOML file.
///
/// ```swift
/// let policy = try PolicyFile.load(path: "/etc/qcredit/policy.toml")
/// let builtIn = try PolicyFile.defaultPolicy()   // the file shipped in the repository
/// ```
public enum PolicyFile {
    /// The policy shipped with qcredit (`Sources/QCreditConfig/Defaults/policy.toml`).
    public static var defaultText: String { EmbeddedResources.files["Defaults/policy.toml"]! }

    public static func defaultPolicy() throws(ConfigurationError) -> Policy {
        try parse(defaultText, file: "built-in policy.toml")
    }

    public static func load(path: String) throws(ConfigurationError) -> Policy {
        guard let data = FileManager.default.contents(atPath: path) else {
            // The system's reason (no such file, permission denied), as the refusal names it.
            let reason = access(path, R_OK) == 0 ? "it cannot be read as a file" : String(cString: strerror(errno))
            throw ConfigurationError("\(path): cannot read the policy file (\(reason))")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationError("\(path): cannot read the policy file (it is not UTF-8 text)")
        }
        return try parse(text, file: path)
    }

    public static func parse(_ text: String, file: String) throws(ConfigurationError) -> Policy {
        let root = try TOMLSection.parse(text, file: file)
        do {
            return try policy(from: root)
        } catch let error as PolicyError {
            throw ConfigurationError("\(file): \(error.message)")
        } catch let error as ConfigurationError {
            throw ConfigurationError("\(file): \(error.message)")
        } catch {
            throw ConfigurationError("\(file): \(error)")
        }
    }

    private static func policy(from root: TOMLSection) throws -> Policy {
        try root.rejectUnknownKeys(allowed: [
            "version", "scale", "baseScore", "minimumScore", "maximumScore", "thresholds", "events", "caps", "lists",
            "disclosure",
        ])
        let scale = GradeScale(try root.optionalStrings("scale") ?? [])
        var thresholds: [String: Int] = [:]
        if let section = try root.optionalSection("thresholds") {
            for key in section.keys { thresholds[key] = try section.int(key) }
        }
        var events: [EventKind: EventRule] = [:]
        if let section = try root.optionalSection("events") {
            for key in section.keys.sorted() {
                let kind = try choice(key, section.name(key), as: EventKind.self)
                events[kind] = try eventRule(kind, try section.optionalSection(key)!)
            }
        }
        // Every kind RecordEvent takes is graded: one left out would count for nothing, unsaid.
        for kind in EventKind.allCases where events[kind] == nil {
            throw ConfigurationError("events.\(kind.rawValue): missing (every kind of event is graded: give it points, 0 for none)")
        }
        var caps: [EventCap] = []
        for section in try root.sections("caps") {
            try section.rejectUnknownKeys(allowed: ["kind", "minimumSeverity", "within", "maximumGrade"])
            guard let within = try period(section, "within") else { throw ConfigurationError("\(section.name("within")): missing") }
            caps.append(
                EventCap(
                    kind: try choice(try section.string("kind"), section.name("kind")),
                    minimumSeverity: try choice(try section.string("minimumSeverity"), section.name("minimumSeverity")),
                    within: within, maximumGrade: try section.string("maximumGrade")))
        }
        var lists: [String: ListRules] = [:]
        if let section = try root.optionalSection("lists") {
            for key in section.keys.sorted() { lists[key] = try listRules(key, try section.optionalSection(key)!) }
        }
        return try Policy(
            version: try root.string("version"), scale: scale, thresholds: thresholds,
            baseScore: try root.int("baseScore"), minimumScore: try root.optionalInt("minimumScore") ?? 0,
            maximumScore: try root.optionalInt("maximumScore") ?? 100, events: events, caps: caps, lists: lists,
            disclosure: try disclosureRules(root))
    }

    /// `[disclosure]`: every period is required, so a policy says how long it discloses.
    private static func disclosureRules(_ root: TOMLSection) throws -> DisclosureRules {
        guard let section = try root.optionalSection("disclosure") else {
            throw ConfigurationError("disclosure: missing (gradesAfterReplaced, listingsAfterRemoval, events)")
        }
        try section.rejectUnknownKeys(allowed: ["gradesAfterReplaced", "listingsAfterRemoval", "events"])
        func required(_ key: String) throws -> CalendarPeriod {
            guard let value = try period(section, key) else { throw ConfigurationError("\(section.name(key)): missing") }
            return value
        }
        return DisclosureRules(
            gradesAfterReplaced: try required("gradesAfterReplaced"),
            listingsAfterRemoval: try required("listingsAfterRemoval"), events: try required("events"))
    }

    private static func eventRule(_ kind: EventKind, _ section: TOMLSection) throws -> EventRule {
        try section.rejectUnknownKeys(allowed: ["points", "window", "decay"])
        guard let pointsSection = try section.optionalSection("points") else {
            throw ConfigurationError("\(section.name("points")): missing")
        }
        try pointsSection.rejectUnknownKeys(allowed: Set(Severity.allCases.map(\.rawValue)))
        var points: [Severity: Int] = [:]
        for severity in Severity.allCases {
            points[severity] = try pointsSection.int(severity.rawValue)
        }
        guard let window = try period(section, "window") else { throw ConfigurationError("\(section.name("window")): missing") }
        let decay = try choice(try section.optionalString("decay") ?? "none", section.name("decay"), as: EventRule.Decay.self)
        return EventRule(kind: kind, points: points, window: window, decay: decay)
    }

    private static func listRules(_ listType: String, _ section: TOMLSection) throws -> ListRules {
        try section.rejectUnknownKeys(allowed: [
            "term", "repairAfter", "repairDecisionWithin", "maximumGrade", "objectionsWhileProposed", "objectionWindow",
            "removalReasons",
            "escalateAfter", "escalateTo", "escalationLegalBasis",
        ])
        let reasons = try (section.optionalStrings("removalReasons") ?? ["revoked"]).map { value in
            try choice(value, section.name("removalReasons"), as: RemovalReason.self)
        }
        return ListRules(
            listType: listType, term: try period(section, "term"), repairAfter: try period(section, "repairAfter"),
            repairDecisionWithin: try period(section, "repairDecisionWithin"),
            maximumGrade: try section.optionalString("maximumGrade"),
            objectionsWhileProposed: try section.optionalBool("objectionsWhileProposed") ?? true,
            objectionWindow: try period(section, "objectionWindow"), removalReasons: reasons,
            escalateAfter: try period(section, "escalateAfter"), escalateTo: try section.optionalString("escalateTo"),
            escalationLegalBasis: try section.optionalString("escalationLegalBasis"))
    }

    private static func period(_ section: TOMLSection, _ key: String) throws -> CalendarPeriod? {
        guard let text = try section.optionalString(key) else { return nil }
        guard let period = CalendarPeriod(iso8601: text) else {
            throw ConfigurationError("\(section.name(key)): '\(text)' is not an ISO 8601 period such as P3Y or P30D")
        }
        return period
    }

    private static func choice<T: RawRepresentable & CaseIterable>(_ value: String, _ setting: String, as type: T.Type = T.self)
        throws -> T where T.RawValue == String
    {
        guard let choice = T(rawValue: value) else {
            throw ConfigurationError("\(setting): '\(value)' is not one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return choice
    }
}
