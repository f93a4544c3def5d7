import QCreditDomain
import QCreditStore

/// A credit-repair application as a regulator records it on the enterprise's behalf.
public struct RepairApplicationRequest: Sendable {
    public var listingId: Int64
    /// The day the enterprise applied; today when nil.
    public var appliedOn: String?
    /// SHA-256 of the signed commitment letter, 64 hex digits.
    public var commitmentLetterSHA256: String
    public var penaltyFulfilment: String
    public var applicantContact: String

    public init(
        listingId: Int64, appliedOn: String?, commitmentLetterSHA256: String, penaltyFulfilment: String, applicantContact: String
    ) {
        self.listingId = listingId
        self.appliedOn = appliedOn
        self.commitmentLetterSHA256 = commitmentLetterSHA256
        self.penaltyFulfilment = penaltyFulfilment
        self.applicantContact = applicantContact
    }
}

extension Registry {
    /// Records an application for credit repair, checked against the policy: refused with
    /// `repairNotEligible` (the rule, and the first eligible day) or, while another application
    /// for the listing is undecided, with `invalidState`.
    public func applyForRepair(_ request: RepairApplicationRequest, by caller: Caller) async throws -> RepairApplication {
        let policy = self.policy
        let today = self.today
        let appliedOn = try request.appliedOn.map { value throws(RegistryError) in try TextField.date(value, "appliedOn") } ?? today
        let letter = try Self.sha256Hex(request.commitmentLetterSHA256, "commitmentLetterSha256")
        let fulfilment = try TextField.required(request.penaltyFulfilment, "penaltyFulfilment", maxLength: 2000)
        let contact = try TextField.required(request.applicantContact, "applicantContact", maxLength: 500)
        return try await write(by: caller) { writer in
            let reader = writer.reader
            let listing = try reader.existingListing(request.listingId)
            let rules = try policy.rules(forList: listing.listType)
            let earlier = try reader.repairApplications(listingId: listing.id)
            // An undecided application of a listing removed otherwise (or whose term ended) is
            // moot: the listing is then not eligible (RepairNotEligible, below), whatever was
            // applied for before.
            if !Self.leavesNothingToDecide(listing, today: today), let pending = earlier.first(where: \.isPending) {
                throw RegistryError.invalidState(
                    listingId: listing.id, state: listing.state.rawValue, action: "apply for credit repair",
                    reason: "application \(pending.id) of \(pending.appliedOn) is still to be decided (by \(pending.decideBy))")
            }
            // Dated before the decision on the last one, the record would show two applications
            // undecided at once.
            let decisions = earlier.compactMap { application in application.outcome.map { (id: application.id, on: $0.decidedOn) } }
            if let last = decisions.max(by: { $0.on < $1.on }), appliedOn < last.on {
                throw RegistryError.invalidArgument(
                    parameter: "appliedOn", reason: "\(appliedOn) is before the decision on application \(last.id) (\(last.on))")
            }
            let decideBy = try ListingLifecycle.repairApplication(listing, rules: rules, appliedOn: appliedOn, today: today)
            let id = try writer.insertRepairApplication(
                listingId: listing.id, appliedOn: appliedOn, commitmentLetterSHA256: letter, penaltyFulfilment: fulfilment,
                applicantContact: contact, decideBy: decideBy)
            return try reader.repairApplication(id: id)!
        }
    }

    /// Decides an application. Approval removes the listing as `repaired` — its removal is
    /// published and the disclosure of the listing's records ends — in the same transaction as
    /// the decision: a crash leaves either all of it or none.
    public func decideRepair(
        applicationId: Int64, decision: String, reason: String, documentNumber: String, decidedOn: String?, authority: String?,
        by caller: Caller
    ) async throws -> (RepairApplication, Listing) {
        let policy = self.policy
        let today = self.today
        let decision = try TextField.choice(decision, "decision", as: RepairApplication.Decision.self)
        let reason = try TextField.required(reason, "reason", maxLength: 2000)
        let documentNumber = try TextField.documentNumber(documentNumber)
        let decidedOn = try decidedOn.map { value throws(RegistryError) in try TextField.date(value, "decidedOn") } ?? today
        try ListingLifecycle.notInFuture(decidedOn, "decidedOn", today: today)
        let authority = try TextField.optionalAuthority(authority)
        return try await write(by: caller) { writer in
            let reader = writer.reader
            guard let application = try reader.repairApplication(id: applicationId) else {
                throw RegistryError.repairApplicationNotFound(applicationId: applicationId)
            }
            let listing = try reader.existingListing(application.listingId)
            if let outcome = application.outcome {
                throw RegistryError.invalidState(
                    listingId: listing.id, state: listing.state.rawValue, action: "decide application \(applicationId)",
                    reason: "it was decided (\(outcome.decision.rawValue)) on \(outcome.decidedOn)")
            }
            // A listing removed otherwise (revoked, expired), or whose term ended (maintenance
            // removes it as expired), leaves nothing to decide, either way.
            guard !Self.leavesNothingToDecide(listing, today: today) else {
                let why =
                    ListingLifecycle.endedTerm(of: listing, today: today).map {
                        "the listing's term ended on \($0), so it is removed as expired before a decision"
                    }
                    ?? "its listing was removed" + (listing.removedStep?.removalReason.map { " as \($0.rawValue)" } ?? "") + " before a decision"
                throw RegistryError.invalidState(
                    listingId: listing.id, state: listing.state.rawValue, action: "decide application \(applicationId)",
                    reason: "the application is moot: " + why)
            }
            guard decidedOn >= application.appliedOn else {
                throw RegistryError.invalidArgument(
                    parameter: "decidedOn", reason: "\(decidedOn) is before the application (\(application.appliedOn))")
            }
            var removalStepId: Int64?
            if decision == .approve {
                let rules = try policy.rules(forList: listing.listType)
                let removal = try ListingLifecycle.remove(
                    listing, rules: rules, reason: .repaired, removedOn: decidedOn, authority: authority ?? listing.decision.authority,
                    documentNumber: documentNumber, explanation: reason, today: today, dateParameter: "decidedOn")
                removalStepId = try Self.append([removal], to: listing, disclosure: policy.disclosure, writer: writer).last
            }
            try writer.insertRepairDecision(
                applicationId: applicationId, decision: decision, reason: reason, documentNumber: documentNumber,
                decidedOn: decidedOn, removalStepId: removalStepId)
            return (try reader.repairApplication(id: applicationId)!, try reader.existingListing(listing.id))
        }
    }

    /// An application's listing was removed otherwise (revoked, expired), or its term has ended
    /// (it is expired, whether or not maintenance has removed it yet): the application is moot.
    /// (A contested listing is not: the objection may be resolved, then it is decided.)
    static func leavesNothingToDecide(_ listing: Listing, today: CivilDate) -> Bool {
        listing.state == .removed || ListingLifecycle.endedTerm(of: listing, today: today) != nil
    }

    /// Applications, oldest first: those still to be decided, or every one. An undecided
    /// application whose listing was meanwhile removed otherwise (revoked, expired) is moot: it
    /// is not among those to decide, so it is never reported overdue.
    public func repairApplications(pendingOnly: Bool) async throws -> [RepairApplication] {
        let today = self.today
        return try await database.read { reader in
            func marked(_ application: RepairApplication) throws -> RepairApplication {
                var application = application
                let listing = try reader.existingListing(application.listingId)
                application.isMoot = application.outcome == nil && Self.leavesNothingToDecide(listing, today: today)
                return application
            }
            if pendingOnly { return try reader.pendingRepairApplications().map(marked).filter(\.isPending) }
            var all: [RepairApplication] = []
            var cursor: Int64 = 0
            while let next = try reader.repairApplication(after: cursor) {
                all.append(try marked(next))
                cursor = next.id
            }
            return all
        }
    }

    /// 64 hexadecimal digits, returned in lower case.
    static func sha256Hex(_ value: String, _ parameter: String) throws(RegistryError) -> String {
        let lower = value.lowercased()
        guard lower.utf8.count == 64, lower.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else {
            throw .invalidArgument(parameter: parameter, reason: "must be a SHA-256 digest: 64 hexadecimal digits")
        }
        return lower
    }
}
