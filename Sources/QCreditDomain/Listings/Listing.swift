/// What the deciding authority decided when it proposed a listing.
public struct ListingDecision: Sendable, Hashable {
    public var listType: String
    public var reason: String
    public var legalBasis: String
    public var authority: String
    public var documentNumber: String
    public var decisionDate: CivilDate

    public init(
        listType: String, reason: String, legalBasis: String, authority: String, documentNumber: String,
        decisionDate: CivilDate
    ) {
        self.listType = listType
        self.reason = reason
        self.legalBasis = legalBasis
        self.authority = authority
        self.documentNumber = documentNumber
        self.decisionDate = decisionDate
    }
}

/// A blacklisting of one enterprise on one list, with its whole history.
public struct Listing: Sendable, Hashable, Identifiable {
    public var id: Int64
    public var enterpriseId: Int64
    /// The enterprise's name when the decision was taken (it may be renamed later).
    public var nameAtDecision: String
    public var decision: ListingDecision
    /// The listing this one was escalated from, for automatic serious-dishonesty proposals.
    public var escalatedFrom: Int64?
    /// Steps in the order they happened; never empty (the first is `proposed`).
    public var steps: [ListingStep]

    public init(
        id: Int64, enterpriseId: Int64, nameAtDecision: String, decision: ListingDecision,
        escalatedFrom: Int64? = nil, steps: [ListingStep]
    ) {
        self.id = id
        self.enterpriseId = enterpriseId
        self.nameAtDecision = nameAtDecision
        self.decision = decision
        self.escalatedFrom = escalatedFrom
        self.steps = steps
    }

    public var listType: String { decision.listType }
    public var state: ListingState { steps.last?.stateAfter ?? .proposed }

    /// The publication step, once confirmed.
    public var listedStep: ListingStep? { steps.first { $0.kind == .listed } }
    public var removedStep: ListingStep? { steps.first { $0.kind == .removed } }
    public var publicationDate: CivilDate? { listedStep?.date }
    public var plannedEndDate: CivilDate? { listedStep?.plannedEndDate }

    /// The objection awaiting resolution, if the listing is `objected` or `contested`.
    public var pendingObjection: ListingStep? {
        guard state == .objected || state == .contested else { return nil }
        return steps.last { $0.kind == .objectionFiled }
    }

    /// The listing as the registry held it at `moment`: only the steps recorded by then. A
    /// step dated earlier than it was recorded (a publication or removal date in the past)
    /// does not change what the registry answered before it knew of it.
    public func asRecorded(by moment: Instant) -> Listing {
        var recorded = self
        recorded.steps = steps.filter { $0.recordedAt <= moment }
        return recorded
    }

    /// Whether the listing was on the list on `date`: published on or before it and not
    /// removed by then.
    public func isOnList(on date: CivilDate) -> Bool {
        guard let published = publicationDate, published <= date else { return false }
        if let removed = removedStep, removed.date <= date { return false }
        return true
    }

    /// Whether the public (banks, the export) sees this listing: published and not wiped by
    /// repair or revocation. The registry keeps every listing; this only filters the view.
    public var isPublic: Bool {
        guard listedStep != nil else { return false }
        switch removedStep?.removalReason {
        case .repaired?, .revoked?: return false
        default: return true
        }
    }
}
