/// Why a listing left the list. `expired` is only ever applied by the registry itself.
public enum RemovalReason: String, Sendable, Hashable, CaseIterable {
    /// The listing's term ended (default 3 years).
    case expired
    /// Credit repair (信用修复), allowed only after the policy's minimum time.
    case repaired
    /// The decision was overturned.
    case revoked
    /// Abnormal operations remedied (e.g. the late annual report was filed).
    case cured
}

/// The rules of one blacklist type: how long a listing lasts, when repair is allowed, what it
/// does to the grade, when objections may be filed and how a listing may end.
public struct ListRules: Sendable, Hashable {
    public var listType: String
    /// Automatic expiry this long after publication; nil means no automatic expiry.
    public var term: CalendarPeriod?
    /// Earliest credit repair, counted from publication; nil means repair is not a removal reason.
    public var repairAfter: CalendarPeriod?
    /// How long a regulator has to decide a repair application, counted from the day it was made.
    public var repairDecisionWithin: CalendarPeriod?
    /// The best grade an enterprise can hold while listed (D for serious-dishonesty: forced).
    public var maximumGrade: String?
    /// Whether the party may object while the listing is only proposed.
    public var objectionsWhileProposed: Bool
    /// How long after publication an objection may still be filed; nil means none after listing.
    public var objectionWindow: CalendarPeriod?
    /// The reasons a regulator may give for removing a listing (`expired` is automatic).
    public var removalReasons: [RemovalReason]
    /// After this long on the list without remedy the registry proposes a listing on
    /// ``escalateTo`` by itself (abnormal operations → serious dishonesty after 3 years).
    public var escalateAfter: CalendarPeriod?
    public var escalateTo: String?
    /// Legal basis cited by automatic escalation proposals.
    public var escalationLegalBasis: String?

    public init(
        listType: String, term: CalendarPeriod? = nil, repairAfter: CalendarPeriod? = nil,
        repairDecisionWithin: CalendarPeriod? = nil, maximumGrade: String? = nil, objectionsWhileProposed: Bool = true,
        objectionWindow: CalendarPeriod? = nil, removalReasons: [RemovalReason] = [.revoked],
        escalateAfter: CalendarPeriod? = nil, escalateTo: String? = nil, escalationLegalBasis: String? = nil
    ) {
        self.listType = listType
        self.term = term
        self.repairAfter = repairAfter
        self.repairDecisionWithin = repairDecisionWithin
        self.maximumGrade = maximumGrade
        self.objectionsWhileProposed = objectionsWhileProposed
        self.objectionWindow = objectionWindow
        self.removalReasons = removalReasons
        self.escalateAfter = escalateAfter
        self.escalateTo = escalateTo
        self.escalationLegalBasis = escalationLegalBasis
    }
}
