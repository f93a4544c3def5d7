/// Why a publication record stops being disclosed to the public.
public enum DisclosureEndReason: String, Sendable, Hashable, CaseIterable {
    /// A newer grade (or override) replaced it; disclosed for the policy's period after.
    case superseded
    /// An override's last day passed; disclosed for the policy's period after.
    case overrideEnds = "override-ends"
    /// The listing's term ended; its records are disclosed for the policy's period after.
    case expired
    /// An abnormal-operations listing was cured; as for expiry.
    case cured
    /// Credit repair was approved: the listing's records are no longer disclosed, at once.
    case repaired
    /// The listing was revoked (overturned): its records are no longer disclosed, at once.
    case revoked
    /// A computed grade cites an event whose own disclosure period ends that day: the grade's
    /// record, which names the event, is no longer disclosed from then on either.
    case eventDisclosureEnds = "event-disclosure-ends"
    /// An event the grade cites was retracted or corrected: no longer disclosed, at once.
    case eventWithdrawn = "event-withdrawn"
}

extension DisclosureEndReason {
    /// The end of disclosure a listing's removal brings.
    public init(removal reason: RemovalReason) {
        switch reason {
        case .expired: self = .expired
        case .cured: self = .cured
        case .repaired: self = .repaired
        case .revoked: self = .revoked
        }
    }
}
