import QCreditDomain
import QCreditStore

/// A blacklisting decision as a regulator submits it.
public struct ListingProposal: Sendable {
    public var code: String
    public var listType: String
    public var reason: String
    public var legalBasis: String
    public var authority: String
    public var documentNumber: String
    public var decisionDate: String

    public init(
        code: String, listType: String, reason: String, legalBasis: String, authority: String, documentNumber: String,
        decisionDate: String
    ) {
        self.code = code
        self.listType = listType
        self.reason = reason
        self.legalBasis = legalBasis
        self.authority = authority
        self.documentNumber = documentNumber
        self.decisionDate = decisionDate
    }
}

extension Registry {
    /// Proposes a listing; the party is told the reasons and may object. Refused while the
    /// enterprise has another open listing of the same type.
    public func proposeListing(_ proposal: ListingProposal, by caller: Caller) async throws -> Listing {
        let rules = try policy.rules(forList: proposal.listType)
        let decisionDate = try TextField.date(proposal.decisionDate, "decisionDate")
        try ListingLifecycle.notInFuture(decisionDate, "decisionDate", today: today)
        let decision = ListingDecision(
            listType: rules.listType, reason: try TextField.required(proposal.reason, "reason", maxLength: 4000),
            legalBasis: try TextField.required(proposal.legalBasis, "legalBasis", maxLength: 1000),
            authority: try TextField.authority(proposal.authority),
            documentNumber: try TextField.documentNumber(proposal.documentNumber),
            decisionDate: decisionDate)
        return try await write(by: caller) { writer in
            let enterprise = try writer.reader.existingEnterprise(forCode: proposal.code)
            return try self.openListing(decision, for: enterprise, escalatedFrom: nil, writer: writer)
        }
    }

    func openListing(_ decision: ListingDecision, for enterprise: Enterprise, escalatedFrom: Int64?, writer: RegistryWriter)
        throws -> Listing
    {
        if let open = try writer.reader.listings(enterpriseId: enterprise.id).first(where: {
            $0.listType == decision.listType && !$0.state.isFinal
        }) {
            throw RegistryError.invalidState(
                listingId: open.id, state: open.state.rawValue, action: "propose another \(decision.listType) listing",
                reason: "listing \(open.id) for this enterprise is still open")
        }
        let id = try writer.insertListing(
            enterpriseId: enterprise.id, nameAtDecision: enterprise.name, decision: decision, escalatedFrom: escalatedFrom)
        try writer.insertListingStep(
            listingId: id,
            ListingStepDraft(
                kind: .proposed, stateAfter: .proposed, date: decision.decisionDate, authority: decision.authority,
                documentNumber: decision.documentNumber, reason: decision.reason),
            publicationIndex: nil)
        return try writer.reader.listing(id: id)!
    }

    /// Applies lifecycle steps to a listing in one transaction, publishing the ones that are
    /// public decisions (listing, removal) in the same transaction.
    func advance(
        listingId: Int64, by caller: Caller,
        _ decide: @escaping @Sendable (Listing, ListRules, CivilDate) throws -> [ListingStepDraft]
    ) async throws -> Listing {
        let policy = self.policy
        let utcOffset = self.utcOffset
        return try await write(by: caller) { writer in
            let listing = try writer.reader.existingListing(listingId)
            let rules = try policy.rules(forList: listing.listType)
            let steps = try decide(listing, rules, writer.now.civilDate(in: utcOffset))
            try Self.append(steps, to: listing, disclosure: policy.disclosure, writer: writer)
            return try writer.reader.listing(id: listingId)!
        }
    }

    /// Appends lifecycle steps, publishing the public decisions (listing, removal). A removal
    /// ends the disclosure of the listing's records in the same transaction: at once for repair
    /// and revocation, after the policy's period for expiry and cure.
    @discardableResult
    static func append(_ steps: [ListingStepDraft], to listing: Listing, disclosure: DisclosureRules, writer: RegistryWriter)
        throws -> [Int64]
    {
        var stepIds: [Int64] = []
        for step in steps {
            var publicationIndex: Int64?
            if step.isPublication {
                let subject = try writer.reader.enterprise(id: listing.enterpriseId)!.subject
                let record =
                    step.kind == .listed
                    ? PublicationRecord.listing(listing, published: step, subject: subject, publishedAt: writer.now)
                    : PublicationRecord.removal(listing, removed: step, subject: subject, publishedAt: writer.now)
                publicationIndex = try writer.appendPublication(record)
            }
            stepIds.append(try writer.insertListingStep(listingId: listing.id, step, publicationIndex: publicationIndex))
            if step.kind == .removed, let reason = step.removalReason, let removal = publicationIndex {
                let ends = disclosure.listingDisclosureEnds(removedOn: step.date, reason: reason)
                let records = [listing.listedStep?.publicationIndex, removal].compactMap { $0 }
                for index in records {
                    try writer.endDisclosure(of: index, on: ends, reason: DisclosureEndReason(removal: reason))
                }
            }
            // A revoked listing takes the listing escalated from it along, in the same
            // transaction (and that one its own escalation): the escalation's reason would
            // otherwise keep telling a bank of the revoked listing.
            if step.kind == .removed, step.removalReason == .revoked, let escalatedId = try writer.reader.escalation(of: listing.id),
                let escalated = try writer.reader.listing(id: escalatedId),
                let falling = ListingLifecycle.fallingWithItsSource(escalated, revocation: step)
            {
                try append([falling], to: escalated, disclosure: disclosure, writer: writer)
            }
        }
        return stepIds
    }

    public func fileObjection(listingId: Int64, filedOn: String?, summary: String, by caller: Caller) async throws -> Listing {
        let filedOn = try filedOn.map { value throws(RegistryError) in try TextField.date(value, "filedOn") } ?? today
        let summary = try TextField.required(summary, "summary", maxLength: 4000)
        return try await advance(listingId: listingId, by: caller) { listing, rules, today in
            [try ListingLifecycle.fileObjection(listing, rules: rules, filedOn: filedOn, summary: summary, today: today)]
        }
    }

    public func resolveObjection(
        listingId: Int64, outcome: String, resolvedOn: String?, authority: String, documentNumber: String,
        summary: String?, by caller: Caller
    ) async throws -> Listing {
        let outcome = try TextField.choice(outcome, "outcome", as: ObjectionOutcome.self)
        let resolvedOn = try resolvedOn.map { value throws(RegistryError) in try TextField.date(value, "resolvedOn") } ?? today
        let authority = try TextField.authority(authority)
        let documentNumber = try TextField.documentNumber(documentNumber)
        let summary = try TextField.optional(summary, "summary", maxLength: 4000)
        return try await advance(listingId: listingId, by: caller) { listing, _, today in
            try ListingLifecycle.resolveObjection(
                listing, outcome: outcome, resolvedOn: resolvedOn, authority: authority, documentNumber: documentNumber,
                summary: summary, today: today)
        }
    }

    /// Publishes a proposed listing: the enterprise is on the list from `publicationDate`
    /// (default today) until removed or, if the list has a term, until it expires.
    public func confirmListing(
        listingId: Int64, publicationDate: String?, authority: String?, documentNumber: String?, by caller: Caller
    ) async throws -> Listing {
        let date = try publicationDate.map { value throws(RegistryError) in try TextField.date(value, "publicationDate") } ?? today
        let authority = try TextField.optionalAuthority(authority)
        let documentNumber = try TextField.optionalDocumentNumber(documentNumber)
        return try await advance(listingId: listingId, by: caller) { listing, rules, today in
            [
                try ListingLifecycle.confirm(
                    listing, rules: rules, publicationDate: date, authority: authority, documentNumber: documentNumber,
                    today: today)
            ]
        }
    }

    public func withdrawListing(
        listingId: Int64, reason: String, withdrawnOn: String?, documentNumber: String?, by caller: Caller
    ) async throws -> Listing {
        let reason = try TextField.required(reason, "reason", maxLength: 2000)
        let date = try withdrawnOn.map { value throws(RegistryError) in try TextField.date(value, "withdrawnOn") } ?? today
        let documentNumber = try TextField.optionalDocumentNumber(documentNumber)
        return try await advance(listingId: listingId, by: caller) { listing, _, today in
            [try ListingLifecycle.withdraw(listing, reason: reason, withdrawnOn: date, documentNumber: documentNumber, today: today)]
        }
    }

    public func removeListing(
        listingId: Int64, reason: String, removedOn: String?, authority: String, documentNumber: String,
        explanation: String?, by caller: Caller
    ) async throws -> Listing {
        let reason = try TextField.choice(reason, "reason", as: RemovalReason.self)
        guard reason != .repaired else {
            throw RegistryError.invalidArgument(
                parameter: "reason",
                reason: "credit repair is a workflow: ApplyForRepair records the application, DecideRepair approves it and removes the listing")
        }
        let date = try removedOn.map { value throws(RegistryError) in try TextField.date(value, "removedOn") } ?? today
        let authority = try TextField.authority(authority)
        let documentNumber = try TextField.documentNumber(documentNumber)
        let explanation = try TextField.optional(explanation, "explanation", maxLength: 2000)
        return try await advance(listingId: listingId, by: caller) { listing, rules, today in
            [
                try ListingLifecycle.remove(
                    listing, rules: rules, reason: reason, removedOn: date, authority: authority,
                    documentNumber: documentNumber, explanation: explanation, today: today)
            ]
        }
    }

    public func listing(id: Int64) async throws -> Listing {
        try await database.read { try $0.existingListing(id) }
    }

    /// The enterprise's listings as `view` shows them today (see ``Visibility``).
    public func listings(code: String, view: RecordView) async throws -> (Enterprise, [Listing]) {
        let visibility = self.visibility(view)
        return try await database.read { reader in
            try reader.visibleListings(of: reader.existingEnterprise(forCode: code), visibility: visibility)
        }
    }

    /// Listings on the list today that `view` shows, oldest published first, in pages for streaming.
    public func blacklistPage(listType: String?, since: String?, after cursor: Int64, limit: Int, view: RecordView)
        async throws -> [(Enterprise, Listing)]
    {
        if let listType { _ = try policy.rules(forList: listType) }
        let since = try since.map { value throws(RegistryError) in try TextField.date(value, "since") }
        let today = self.today
        let visibility = self.visibility(view)
        return try await database.read { reader in
            try reader.activeListingIds(listType: listType, publishedSince: since, publishedThrough: today, after: cursor, limit: limit)
                .compactMap { id in
                    guard let stored = try reader.listing(id: id), let listing = try reader.shown(stored, visibility: visibility),
                        let enterprise = try reader.enterprise(id: listing.enterpriseId)
                    else { return nil }
                    return (try reader.shown(enterprise, visibility: visibility), listing)
                }
        }
    }
}

