import QCreditDomain
import QCreditStore

/// What a maintenance run did.
public struct MaintenanceSummary: Sendable, Equatable {
    /// Listings removed as `expired` because their term ended.
    public var expired: [Int64] = []
    /// New serious-dishonesty proposals for abnormal-operations listings left unremedied.
    public var escalated: [Int64] = []

    public init(expired: [Int64] = [], escalated: [Int64] = []) {
        self.expired = expired
        self.escalated = escalated
    }
}

extension Registry {
    /// Applies what time alone decides: expiry of listings whose term has ended (published
    /// like any removal, dated on the planned end), and escalation proposals. The daemon runs
    /// it periodically and at start; each change is its own transaction, attributed to the
    /// registry.
    public func runMaintenance(by caller: Caller = .registry("maintenance")) async throws -> MaintenanceSummary {
        var summary = MaintenanceSummary()
        let today = self.today
        for id in try await database.read({ try $0.listingIdsDue(toEndBy: today) }) {
            let expired = try await write(by: caller) { writer in
                let listing = try writer.reader.existingListing(id)
                guard let expiry = ListingLifecycle.expiry(of: listing, today: writer.now.civilDate(in: self.utcOffset)) else {
                    return false
                }
                try Self.append([expiry], to: listing, disclosure: self.policy.disclosure, writer: writer)
                return true
            }
            if expired {
                summary.expired.append(id)
                logger.info("listing expired", metadata: ["listing": "\(id)"])
            }
        }
        for rules in policy.lists.values.sorted(by: { $0.listType < $1.listType }) {
            guard let target = rules.escalateTo, let after = rules.escalateAfter else { continue }
            // Candidates: published early enough, with a few days' margin for month-end
            // clamping; the lifecycle then decides exactly.
            let latest = today.adding(days: 3 - today.days(until: today.adding(after)))
            var cursor: Int64 = 0
            while true {
                let after = cursor
                let ids = try await database.read {
                    try $0.activeListingIds(
                        listType: rules.listType, publishedSince: nil, publishedThrough: latest, after: after, limit: 500)
                }
                guard let last = ids.last else { break }
                for id in ids {
                    if let proposal = try await escalate(listingId: id, to: target, rules: rules, by: caller) {
                        summary.escalated.append(proposal)
                    }
                }
                cursor = last
            }
        }
        return summary
    }

    private func escalate(listingId: Int64, to target: String, rules: ListRules, by caller: Caller) async throws -> Int64? {
        let today = self.today
        return try await write(by: caller) { writer -> Int64? in
            let reader = writer.reader
            let listing = try reader.existingListing(listingId)
            guard ListingLifecycle.isEscalationDue(listing, rules: rules, today: today),
                try reader.escalation(of: listingId) == nil,
                let enterprise = try reader.enterprise(id: listing.enterpriseId)
            else { return nil }
            // The proposal's public record names neither the earlier listing's id nor its date:
            // a repair or revocation of that listing ends its disclosure, and this record (which
            // stays disclosed) must not keep pointing at it. The link is kept in the database
            // (`escalated_from`) for regulators and auditors.
            let decision = ListingDecision(
                listType: target,
                reason: "on the \(rules.listType) list without remedy for \(rules.escalateAfter!)",
                legalBasis: rules.escalationLegalBasis ?? "policy: lists.\(rules.listType).escalateAfter",
                authority: ListingLifecycle.registryAuthority,
                documentNumber: "qcredit-escalation-\(today)-\(enterprise.uscc ?? enterprise.orgCode ?? String(enterprise.id))",
                decisionDate: today)
            do {
                return try self.openListing(decision, for: enterprise, escalatedFrom: listing.id, writer: writer).id
            } catch RegistryError.invalidState {
                // Already on (or proposed for) the target list: nothing to propose.
                return nil
            }
        }
    }
}
