import QCreditDomain
import QCreditStore

/// Which records a caller sees: regulators and auditors the full history the registry keeps;
/// banks (and the public export) the public view.
///
/// This is the one rule every reply a bank can receive goes through: listings reach a reply only
/// by way of ``RegistryReader/listings(enterpriseId:view:)``, so a listing the public view hides
/// is absent from grades (no cap, no listed list, no log index) at every date asked about, from
/// files, blacklist checks and lists, and from evidence.
///
/// ```swift
/// let grade = try await registry.gradeInForce(code: code, view: .public)
/// ```
public enum RecordView: Sendable {
    case full
    case `public`

    /// Whether the view shows `listing`. The public view shows a listing once it was published,
    /// and never again once repair or revocation ended it: the public must then see the
    /// enterprise as if the listing had never been public, today and at any past date.
    public func shows(_ listing: Listing) -> Bool {
        self == .full || listing.isPublic
    }

    /// Whether the view shows `event`: the public view shows the events in force, not the
    /// versions a correction superseded.
    public func shows(_ event: QualityEvent) -> Bool {
        self == .full || event.isInForce
    }
}

extension RegistryReader {
    /// The enterprise's listings that `view` shows, in id order.
    public func listings(enterpriseId: Int64, view: RecordView) throws -> [Listing] {
        try listings(enterpriseId: enterpriseId).filter(view.shows)
    }
}
