@testable import QCreditService
import Testing

/// Which messages are answered from their bytes: exactly one spelling of `GetGrade`.
@Suite struct GetGradeFrameTests {
    func code(_ message: String) -> String? {
        Array(message.utf8).withUnsafeBytes { bytes in
            GetGradeFrame.code(in: bytes).map { String(decoding: $0, as: UTF8.self) }
        }
    }

    @Test func theCommonSpellingGivesTheCode() {
        #expect(code(#"{"method":"org.qcredit.query.GetGrade","parameters":{"code":"911522010783762860"}}"#) == "911522010783762860")
        #expect(code(#"{"method":"org.qcredit.query.GetGrade","parameters":{"code":"00251805x"}}"#) == "00251805x")
    }

    @Test(arguments: [
        #"{"method":"org.qcredit.query.GetGrade","parameters":{"code":""}}"#,
        #"{"method":"org.qcredit.query.GetGrade","parameters":{"code":"911522010783762860123"}}"#,
        #"{"method":"org.qcredit.query.GetGrade", "parameters":{"code":"911522010783762860"}}"#,
        #"{"method":"org.qcredit.query.GetGrade","parameters":{"code":"9115220107837628\u0036"}}"#,
        #"{"method":"org.qcredit.query.GetGrade","parameters":{"code":"91152201-0783762860"}}"#,
        #"{"method":"org.qcredit.query.GetGrade","parameters":{"code":"911522010783762860"},"more":true}"#,
        #"{"method":"org.qcredit.query.GetGrade","parameters":{"code":"911522010783762860","x":1}}"#,
        #"{"method":"org.qcredit.query.GetGrades","parameters":{"code":"911522010783762860"}}"#,
        #"{"method":"org.qcredit.query.GetGrade","parameters":{"code":"911522010783762860"}} "#,
        #"{"method":"org.qcredit.query.GetGrade","parameters":{"code":"#,
    ])
    func everyOtherSpellingIsParsed(message: String) {
        #expect(code(message) == nil)
    }
}
