import CanonicalJSON
import QCreditDomain
import Testing
import Varlink

/// What a `GetGrade` reply says about how the grade came about, and which moments
/// `GetGradeAt` answers.
@Suite struct GradeReplyTests {
    static let code = "911522010783762860"
    static let admin = "org.qcredit.admin."
    static let query = "org.qcredit.query."

    static func event(kind: String, severity: String) -> JSONValue {
        [
            "code": .string(code), "dimension": "product", "kind": .string(kind), "severity": .string(severity),
            "occurredOn": "2026-03-01", "authority": "Henan AMR", "documentNumber": .string("豫市监\(kind)\(severity)"),
            "summary": "Recorded for the cap test",
        ]
    }

    /// Awards lift the score to AA, but a recent high-severity recall caps a computed grade at
    /// A (policy [caps]): the reply names the score's letter and the event cap that bound it.
    @Test func aBindingEventCapIsInTheReply() async throws {
        let fixture = try await ServiceFixture(today: "2026-03-02")
        _ = try await fixture.call(Self.admin + "RegisterEnterprise", ["code": .string(Self.code), "name": "Capped Co."])
        let events = [("award", "high"), ("award", "high"), ("award", "medium"), ("recall", "high")].map(Self.event)
        let ids = try await fixture.call(Self.admin + "RecordEvents", ["events": .array(events)])["eventIds"]?.arrayValue
        _ = try await fixture.call(Self.admin + "PublishGrades", ["codes": [.string(Self.code)]])
        let grade = try #require(try await fixture.call(Self.query + "GetGrade", ["code": .string(Self.code)], as: ServiceFixture.bank)["grade"])
        #expect(grade["scoreGrade"] == "AA", "\(grade)")
        #expect(grade["grade"] == "A")
        #expect(grade["eventCaps"] == [["eventId": try #require(ids?.last), "kind": "recall", "maximumGrade": "A"]])
        #expect(grade["caps"] == [])
    }

    /// The past has an answer; today means now; a moment still to come is refused.
    @Test func getGradeAtAnswersThePastAndTodayAndRefusesTheFuture() async throws {
        let fixture = try await ServiceFixture(today: "2026-03-02")
        _ = try await fixture.call(Self.admin + "RegisterEnterprise", ["code": .string(Self.code), "name": "Timely Co."])
        _ = try await fixture.call(Self.admin + "PublishGrades", ["codes": [.string(Self.code)]])
        let today = try await fixture.call(Self.query + "GetGradeAt", ["code": .string(Self.code), "at": "2026-03-02"], as: ServiceFixture.bank)
        #expect(today["grade"]?["grade"] == "A")
        for future in ["2026-03-03", "2099-01-01", "2026-03-02T23:59:59+08:00"] {
            let replies = try await fixture.replies(
                Self.query + "GetGradeAt", ["code": .string(Self.code), "at": .string(future)], as: ServiceFixture.bank)
            #expect(replies.first?.error == "org.qcredit.query.InvalidArgument", "\(future)")
            #expect(replies.first?.parameters["parameter"] == "at")
        }
    }

    /// Times are recorded to the second (interface, README *Past moments*): a moment inside a
    /// second is that whole second, so two overrides recorded in one second are answered as the
    /// later one, whichever fraction is asked, and `at` names the second answered.
    @Test func aMomentInsideASecondIsThatWholeSecond() async throws {
        let fixture = try await ServiceFixture(today: "2026-03-02")
        _ = try await fixture.call(Self.admin + "RegisterEnterprise", ["code": .string(Self.code), "name": "Second Co."])
        for (grade, document) in [("B", "内〔2026〕1号"), ("AAA", "内〔2026〕2号")] {
            _ = try await fixture.call(
                Self.admin + "OverrideGrade",
                ["code": .string(Self.code), "grade": .string(grade), "reason": "on site", "documentNumber": .string(document)])
        }
        let second = fixture.clock.now().rfc3339
        let fraction = second.replacingOccurrences(of: "Z", with: ".001Z")
        let answered = try await fixture.call(Self.query + "GetGradeAt", ["code": .string(Self.code), "at": .string(fraction)], as: ServiceFixture.bank)
        #expect(answered["grade"]?["grade"] == "AAA", "\(answered)")
        #expect(answered["grade"]?["at"]?.stringValue == second, "\(answered)")
    }
}
