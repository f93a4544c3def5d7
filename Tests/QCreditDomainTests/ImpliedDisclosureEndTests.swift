import CanonicalJSON
import QCreditDomain
import Testing

/// What a restore re-records for a replayed record: the ends of disclosure the record itself
/// states, under the rules of the policy in force (here one, three and five years).
@Suite struct ImpliedDisclosureEndTests {
    static let policy: JSONValue = [
        "type": "policy",
        "policy": ["disclosure": ["gradesAfterReplaced": "P1Y", "listingsAfterRemoval": "P3Y", "events": "P5Y"]],
    ]
    static let rules = DisclosureRules(policyJSON: policy)!

    static func ends(_ record: JSONValue) -> Set<ImpliedDisclosureEnd> {
        Set(ImpliedDisclosureEnd.implied(by: record, rules: rules, utcOffset: .beijing))
    }

    static func date(_ text: String) -> CivilDate { CivilDate(iso: text)! }

    @Test func thePolicyRecordGivesTheRules() {
        #expect(Self.rules == DisclosureRules(
            gradesAfterReplaced: CalendarPeriod(years: 1), listingsAfterRemoval: CalendarPeriod(years: 3), events: CalendarPeriod(years: 5)))
        #expect(DisclosureRules(policyJSON: ["type": "policy", "policy": [:]]) == nil)
    }

    @Test func aRepairOrRevocationEndsTheListingsRecordsForEveryDay() {
        for reason in ["repaired", "revoked"] {
            let removal: JSONValue = [
                "type": "removal", "publishedAt": "2026-12-01T02:00:00Z", "listing": ["id": 7],
                "removal": ["date": "2026-12-01", "reason": .string(reason)],
            ]
            #expect(Self.ends(removal) == [
                ImpliedDisclosureEnd(target: .listing(id: 7), endsOn: .earliest, reason: DisclosureEndReason(rawValue: reason)!),
                ImpliedDisclosureEnd(target: .itself, endsOn: .earliest, reason: DisclosureEndReason(rawValue: reason)!),
            ])
        }
    }

    @Test func anExpiryEndsTheListingsRecordsAfterThePolicysPeriod() {
        let removal: JSONValue = [
            "type": "removal", "listing": ["id": 3], "removal": ["date": "2026-03-31", "reason": "expired"],
        ]
        #expect(Self.ends(removal) == [
            ImpliedDisclosureEnd(target: .listing(id: 3), endsOn: Self.date("2029-03-31"), reason: .expired),
            ImpliedDisclosureEnd(target: .itself, endsOn: Self.date("2029-03-31"), reason: .expired),
        ])
    }

    @Test func aGradeEndsTheOneItReplacedAndItselfWithItsFirstEvent() {
        // Published at 20:00 UTC: already the next day in the registry's time zone.
        let grade: JSONValue = [
            "type": "grade", "publishedAt": "2026-12-01T20:00:00Z",
            "grade": ["contributions": [["occurredOn": "2024-05-02"], ["occurredOn": "2023-01-10"]]],
        ]
        #expect(Self.ends(grade) == [
            ImpliedDisclosureEnd(target: .replaced(.grade), endsOn: Self.date("2027-12-02"), reason: .superseded),
            ImpliedDisclosureEnd(target: .itself, endsOn: Self.date("2028-01-10"), reason: .eventDisclosureEnds),
        ])
    }

    @Test func anOverrideEndsTheOneItReplacedAndItselfAfterItsLastDay() {
        let override: JSONValue = [
            "type": "override", "publishedAt": "2026-12-01T02:00:00Z", "override": ["grade": "A", "until": "2027-06-30"],
        ]
        #expect(Self.ends(override) == [
            ImpliedDisclosureEnd(target: .replaced(.override), endsOn: Self.date("2027-12-01"), reason: .superseded),
            ImpliedDisclosureEnd(target: .itself, endsOn: Self.date("2028-07-01"), reason: .overrideEnds),
        ])
    }

    @Test func listingsAndPoliciesEndNothing() {
        #expect(Self.ends(["type": "listing", "listing": ["id": 1]]).isEmpty)
        #expect(Self.ends(Self.policy).isEmpty)
    }
}
