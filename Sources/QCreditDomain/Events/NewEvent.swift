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
        for key in object.keys.sorted() where !Self.requiredMembers.contains(key) && !Self.optionalMembers.contains(key) {
            throw .unknownMember(key)
        }
        let missing = Self.requiredMembers.filter { object[$0] == nil || object[$0] == .null }
        if !missing.isEmpty { throw .missingMembers(missing) }
        func required(_ key: String) throws(Refusal) -> String {
            guard let text = object[key]?.stringValue else {
                throw .notAString(member: key, found: object[key]?.typeName ?? "nothing", optional: false)
            }
            return text
        }
        func optional(_ key: String) throws(Refusal) -> String? {
            guard let value = object[key], !value.isNull else { return nil }
            guard let text = value.stringValue else { throw .notAString(member: key, found: value.typeName, optional: true) }
            return text
        }
        self.init(
            code: try required("code"), dimension: try required("dimension"), kind: try required("kind"),
            severity: try required("severity"), occurredOn: try required("occurredOn"), authority: try required("authority"),
            documentNumber: try required("documentNumber"), legalBasis: try optional("legalBasis"),
            summary: try required("summary"), evidenceUrl: try optional("evidenceUrl"))
    }

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
