/// How long the public may see a record: the policy's disclosure rules (信息公示期限), kept as
/// data like the rest of the policy.
///
/// A grade, an override and a listing's records are disclosed while in force and for a period
/// after; credit repair and revocation end the disclosure of a listing's records at once
/// (SAMR's 2021 and NDRC's 2023 credit-repair measures); a quality event is shown for a fixed
/// period after it happened. Regulators and auditors see every record, always.
public struct DisclosureRules: Sendable, Hashable {
    /// How long a grade or override record stays disclosed after a newer one replaced it (or,
    /// for an override, after its last day).
    public var gradesAfterReplaced: CalendarPeriod
    /// How long a listing's records stay disclosed after it expired or was cured.
    public var listingsAfterRemoval: CalendarPeriod
    /// How long after it happened a quality event is shown to the public.
    public var events: CalendarPeriod

    public init(gradesAfterReplaced: CalendarPeriod, listingsAfterRemoval: CalendarPeriod, events: CalendarPeriod) {
        self.gradesAfterReplaced = gradesAfterReplaced
        self.listingsAfterRemoval = listingsAfterRemoval
        self.events = events
    }

    /// The first day a listing's records are no longer disclosed, once it was removed on `date`
    /// for `reason`: the period after for expiry and cure. Repair and revocation end it at once
    /// and for every day (``CivilDate/earliest``): the public sees the file as if the listing had
    /// never been public, even asked about a day it was in force, or by a clock set back.
    public func listingDisclosureEnds(removedOn date: CivilDate, reason: RemovalReason) -> CivilDate {
        switch reason {
        case .repaired, .revoked: .earliest
        case .expired, .cured: date.adding(listingsAfterRemoval)
        }
    }

    /// Whether an event that happened on `date` is still shown to the public on `today`.
    public func showsEvent(occurredOn date: CivilDate, today: CivilDate) -> Bool {
        today < eventDisclosureEnds(occurredOn: date)
    }

    /// The first day an event that happened on `date` is no longer shown to the public.
    public func eventDisclosureEnds(occurredOn date: CivilDate) -> CivilDate {
        date.adding(events)
    }

    /// The first day a computed grade's record is no longer disclosed because of the events it
    /// cites: the earliest day one of them stops being shown (nil when it cites none).
    public func gradeDisclosureEnds(citing computation: GradeComputation) -> CivilDate? {
        computation.contributions.map { eventDisclosureEnds(occurredOn: $0.occurredOn) }.min()
    }
}
