import CanonicalJSON

/// A quality event as a caller submits it: the `NewEvent` type of `org.qcredit.admin`, as
/// `RecordEvent`, `RecordEvents` and `ImportEvents` take it.
///
/// The one model of these members: the service reads calls into it, the registry checks its
/// values (``QualityEventDetails``), and the `qcredit` client writes `event`, `events` and
/// `import events` from it, so a member added here reaches all of them.
///
/// ```swift
/// let event = try NewEvent(json: ["code": "911522010783762860", "dimension": "product", …])
/// let parameters = event.json  // what goes on the wire
/// ```
public struct NewEvent: Sendable, Hashable {
    public static let requiredMembers = [
        "code", "dimension", "kind", "severity", "occurredOn", "authority", "documentNumber", "summary",
    ]
    public static let optionalMembers = ["legalBasis", "evidenceUrl"]

    public var code: String
    public var dimension: String
    public var kind: String
    public var severity: String
    public var occurredOn: String
    public var authority: String
    public var documentNumber: String
    public var legalBasis: String?
    public var summary: String
    public var evidenceUrl: String?

    public init(
        code: String, dimension: String, kind: String, severity: String, occurredOn: String, authority: String,
        documentNumber: String, legalBasis: String? = nil, summary: String, evidenceUrl: String? = nil
    ) {
        self.code = code
        self.dimension = dimension
        self.kind = kind
        self.severity = severity
        self.occurredOn = occurredOn
        self.authority = authority
        self.documentNumber = documentNumber
        self.legalBasis = legalBasis
        self.summary = summary
        self.evidenceUrl = evidenceUrl
    }

    /// What is wrong with an object that should be a `NewEvent`, naming the member.
    public enum Refusal: Error, Sendable, Equatable {
        case unknownMember(String)
        /// Every required member that is absent (or null), in the order of ``requiredMembers``.
        case missingMembers([String])
        /// A member of another JSON type; `optional` when null would have done.
        case notAString(member: String, found: String, optional: Bool)

        /// The first member the refusal is about.
        public var member: String {
            switch self {
            case .unknownMember(let member), .notAString(let member, _, _): return member
            case .missingMembers(let members): return members.first ?? ""
            }
        }
    }

    /// Reads a `NewEvent` object: every required member a string, optional members strings or
    /// null, nothing else. The values themselves are the registry's to check.
    public init(json object: [String: JSONValue]) throws(Refusal) {
        // One pass over the members, each placed by one lookup: an import decodes a million of
        // these, and sorting each object's keys and searching the member lists took a tenth of
        // its CPU. The refusals are the same, in the same order.
        var values = [JSONValue?](repeating: nil, count: Self.memberPlaces.count)
        var unknown: String?
        for (key, value) in object {
            if let place = Self.memberPlaces[key] {
                values[place] = value
            } else if unknown.map({ key < $0 }) ?? true {
                unknown = key
            }
        }
        if let unknown { throw .unknownMember(unknown) }
        let missing = Self.requiredMembers.indices.filter { values[$0] == nil || values[$0] == .null }
        if !missing.isEmpty { throw .missingMembers(missing.map { Self.requiredMembers[$0] }) }
        func required(_ place: Int) throws(Refusal) -> String {
            guard let text = values[place]?.stringValue else {
                throw .notAString(member: Self.requiredMembers[place], found: values[place]?.typeName ?? "nothing", optional: false)
            }
            return text
        }
        func optional(_ place: Int) throws(Refusal) -> String? {
            guard let value = values[place], !value.isNull else { return nil }
            guard let text = value.stringValue else {
                throw .notAString(member: Self.optionalMembers[place - Self.requiredMembers.count], found: value.typeName, optional: true)
            }
            return text
        }
        // Places follow requiredMembers, then optionalMembers.
        self.init(
            code: try required(0), dimension: try required(1), kind: try required(2), severity: try required(3),
            occurredOn: try required(4), authority: try required(5), documentNumber: try required(6),
            legalBasis: try optional(8), summary: try required(7), evidenceUrl: try optional(9))
    }

    /// Each member's place: the required members in order, then the optional ones.
    private static let memberPlaces: [String: Int] = Dictionary(
        uniqueKeysWithValues: (requiredMembers + optionalMembers).enumerated().map { ($0.element, $0.offset) })

    /// The event as the members of a `NewEvent` object (an absent optional member is left out).
    public var json: [String: JSONValue] {
        var object: [String: JSONValue] = [
            "code": .string(code), "dimension": .string(dimension), "kind": .string(kind), "severity": .string(severity),
            "occurredOn": .string(occurredOn), "authority": .string(authority), "documentNumber": .string(documentNumber),
            "summary": .string(summary),
        ]
        if let legalBasis { object["legalBasis"] = .string(legalBasis) }
        if let evidenceUrl { object["evidenceUrl"] = .string(evidenceUrl) }
        return object
    }
}
