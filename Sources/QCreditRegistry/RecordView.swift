import CanonicalJSON
import QCreditDomain
import QCreditStore

/// Which records a caller sees: regulators and auditors the full history the registry keeps;
/// banks (and the public export) the public view.
public enum RecordView: Sendable {
    case full
    case `public`
}

/// The one rule every reply a bank can receive goes through: the public view on a given day,
/// under the policy's disclosure rules.
///
/// A published record is disclosed until the first day its `disclosure_end` rows name (written
/// when the decision that ends it is taken: a newer grade, an override's end, a listing's
/// removal — at once for repair and revocation). The public view then shows:
/// - a listing only while its publication record is disclosed (never before it was published);
/// - a grade or override record only while disclosed;
/// - a quality event while in force and within the policy's event period;
/// - an opening (GetEntries, evidence, exports) only while its record is disclosed.
///
/// Listings and grade records reach replies only through ``RegistryReader/listings(enterpriseId:visibility:)``
/// and ``RegistryReader/shows(_:visibility:)``, so a record the public view hides is absent from
/// grades (no cap, no listed list, no log index), at every date asked about, from files,
/// blacklist checks and lists, from evidence and from the export.
///
/// ```swift
/// let visibility = Visibility(view: .public, today: registry.today, rules: policy.disclosure)
/// let listings = try reader.listings(enterpriseId: id, visibility: visibility)
/// ```
public struct Visibility: Sendable {
    public var view: RecordView
    /// The day the view is taken on: disclosure is judged today, whatever date a query is about.
    public var today: CivilDate
    public var rules: DisclosureRules

    public init(view: RecordView, today: CivilDate, rules: DisclosureRules) {
        self.view = view
        self.today = today
        self.rules = rules
    }

    /// Whether the view shows `event`.
    public func shows(_ event: QualityEvent) -> Bool {
        view == .full || (event.isInForce && rules.showsEvent(occurredOn: event.details.occurredOn, today: today))
    }

    /// Whether the view receives the opening of `entry`.
    public func showsOpening(of entry: LogEntry) -> Bool {
        entry.opening != nil && (view == .full || entry.isDisclosed(on: today))
    }
}

extension RegistryReader {
    /// Whether publication `index` is disclosed to the public on `date`.
    public func isDisclosed(_ index: Int64, on date: CivilDate) throws -> Bool {
        try disclosureEnd(of: index).map { date < $0 } ?? true
    }

    /// Whether `visibility` shows `listing`: the public sees it only while its publication
    /// record is disclosed.
    public func shows(_ listing: Listing, visibility: Visibility) throws -> Bool {
        guard visibility.view == .public else { return true }
        guard let index = listing.listedStep?.publicationIndex else { return false }
        return try isDisclosed(index, on: visibility.today)
    }

    /// `listing` as `visibility` shows it, or nil when it does not show it at all. The public
    /// view also drops `escalatedFrom` when the listing it was escalated from is no longer
    /// disclosed (repaired or revoked since), so no reply points at that listing.
    public func shown(_ listing: Listing, visibility: Visibility) throws -> Listing? {
        guard try shows(listing, visibility: visibility) else { return nil }
        guard visibility.view == .public, let source = listing.escalatedFrom else { return listing }
        if let sourceListing = try self.listing(id: source), try shows(sourceListing, visibility: visibility) { return listing }
        var shown = listing
        shown.escalatedFrom = nil
        return shown
    }

    /// Whether `visibility` shows a grade or override record.
    public func shows(_ record: GradeRecord, visibility: Visibility) throws -> Bool {
        guard visibility.view == .public else { return true }
        return try isDisclosed(record.publicationIndex, on: visibility.today)
    }

    /// The enterprise's listings that `visibility` shows, in id order.
    public func listings(enterpriseId: Int64, visibility: Visibility) throws -> [Listing] {
        try partitioned(listings(enterpriseId: enterpriseId), visibility: visibility).shown
    }

    /// The enterprise's listings that `visibility` shows, and the enterprise as it shows it: the
    /// public view also leaves out a former name under which only a listing no longer disclosed
    /// was decided, so a repaired or revoked listing cannot be traced through the name either.
    public func visibleListings(of enterprise: Enterprise, visibility: Visibility) throws
        -> (enterprise: Enterprise, listings: [Listing])
    {
        try visibleListings(of: enterprise, among: listings(enterpriseId: enterprise.id), visibility: visibility)
    }

    /// ``visibleListings(of:visibility:)`` for the enterprise's listings `all`, already read.
    public func visibleListings(of enterprise: Enterprise, among all: [Listing], visibility: Visibility) throws
        -> (enterprise: Enterprise, listings: [Listing])
    {
        var (shown, hiddenNames) = try partitioned(all, visibility: visibility)
        // "Only" such a listing: a name a disclosed grade record still carries stays (the bank
        // reads it in that record's opening anyway). Read only when a name is to be hidden.
        if !hiddenNames.isEmpty { hiddenNames.subtract(try namesInDisclosedGrades(enterpriseId: enterprise.id, visibility: visibility)) }
        return (enterprise.withoutFormerNames(hiddenNames), shown)
    }

    /// The subject names of the file's grade and override records that `visibility` shows.
    private func namesInDisclosedGrades(enterpriseId: Int64, visibility: Visibility) throws -> Set<String> {
        var names: Set<String> = []
        for (_, index) in try publishedGrades(enterpriseId: enterpriseId, before: .max, limit: 10_000)
        where try isDisclosed(index, on: visibility.today) {
            guard let (_, record) = try publication(index: index),
                let name = try? JSONValue.parse(record)["subject"]?["name"]?.stringValue
            else { continue }
            names.insert(name)
        }
        return names
    }

    /// The listings of `all` that `visibility` shows, and the names at decision of the published
    /// ones it hides (but no shown one carries).
    private func partitioned(_ all: [Listing], visibility: Visibility) throws -> (shown: [Listing], hiddenNames: Set<String>) {
        guard visibility.view == .public else { return (all, []) }
        var shown: [Listing] = []
        var hiddenNames: Set<String> = []
        for listing in all {
            if let listing = try self.shown(listing, visibility: visibility) {
                shown.append(listing)
            } else if listing.listedStep != nil {
                hiddenNames.insert(listing.nameAtDecision)
            }
        }
        return (shown, hiddenNames.subtracting(shown.map(\.nameAtDecision)))
    }

    /// The enterprise as `visibility` shows it (see ``visibleListings(of:visibility:)``).
    public func shown(_ enterprise: Enterprise, visibility: Visibility) throws -> Enterprise {
        try visibleListings(of: enterprise, visibility: visibility).enterprise
    }
}

extension Registry {
    /// The view `view` as of today, under the policy in force.
    public func visibility(_ view: RecordView) -> Visibility {
        Visibility(view: view, today: today, rules: policy.disclosure)
    }
}

extension RecordView {
    /// Regulators and auditors see everything the registry keeps; others the public view.
    public static func seenBy(_ roles: Set<Role>) -> RecordView {
        roles.contains(.regulator) || roles.contains(.auditor) ? .full : .public
    }
}

/// What the public may see may have changed since a stream read its page when this differs:
/// a write ended a record's disclosure, or the day turned (a disclosure period ran out). A
/// stream to the public takes one before reading a page and compares it before each reply it
/// sends, reading again from there when it moved: a reader that stopped reading is never sent,
/// once it reads again, what a repair or revocation ended while it was stalled.
public struct DisclosureMark: Sendable, Equatable {
    let endsCommitted: Int
    let today: CivilDate
}

extension Registry {
    /// The mark now (see ``DisclosureMark``).
    public var disclosureMark: DisclosureMark {
        DisclosureMark(endsCommitted: database.disclosureEndCount, today: today)
    }

    /// Whether what `view` shows may have changed since `mark` was taken: only the public view's
    /// can (regulators and auditors see every record, whatever ended).
    public func view(_ view: RecordView, movedSince mark: DisclosureMark) -> Bool {
        view == .public && disclosureMark != mark
    }
}
