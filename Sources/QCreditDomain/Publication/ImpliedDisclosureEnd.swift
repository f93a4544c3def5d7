import CanonicalJSON

/// An end of public disclosure that a published record brings by itself, read from the record's
/// bytes: what a restore re-records for the records it replays from exports, whose deciding
/// transactions (which wrote these ends at the time) are not replayed.
///
/// A removal ends its listing's records (at once for repair and revocation, after the policy's
/// period for expiry and cure); a grade or override ends the one of its kind it replaced, after the
/// policy's period; a computed grade ends with the first event it cites; an override after its last
/// day. What no record tells (an event corrected or withdrawn) is not implied.
///
/// ```swift
/// for end in ImpliedDisclosureEnd.implied(by: record, rules: rules, utcOffset: .beijing) { … }
/// ```
public struct ImpliedDisclosureEnd: Sendable, Hashable {
    /// Which record's disclosure ends.
    public enum Target: Sendable, Hashable {
        /// The record that implies it.
        case itself
        /// The `listed` record of listing `id`.
        case listing(id: Int64)
        /// The enterprise's newest earlier record of this kind: the one it replaced.
        case replaced(PublicationRecord.Kind)
    }

    public var target: Target
    public var endsOn: CivilDate
    public var reason: DisclosureEndReason

    public init(target: Target, endsOn: CivilDate, reason: DisclosureEndReason) {
        self.target = target
        self.endsOn = endsOn
        self.reason = reason
    }

    /// The ends `record` (a publication record's JSON) implies under `rules`, the disclosure rules
    /// of the policy in force when it was published; dates are taken in `utcOffset`.
    public static func implied(by record: JSONValue, rules: DisclosureRules, utcOffset: UTCOffset) -> [ImpliedDisclosureEnd] {
        let publishedOn = record["publishedAt"]?.stringValue.flatMap(Instant.init(rfc3339:))?.civilDate(in: utcOffset)
        switch record["type"]?.stringValue.flatMap(PublicationRecord.Kind.init(rawValue:)) {
        case .removal:
            guard let listingId = record["listing"]?["id"]?.intValue,
                let reason = record["removal"]?["reason"]?.stringValue.flatMap(RemovalReason.init(rawValue:)),
                let removedOn = record["removal"]?["date"]?.stringValue.flatMap(CivilDate.init(iso:))
            else { return [] }
            let endsOn = rules.listingDisclosureEnds(removedOn: removedOn, reason: reason)
            return [.listing(id: listingId), .itself].map {
                ImpliedDisclosureEnd(target: $0, endsOn: endsOn, reason: DisclosureEndReason(removal: reason))
            }
        case .grade:
            var ends: [ImpliedDisclosureEnd] = []
            if let publishedOn {
                ends.append(.init(target: .replaced(.grade), endsOn: publishedOn.adding(rules.gradesAfterReplaced), reason: .superseded))
            }
            // A summarised explanation names no dates: its events' ends are not known from the record.
            let cited = (record["grade"]?["contributions"]?.arrayValue ?? []).compactMap {
                $0["occurredOn"]?.stringValue.flatMap(CivilDate.init(iso:))
            }
            if let first = cited.map(rules.eventDisclosureEnds(occurredOn:)).min() {
                ends.append(.init(target: .itself, endsOn: first, reason: .eventDisclosureEnds))
            }
            return ends
        case .override:
            var ends: [ImpliedDisclosureEnd] = []
            if let publishedOn {
                ends.append(
                    .init(target: .replaced(.override), endsOn: publishedOn.adding(rules.gradesAfterReplaced), reason: .superseded))
            }
            if let until = record["override"]?["until"]?.stringValue.flatMap(CivilDate.init(iso:)) {
                ends.append(
                    .init(target: .itself, endsOn: until.adding(days: 1).adding(rules.gradesAfterReplaced), reason: .overrideEnds))
            }
            return ends
        case .listing, .policy, nil:
            return []
        }
    }
}

extension DisclosureRules {
    /// The disclosure rules a policy record (or a policy's JSON) states, or nil when it states none.
    public init?(policyJSON json: JSONValue) {
        let disclosure = json["policy"]?["disclosure"] ?? json["disclosure"]
        guard let grades = disclosure?["gradesAfterReplaced"]?.stringValue.flatMap(CalendarPeriod.init(iso8601:)),
            let listings = disclosure?["listingsAfterRemoval"]?.stringValue.flatMap(CalendarPeriod.init(iso8601:)),
            let events = disclosure?["events"]?.stringValue.flatMap(CalendarPeriod.init(iso8601:))
        else { return nil }
        self.init(gradesAfterReplaced: grades, listingsAfterRemoval: listings, events: events)
    }
}
