import CanonicalJSON
import Foundation
import Testing

/// A grade follows a recorded event within seconds, with no PublishGrades and no maintenance
/// call, though the next maintenance tick is minutes away.
@Suite struct FreshGradeTests {
    /// A daemon whose next tick is minutes away, a file graded A, then a serious penalty
    /// recorded against it: the grade it had, to see it change.
    static func gradedFileWithANewPenalty() async throws -> (daemon: DaemonProcess, code: String, before: JSONValue?) {
        let daemon = try await DaemonProcess(config: "maintenanceIntervalSeconds = 300\n" + DaemonProcess.logConfig)
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
        return (daemon, code, before)
    }

    @Test func anEventChangesTheGradeWithinSecondsWithNoOtherCall() async throws {
        let (daemon, code, before) = try await Self.gradedFileWithANewPenalty()
        let deadline = ContinuousClock.now + .seconds(90)
        var grade: JSONValue? = before
        while ContinuousClock.now < deadline, grade?["grade"] == "A" {
            try await Task.sleep(for: .milliseconds(200))
            grade = try await daemon.call("org.qcredit.query.GetGrade", ["code": .string(code)])["grade"]
        }
        #expect(grade?["grade"] != "A", "\(String(describing: grade))")
        #expect(grade?["logIndex"] != before?["logIndex"])
        await daemon.stop()
    }

    /// Writes that never pause for a quiet second (a regulator's steady stream of calls) still
    /// let the event's regrade run: within ten quiet times, not at the tick minutes away (it
    /// waited for quiet that never came, and GetGrade answered the old grade meanwhile).
    @Test func anEventChangesTheGradeWhileOtherWritesNeverPause() async throws {
        let (daemon, code, before) = try await Self.gradedFileWithANewPenalty()
        // A write every 100 ms for up to 60 s, and the grade read between them.
        var grade: JSONValue? = before
        var serial = 1
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline, grade?["grade"] == "A" {
            _ = try await daemon.call(
                "org.qcredit.admin.RegisterEnterprise", ["code": .string(DurabilityTests.uscc(serial)), "name": .string("Writer Co. \(serial)")])
            serial += 1
            try await Task.sleep(for: .milliseconds(100))
            grade = try await daemon.call("org.qcredit.query.GetGrade", ["code": .string(code)])["grade"]
        }
        #expect(grade?["grade"] != "A", "the grade stayed stale through \(serial) writes: \(String(describing: grade))")
        // The run logs once it is done, a moment after its commit made the grade visible.
        let logged = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < logged, !daemon.log.contains("regrade after writes") { try await Task.sleep(for: .milliseconds(100)) }
        #expect(daemon.log.contains("regrade after writes"), "\(daemon.log)")
        await daemon.stop()
    }

    static func yesterdayInBeijing() -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 8 * 3600)!
        let c = calendar.dateComponents([.year, .month, .day], from: Date().addingTimeInterval(-86_400))
        return String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!)
    }
}
