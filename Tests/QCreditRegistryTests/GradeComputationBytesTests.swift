import CanonicalJSON
@testable import QCreditDomain
import Testing

/// Publishing writes a grade's explanation and record straight into bytes; they must be the
/// bytes of the values that define them (`computation.json`, `PublicationRecord.grade`), or the
/// log's records would depend on which path published them.
@Suite struct GradeComputationBytesTests {
    /// Names and words that exercise escaping: quotes, backslashes, controls, CJK, astral.
    static let texts = [
        "河南示例质量有限公司", "Acme \"Quoted\" Co.", "back\\slash", "tab\there\nnew", "\u{01}\u{1F}\u{7F}", "𠀋𝄞 emoji 🏭", "",
    ]

    @Test func explanationAndRecordBytesAreTheCanonicalBytesOfTheirValues() throws {
        var random = SystemRandomNumberGenerator()
        for round in 0..<600 {
            let computation = Self.computation(contributions: Int.random(in: 0..<12, using: &random), round: round, using: &random)
            let subject = PublicationSubject(
                uscc: Bool.random(using: &random) ? "91410100MA9XXXXX0X" : nil,
                orgCode: Bool.random(using: &random) ? "MA9XXXXX-0" : nil, name: Self.texts.randomElement(using: &random)!)
            let publishedAt = Instant(secondsSinceEpoch: Int64.random(in: 0..<4_000_000_000, using: &random))

            let bytes = try PublicationRecord.gradeBytes(computation, enterpriseId: 7, subject: subject, publishedAt: publishedAt)
            #expect(bytes.explanation == (try computation.json.canonicalBytes()))
            let record = PublicationRecord.grade(computation, enterpriseId: 7, subject: subject, publishedAt: publishedAt)
            #expect(bytes.record == (try record.canonicalBytes()), "round \(round)")
        }
    }

    /// Past the summary threshold the record may be summarised; the bytes still match.
    @Test func aLongExplanationGivesTheSummarisedRecord() throws {
        var random = SystemRandomNumberGenerator()
        for count in [PublicationRecord.summaryThreshold, 400, 2_000] {
            let computation = Self.computation(contributions: count, round: count, using: &random)
            let subject = PublicationSubject(uscc: nil, orgCode: "MA9XXXXX-0", name: "Co.")
            let at = Instant(secondsSinceEpoch: 1_800_000_000)
            let bytes = try PublicationRecord.gradeBytes(computation, enterpriseId: 1, subject: subject, publishedAt: at)
            let record = PublicationRecord.grade(computation, enterpriseId: 1, subject: subject, publishedAt: at)
            #expect(bytes.record == (try record.canonicalBytes()))
            #expect(bytes.explanation == (try computation.json.canonicalBytes()))
        }
    }

    @Test func anIdWithoutACanonicalFormIsRefusedAsTheRecordIs() {
        var random = SystemRandomNumberGenerator()
        var computation = Self.computation(contributions: 1, round: 0, using: &random)
        computation.contributions[0].eventId = 1 << 60
        let subject = PublicationSubject(uscc: nil, orgCode: nil, name: "Co.")
        #expect(throws: RegistryError.self) {
            try PublicationRecord.gradeBytes(computation, enterpriseId: 1, subject: subject, publishedAt: Instant(secondsSinceEpoch: 0))
        }
        #expect(throws: RegistryError.self) {
            try PublicationRecord.grade(computation, enterpriseId: 1, subject: subject, publishedAt: Instant(secondsSinceEpoch: 0))
                .canonicalBytes()
        }
    }

    static func computation(contributions count: Int, round: Int, using random: inout SystemRandomNumberGenerator)
        -> GradeComputation
    {
        let day = CivilDate(iso: "2026-03-02")!
        let contributions = (0..<count).map { n in
            Contribution(
                eventId: Int64.random(in: 1...9_007_199_254_740_991, using: &random), kind: EventKind.allCases.randomElement(using: &random)!,
                severity: Severity.allCases.randomElement(using: &random)!, dimension: Dimension.allCases.randomElement(using: &random)!,
                occurredOn: day.adding(days: -Int.random(in: 0..<3_000, using: &random)), points: Int.random(in: -50...50, using: &random),
                remainingDays: Int.random(in: 0...1_000, using: &random), windowDays: Int.random(in: 1...1_000, using: &random),
                value: Int.random(in: -50...50, using: &random))
        }
        let caps = (0..<Int.random(in: 0..<3, using: &random)).map { n in
            AppliedEventCap(eventId: Int64(n + round), kind: .complaint, maximumGrade: ["A", "B", "C", "D"].randomElement(using: &random)!)
        }
        return GradeComputation(
            policyVersion: Bool.random(using: &random) ? "2026.1" : texts.randomElement(using: &random)!, asOf: day,
            baseScore: Int.random(in: 0...100, using: &random), contributions: contributions,
            score: Int.random(in: -1_000...1_000, using: &random), scoreGrade: texts.randomElement(using: &random)!,
            caps: caps, grade: ["A", "B", "C", "D"].randomElement(using: &random)!)
    }
}
