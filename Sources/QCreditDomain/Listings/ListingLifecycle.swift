/// A step the lifecycle has approved, before the store gives it an id and a time.
public struct ListingStepDraft: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        case proposed
        case objectionFiled = "objection-filed"
        case objectionResolved = "objection-resolved"
        case listed
        case withdrawn
        case removed
    }

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
    /// For `listed`: the best grade the listing allows while it is on the list (nil: no cap).
    /// Fixed with the term by the policy it is published under: a later policy version neither
    /// changes the grade answered for the file nor what a past day's grade was.
    public var maximumGrade: String?
    /// For `objection-resolved`: the step id of the objection it resolves.
    public var objectionId: Int64?

    public init(
        kind: Kind, stateAfter: ListingState, date: CivilDate, authority: String? = nil,
        documentNumber: String? = nil, reason: String? = nil, summary: String? = nil,
        outcome: ObjectionOutcome? = nil, removalReason: RemovalReason? = nil, plannedEndDate: CivilDate? = nil,
        maximumGrade: String? = nil, objectionId: Int64? = nil
    ) {
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
        self.maximumGrade = maximumGrade
        self.objectionId = objectionId
    }

    /// Listing and removal are public decisions: each gets a publication record.
    public var isPublication: Bool { kind == .listed || kind == .removed }
}

/// The blacklist rules as pure functions: given a listing, its list's rules and today's date,
/// each decides whether an action is allowed and returns the step(s) it appends, or throws
/// `invalidState` naming the current state (or `invalidArgument` for a date that cannot be).
public enum ListingLifecycle {
    /// The authority named on steps the registry takes by itself.
    public static let registryAuthority = "qcredit registry (automatic)"

    public static func fileObjection(
        _ listing: Listing, rules: ListRules, filedOn: CivilDate, summary: String, today: CivilDate
    ) throws(RegistryError) -> ListingStepDraft {
        let action = "file an objection"
        try notInFuture(filedOn, "filedOn", today: today)
        // A late record of an objection filed on paper may be dated back, but not before the
        // history it follows (an objection resolved since, the publication): the steps stay in order.
        if let last = listing.steps.last?.date {
            try notBefore(filedOn, last, "filedOn", "the listing's last step")
        }
        switch listing.state {
        case .proposed:
            guard rules.objectionsWhileProposed else {
                throw refusal(listing, action, "the \(rules.listType) list takes no objections before publication")
            }
            try notBefore(filedOn, listing.decision.decisionDate, "filedOn", "the decision date")
            return ListingStepDraft(kind: .objectionFiled, stateAfter: .objected, date: filedOn, summary: summary)
        case .listed:
            guard let window = rules.objectionWindow, let published = listing.publicationDate else {
                throw refusal(listing, action, "the \(rules.listType) list takes no objections after publication")
            }
            try notBefore(filedOn, published, "filedOn", "the publication date")
            let deadline = published.adding(window)
            guard filedOn <= deadline else {
                throw refusal(listing, action, "the objection window closed: its last day was \(deadline)")
            }
            return ListingStepDraft(kind: .objectionFiled, stateAfter: .contested, date: filedOn, summary: summary)
        case .objected, .contested:
            throw refusal(listing, action, "an objection is already pending")
        case .withdrawn, .removed:
            throw refusal(listing, action, "the listing is closed")
        }
    }

    /// Resolving an upheld objection also ends the listing: a proposal is withdrawn, a
    /// published listing is removed as `revoked` (a publication).
    public static func resolveObjection(
        _ listing: Listing, outcome: ObjectionOutcome, resolvedOn: CivilDate, authority: String,
        documentNumber: String, summary: String?, today: CivilDate
    ) throws(RegistryError) -> [ListingStepDraft] {
        guard let objection = listing.pendingObjection else {
            throw refusal(listing, "resolve an objection", "no objection is pending")
        }
        try notInFuture(resolvedOn, "resolvedOn", today: today)
        try notBefore(resolvedOn, objection.date, "resolvedOn", "the objection's filing date")
        let wasListed = listing.state == .contested
        let resolution = ListingStepDraft(
            kind: .objectionResolved,
            // The objection is settled: the listing is back where it was; an upheld objection
            // then ends it in a step of its own, so removals are always `removed` steps.
            stateAfter: wasListed ? .listed : .proposed,
            date: resolvedOn, authority: authority, documentNumber: documentNumber, summary: summary,
            outcome: outcome, objectionId: objection.id)
        guard outcome == .upheld else { return [resolution] }
        let end: ListingStepDraft
        if wasListed {
            end = ListingStepDraft(
                kind: .removed, stateAfter: .removed, date: resolvedOn, authority: authority,
                documentNumber: documentNumber, reason: "objection upheld", removalReason: .revoked)
        } else {
            end = ListingStepDraft(
                kind: .withdrawn, stateAfter: .withdrawn, date: resolvedOn, authority: authority,
                documentNumber: documentNumber, reason: "objection upheld")
        }
        return [resolution, end]
    }

    public static func confirm(
        _ listing: Listing, rules: ListRules, publicationDate: CivilDate, authority: String?,
        documentNumber: String?, today: CivilDate
    ) throws(RegistryError) -> ListingStepDraft {
        let action = "confirm"
        switch listing.state {
        case .proposed:
            break
        case .objected:
            throw refusal(listing, action, "an objection is pending; resolve it first")
        case .listed, .contested:
            throw refusal(listing, action, "it is already listed")
        case .withdrawn, .removed:
            throw refusal(listing, action, "the listing is closed")
        }
        try notInFuture(publicationDate, "publicationDate", today: today)
        try notBefore(publicationDate, listing.steps.last?.date ?? listing.decision.decisionDate, "publicationDate", "the listing's last step")
        let plannedEnd = rules.term.map { publicationDate.adding($0) }
        // A listing whose whole term lies in the past would be answered as in force until
        // maintenance expired it, and its removal dated before it was recorded: most likely a
        // mistyped date, and never a listing the public could have relied on.
        if let plannedEnd, let term = rules.term, plannedEnd <= today {
            throw .invalidArgument(
                parameter: "publicationDate",
                reason: "a listing published on \(publicationDate) would have ended on \(plannedEnd) (the list's term is \(term)), "
                    + "on or before today (\(today)): give the day it is published")
        }
        return ListingStepDraft(
            kind: .listed, stateAfter: .listed, date: publicationDate,
            authority: authority ?? listing.decision.authority,
            documentNumber: documentNumber ?? listing.decision.documentNumber,
            plannedEndDate: plannedEnd, maximumGrade: rules.maximumGrade)
    }

    public static func withdraw(
        _ listing: Listing, reason: String, withdrawnOn: CivilDate, documentNumber: String?, today: CivilDate
    ) throws(RegistryError) -> ListingStepDraft {
        guard listing.state == .proposed || listing.state == .objected else {
            let why =
                listing.state == .contested
                ? "it is already published and an objection is pending; resolve the objection (upheld removes it as revoked)"
                : listing.state.isOnList ? "it is already published; remove it instead" : "the listing is closed"
            throw refusal(listing, "withdraw", why)
        }
        try notInFuture(withdrawnOn, "withdrawnOn", today: today)
        try notBefore(withdrawnOn, listing.decision.decisionDate, "withdrawnOn", "the decision date")
        return ListingStepDraft(
            kind: .withdrawn, stateAfter: .withdrawn, date: withdrawnOn, authority: listing.decision.authority,
            documentNumber: documentNumber, reason: reason)
    }

    /// The step that ends `escalated`, a listing the registry escalated from one now revoked
    /// (`revocation`, its removal): the escalation rested on that listing alone, and a revoked
    /// decision is void from the start. A proposal is withdrawn, a published listing removed as
    /// revoked (ending its disclosure, so nothing a bank sees tells of the revoked listing);
    /// nil for one already closed. Its reason names neither the revoked listing nor its list.
    public static func fallingWithItsSource(_ escalated: Listing, revocation: ListingStepDraft) -> ListingStepDraft? {
        let reason = "the listing it was escalated from was revoked"
        switch escalated.state {
        case .proposed, .objected:
            return ListingStepDraft(
                kind: .withdrawn, stateAfter: .withdrawn, date: max(revocation.date, escalated.decision.decisionDate),
                authority: escalated.decision.authority, documentNumber: revocation.documentNumber, reason: reason)
        case .listed, .contested:
            return ListingStepDraft(
                kind: .removed, stateAfter: .removed, date: max(revocation.date, escalated.publicationDate ?? revocation.date),
                authority: revocation.authority, documentNumber: revocation.documentNumber, reason: reason, removalReason: .revoked)
        case .withdrawn, .removed:
            return nil
        }
    }

    /// `dateParameter` names the removal date in errors: the caller's own name for it
    /// (`removedOn` for `RemoveListing`, `decidedOn` for an approved credit repair).
    public static func remove(
        _ listing: Listing, rules: ListRules, reason: RemovalReason, removedOn: CivilDate, authority: String,
        documentNumber: String, explanation: String?, today: CivilDate, dateParameter: String = "removedOn"
    ) throws(RegistryError) -> ListingStepDraft {
        let action = "remove it as \(reason.rawValue)"
        guard listing.state == .listed else {
            switch listing.state {
            case .contested: throw refusal(listing, action, "an objection is pending; resolve it first")
            case .proposed, .objected: throw refusal(listing, action, "it is not published yet; withdraw it instead")
            default: throw refusal(listing, action, "the listing is closed")
            }
        }
        guard rules.removalReasons.contains(reason) else {
            // What RemoveListing itself takes: a repair goes through ApplyForRepair and DecideRepair.
            let allowed = rules.removalReasons.filter { $0 != .repaired }.map(\.rawValue).joined(separator: ", ")
            throw .invalidArgument(
                parameter: "reason",
                reason: "\(rules.listType) listings are removed as \(allowed.isEmpty ? "nothing" : allowed)"
                    + (rules.removalReasons.contains(.repaired) ? " (repaired: through ApplyForRepair and DecideRepair)" : "")
                    + (reason == .expired ? "; expiry is applied by the registry itself" : ""))
        }
        try notInFuture(removedOn, dateParameter, today: today)
        let published = listing.publicationDate!
        try notBefore(removedOn, published, dateParameter, "the publication date")
        if reason == .repaired, let minimum = rules.repairAfter {
            let earliest = published.adding(minimum)
            guard removedOn >= earliest else {
                throw refusal(listing, action, "credit repair is allowed from \(earliest) (\(minimum) after publication)")
            }
        }
        return ListingStepDraft(
            kind: .removed, stateAfter: .removed, date: removedOn, authority: authority,
            documentNumber: documentNumber, reason: explanation, removalReason: reason)
    }

    /// Checks that `listing` may be repaired from an application made on `appliedOn`, and
    /// returns the last day the policy gives a regulator to decide it. Refused with
    /// `repairNotEligible`, citing the rule and the first eligible day: a list that takes no
    /// repair, a listing not (or no longer) on its list, an application before the minimum period.
    public static func repairApplication(_ listing: Listing, rules: ListRules, appliedOn: CivilDate, today: CivilDate)
        throws(RegistryError) -> CivilDate
    {
        try notInFuture(appliedOn, "appliedOn", today: today)
        guard rules.removalReasons.contains(.repaired), let minimum = rules.repairAfter, let within = rules.repairDecisionWithin
        else {
            throw .repairNotEligible(
                listingId: listing.id, rule: "policy lists.\(rules.listType).removalReasons", eligibleOn: nil,
                reason: "the \(rules.listType) list ends by \(rules.removalReasons.map(\.rawValue).joined(separator: " or ")), not by credit repair")
        }
        guard listing.state == .listed, let published = listing.publicationDate else {
            throw .repairNotEligible(
                listingId: listing.id, rule: "SAMR credit-repair measures (2021), Art. 2", eligibleOn: nil,
                reason: "only a published listing still on its list can be repaired; this one is \(listing.state.rawValue)")
        }
        // A term that has ended ends the listing as expired, whether or not maintenance has
        // removed it yet: repair would otherwise depend on which of the two ran first.
        if let end = endedTerm(of: listing, today: today) {
            throw .repairNotEligible(
                listingId: listing.id, rule: "policy lists.\(rules.listType).term", eligibleOn: nil,
                reason: "the listing's term ended on \(end): it is removed as expired, not by credit repair")
        }
        let earliest = published.adding(minimum)
        guard appliedOn >= earliest else {
            throw .repairNotEligible(
                listingId: listing.id, rule: "policy lists.\(rules.listType).repairAfter = \(minimum) after publication (\(published))",
                eligibleOn: earliest, reason: "the minimum period since publication has not passed")
        }
        return appliedOn.adding(within)
    }

    /// The day the term of a listing still on its list ended, once that day has come: the
    /// listing is then expired, whether or not maintenance has removed it yet.
    public static func endedTerm(of listing: Listing, today: CivilDate) -> CivilDate? {
        guard listing.state.isOnList, let end = listing.plannedEndDate, end <= today else { return nil }
        return end
    }

    /// The automatic removal of a listing whose term has ended, dated on its planned end, or
    /// nil when none is due.
    public static func expiry(of listing: Listing, today: CivilDate) -> ListingStepDraft? {
        guard let end = endedTerm(of: listing, today: today) else { return nil }
        return ListingStepDraft(
            kind: .removed, stateAfter: .removed, date: end, authority: registryAuthority,
            reason: "the listing's term ended on \(end)", removalReason: .expired)
    }

    /// Whether a listing has stayed on its list long enough, unremedied, to be escalated.
    public static func isEscalationDue(_ listing: Listing, rules: ListRules, today: CivilDate) -> Bool {
        guard listing.state.isOnList, rules.escalateTo != nil, let after = rules.escalateAfter,
            let published = listing.publicationDate
        else { return false }
        return published.adding(after) <= today
    }

    private static func refusal(_ listing: Listing, _ action: String, _ reason: String) -> RegistryError {
        .invalidState(listingId: listing.id, state: listing.state.rawValue, action: action, reason: reason)
    }

    public static func notInFuture(_ date: CivilDate, _ parameter: String, today: CivilDate) throws(RegistryError) {
        guard date <= today else {
            throw .invalidArgument(parameter: parameter, reason: "\(date) is in the future (today is \(today))")
        }
    }

    private static func notBefore(_ date: CivilDate, _ earliest: CivilDate, _ parameter: String, _ what: String)
        throws(RegistryError)
    {
        guard date >= earliest else {
            throw .invalidArgument(parameter: parameter, reason: "\(date) is before \(what) (\(earliest))")
        }
    }
}
