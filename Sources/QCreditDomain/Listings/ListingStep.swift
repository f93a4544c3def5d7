/// One step in a listing's life. Steps are appended, never changed: the listing's state is
/// the state after its last step, and its history is the list of steps.
public struct ListingStep: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        case proposed
        case objectionFiled = "objection-filed"
        case objectionResolved = "objection-resolved"
        case listed
        case withdrawn
        case removed
    }

    public var id: Int64
    public var kind: Kind
    /// The listing's state after this step.
    public var stateAfter: ListingState
    /// The date the step took effect (decision, filing, publication or removal date).
    public var date: CivilDate
    public var authority: String?
    public var documentNumber: String?
    public var reason: String?
    public var summary: String?
    public var outcome: ObjectionOutcome?
    public var removalReason: RemovalReason?
    /// For `listed`: the day the listing expires by itself, if its list has a term.
    public var plannedEndDate: CivilDate?
    /// For `objection-resolved`: the step id of the objection it resolves.
    public var objectionId: Int64?
    /// For `listed` and `removed`: the publication record's log index.
    public var publicationIndex: Int64?
    public var recordedAt: Instant

    public init(
        id: Int64, kind: Kind, stateAfter: ListingState, date: CivilDate, authority: String? = nil,
        documentNumber: String? = nil, reason: String? = nil, summary: String? = nil,
        outcome: ObjectionOutcome? = nil, removalReason: RemovalReason? = nil, plannedEndDate: CivilDate? = nil,
        objectionId: Int64? = nil, publicationIndex: Int64? = nil, recordedAt: Instant
    ) {
        self.id = id
        self.kind = kind
        self.stateAfter = stateAfter
        self.date = date
        self.authority = authority
        self.documentNumber = documentNumber
        self.reason = reason
        self.summary = summary
        self.outcome = outcome
        self.removalReason = removalReason
        self.plannedEndDate = plannedEndDate
        self.objectionId = objectionId
        self.publicationIndex = publicationIndex
        self.recordedAt = recordedAt
    }
}
