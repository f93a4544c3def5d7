/// An application for credit repair (信用修复申请) of one listing, recorded by a regulator on the
/// enterprise's behalf, and the regulator's decision on it.
public struct RepairApplication: Sendable, Hashable, Identifiable {
    public enum Decision: String, Sendable, Hashable, CaseIterable {
        case approve
        case reject
    }

    /// The decision, once taken.
    public struct Outcome: Sendable, Hashable {
        public var decision: Decision
        public var reason: String
        public var documentNumber: String
        public var decidedOn: CivilDate
        /// The listing's `removed` step, when approved.
        public var removalStepId: Int64?
        public var recordedAt: Instant

        public init(
            decision: Decision, reason: String, documentNumber: String, decidedOn: CivilDate, removalStepId: Int64?,
            recordedAt: Instant
        ) {
            self.decision = decision
            self.reason = reason
            self.documentNumber = documentNumber
            self.decidedOn = decidedOn
            self.removalStepId = removalStepId
            self.recordedAt = recordedAt
        }
    }

    public var id: Int64
    public var listingId: Int64
    public var appliedOn: CivilDate
    /// SHA-256 of the signed commitment letter (信用承诺书), 64 lower-case hex digits.
    public var commitmentLetterSHA256: String
    /// What proves the penalty was fulfilled (a payment receipt's number, a rectification report).
    public var penaltyFulfilment: String
    public var applicantContact: String
    /// The last day the policy gives a regulator to decide.
    public var decideBy: CivilDate
    public var recordedAt: Instant
    public var outcome: Outcome?
    /// Undecided, and its listing was meanwhile removed otherwise (revoked, expired): there is
    /// nothing left to decide. Set by whoever read the listing with it.
    public var isMoot = false

    public init(
        id: Int64, listingId: Int64, appliedOn: CivilDate, commitmentLetterSHA256: String, penaltyFulfilment: String,
        applicantContact: String, decideBy: CivilDate, recordedAt: Instant, outcome: Outcome?
    ) {
        self.id = id
        self.listingId = listingId
        self.appliedOn = appliedOn
        self.commitmentLetterSHA256 = commitmentLetterSHA256
        self.penaltyFulfilment = penaltyFulfilment
        self.applicantContact = applicantContact
        self.decideBy = decideBy
        self.recordedAt = recordedAt
        self.outcome = outcome
    }

    /// Undecided, with a listing still to decide on.
    public var isPending: Bool { outcome == nil && !isMoot }

    /// Pending after its deadline.
    public func isOverdue(on today: CivilDate) -> Bool { isPending && today > decideBy }
}
