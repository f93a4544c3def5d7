/// What a regulator records about one quality event (DESIGN §4). Events are what grades are
/// computed from; once recorded they are never changed, only superseded by a correction.
public struct QualityEventDetails: Sendable, Hashable {
    public var dimension: Dimension
    public var kind: EventKind
    public var severity: Severity
    /// The date the event happened (not the date it was recorded).
    public var occurredOn: CivilDate
    /// The issuing authority, e.g. "Henan Provincial Administration for Market Regulation".
    public var authority: String
    /// The decision's document number (文号).
    public var documentNumber: String
    public var legalBasis: String?
    public var summary: String
    public var evidenceURL: String?

    public init(
        dimension: Dimension, kind: EventKind, severity: Severity, occurredOn: CivilDate,
        authority: String, documentNumber: String, legalBasis: String? = nil, summary: String,
        evidenceURL: String? = nil
    ) {
        self.dimension = dimension
        self.kind = kind
        self.severity = severity
        self.occurredOn = occurredOn
        self.authority = authority
        self.documentNumber = documentNumber
        self.legalBasis = legalBasis
        self.summary = summary
        self.evidenceURL = evidenceURL
    }
}

/// A recorded event as it stands in a credit file.
public struct QualityEvent: Sendable, Hashable, Identifiable {
    public var id: Int64
    public var details: QualityEventDetails
    public var recordedAt: Instant
    /// The event this one corrects, if it is a correction.
    public var supersedes: Int64?
    /// Why the superseded event was corrected.
    public var correctionReason: String?
    /// A retraction is a correction that removes the event from grading altogether.
    public var isRetraction: Bool
    /// Set when a later correction replaced this event; superseded events no longer count.
    public var supersededBy: Int64?

    public init(
        id: Int64, details: QualityEventDetails, recordedAt: Instant, supersedes: Int64? = nil,
        correctionReason: String? = nil, isRetraction: Bool = false, supersededBy: Int64? = nil
    ) {
        self.id = id
        self.details = details
        self.recordedAt = recordedAt
        self.supersedes = supersedes
        self.correctionReason = correctionReason
        self.isRetraction = isRetraction
        self.supersededBy = supersededBy
    }

    /// Whether the event counts for grading: neither replaced by a correction nor a retraction.
    public var isInForce: Bool { supersededBy == nil && !isRetraction }
}
