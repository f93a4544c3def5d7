import CanonicalJSON
import Foundation
import Testing

/// A grade follows a recorded event within seconds, with no PublishGrades and no maintenance
/// call, though the next maintenance tick is minutes away.
@Suite struct FreshGradeTests {
    @Test func anEventChangesTheGradeWithinSecondsWithNoOtherCall() async throws {
        let daemon = try await DaemonProcess(config: "maintenanceIntervalSeconds = 300\n" + DaemonProcess.logConfig)
        defer { daemon.stop() }
        let code = DurabilityTests.uscc(0)
        _ = try await daemon.call("org.qcredit.admin.RegisterEnterprise", ["code": .string(code), "name": "Fresh Co."])
        _ = try await daemon.call("org.qcredit.admin.PublishGrades", ["codes": [.string(code)]])
        let before = try await daemon.call("org.qcredit.query.GetGrade", ["code": .string(code)])["grade"]
        #expect(before?["grade"] == "A")

        _ = try await daemon.call(
            "org.qcredit.admin.RecordEvent",
            [
                "code": .string(code), "dimension": "product", "kind": "penalty", "severity": "high",
                "occurredOn": .string(Self.yesterdayInBeijing()), "authority": "Zhengzhou AMR", "documentNumber": "郑市监罚〔2026〕9号",
                "summary": "counterfeit goods",
            ])
        let deadline = ContinuousClock.now + .seconds(30)
        var grade: JSONValue? = before
        while ContinuousClock.now < deadline, grade?["grade"] == "A" {
            try await Task.sleep(for: .milliseconds(200))
            grade = try await daemon.call("org.qcredit.query.GetGrade", ["code": .string(code)])["grade"]
        }
        #expect(grade?["grade"] != "A", "\(String(describing: grade))")
        #expect(grade?["logIndex"] != before?["logIndex"])
    }

    static func yesterdayInBeijing() -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 8 * 3600)!
        let c = calendar.dateComponents([.year, .month, .day], from: Date().addingTimeInterval(-86_400))
        return String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!)
    }
}
