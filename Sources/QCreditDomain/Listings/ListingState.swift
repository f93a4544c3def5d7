/// Where a listing stands in its lifecycle (DESIGN §6).
///
/// ```
/// proposed ──objection──▶ objected ──rejected──▶ proposed
///    │                       └──upheld──▶ withdrawn
///    ├──withdraw──▶ withdrawn
///    └──confirm──▶ listed ──objection (in window)──▶ contested ──rejected──▶ listed
///                    │                                  └──upheld──▶ removed (revoked)
///                    └──remove / expire──▶ removed
/// ```
public enum ListingState: String, Sendable, Hashable, CaseIterable {
    /// Decided and notified to the party, not yet published; objections may be filed.
    case proposed
    /// Proposed, with an objection awaiting resolution.
    case objected
    /// Published on the list.
    case listed
    /// Listed, with an objection (filed within the list's window) awaiting resolution.
    case contested
    /// The proposal was dropped before listing.
    case withdrawn
    /// Taken off the list (expired, repaired, revoked or cured).
    case removed

    /// Whether the enterprise is on the list in this state.
    public var isOnList: Bool { self == .listed || self == .contested }
    /// Whether nothing can happen to the listing any more.
    public var isFinal: Bool { self == .withdrawn || self == .removed }
}

/// The outcome of an objection.
public enum ObjectionOutcome: String, Sendable, Hashable, CaseIterable {
    /// The objection succeeds: a proposal is withdrawn, a listing is revoked.
    case upheld
    /// The objection fails: the listing goes on.
    case rejected
}
