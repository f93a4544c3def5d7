import CanonicalJSON
import Foundation
import Glibc
import Testing

/// The registry's day follows the wall clock, moved from outside as a test (or an operator
/// rehearsing a date) does it: libfaketime with an offset read from a file. The daemon must keep
/// its arguments and keep ticking, so that a grade whose event window closes changes by itself.
@Suite struct MovedClockTests {
    static let library = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1"

    @Test(arguments: [true, false])
    func aGradeFollowsTheMovedClockWithNoCall(monotonicKept: Bool) async throws {
        guard try Self.libraryIsInstalled() else { return }
        let clock = try ClockOffset(seconds: 0)
        defer { clock.remove() }
        let daemon = try await DaemonProcess(
            config: "maintenanceIntervalSeconds = 1\n" + DaemonProcess.logConfig, launcher: clock.launcher(keepingMonotonic: monotonicKept))
        // Started on its own paths (its arguments reached it under the preloaded library).
        #expect(FileManager.default.fileExists(atPath: daemon.stateDirectory + "/registry.sqlite"))

        // A national award (+10, three years, no decay) lifts the base 80 (A) to 90 (AA) until
        // its window closes the day after tomorrow.
        let code = DurabilityTests.uscc(0)
        _ = try await daemon.call("org.qcredit.admin.RegisterEnterprise", ["code": .string(code), "name": "Award Co."])
        // The registry's today: the Beijing date (the clock is not moved yet).
        let occurred = try #require(Self.beijingDate(addingYears: -3, days: 2))
        _ = try await daemon.call(
            "org.qcredit.admin.RecordEvent",
            [
                "code": .string(code), "dimension": "product", "kind": "award", "severity": "high",
                "occurredOn": .string(occurred), "authority": "SAMR", "documentNumber": "国市监〔2023〕1号", "summary": "national award",
            ])
        _ = try await daemon.call("org.qcredit.admin.PublishGrades", ["codes": [.string(code)]])
        #expect(try await daemon.call("org.qcredit.query.GetGrade", ["code": .string(code)])["grade"]?["grade"] == "AA")

        // Three days later, with no call, the grade is A.
        try clock.set(259200)
        let deadline = ContinuousClock.now + .seconds(90)
        var grade: JSONValue?
        while ContinuousClock.now < deadline {
            grade = try await daemon.call("org.qcredit.query.GetGrade", ["code": .string(code)])["grade"]?["grade"]
            if grade == "A" { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(grade == "A", "\(daemon.log)")

        // Set back behind what the regrade wrote (with the monotonic clock kept, as an NTP step
        // leaves it): GetStatus says so until the clock passes that write again.
        if monotonicKept {
            try clock.set(0)
            let onClock = { (problems: [JSONValue]) in problems.filter { $0["work"]?.stringValue == "clock" } }
            let behind = onClock(try await BackgroundProblemTests.problems(of: daemon) { !onClock($0).isEmpty })
            #expect(behind.first?["reason"]?.stringValue?.contains("behind the newest write recorded") == true, "\(behind)")
            #expect(daemon.log.contains("the clock is behind the newest write"), "\(daemon.log)")
            try clock.set(259300)
            #expect(onClock(try await BackgroundProblemTests.problems(of: daemon) { onClock($0).isEmpty }).isEmpty)
        }
        await daemon.stop()
    }

    /// A client run under the moved clock too (a test may preload the library for every
    /// process) keeps its promises: `qcredit watch` whose daemon stays away gives up after
    /// `--retry-for` and exits 3. (It waited on `Task.sleep`, which never woke under libfaketime.)
    @Test func aWatchUnderTheMovedClockGivesUpAfterItsRetryTime() async throws {
        guard try Self.libraryIsInstalled() else { return }
        // A socket file nobody listens on: every connection is refused.
        let socket = "/tmp/qcredit-refusing-\(UUID().uuidString.prefix(8)).sock"  // short: a socket address holds 107 bytes
        let descriptor = Glibc.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor); unlink(socket) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { path in
            for (offset, byte) in socket.utf8.enumerated() { path[offset] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        #expect(bound == 0)
        let result = try await runCommand(
            "/usr/bin/timeout",
            ["30", DaemonProcess.product("qcredit"), "watch", "loans", "--socket", socket, "--since", "3", "--retry-for", "2"],
            environment: ["LD_PRELOAD": Self.library, "FAKETIME": "+1d"])
        #expect(result.status == 3, "\(result.stderr)")
        #expect(result.stderr.contains("resume with: qcredit watch loans --since 3"), "\(result.stderr)")
    }

    /// Days moved forward one after another, with the README's recipe as it is (the monotonic
    /// clock kept, the default maintenance interval of five minutes): a write after each move
    /// is regraded within seconds, as after any write. (With the monotonic clock moved too, the
    /// daemon's timers were seen to fire late, the write then waiting up to the next tick.)
    @Test func aWriteAfterTheClockMovedIsRegradedWithinSeconds() async throws {
        guard try Self.libraryIsInstalled() else { return }
        let clock = try ClockOffset(seconds: 0)
        defer { clock.remove() }
        let daemon = try await DaemonProcess(
            config: DaemonProcess.logConfig,
            launcher: clock.launcher())
        let code = DurabilityTests.uscc(0)
        _ = try await daemon.call("org.qcredit.admin.RegisterEnterprise", ["code": .string(code), "name": "Moved Clock Co."])
        let occurred = try #require(Self.beijingDate(addingYears: 0, days: -5))
        func record(_ kind: String, _ severity: String, _ n: Int) async throws {
            _ = try await daemon.call(
                "org.qcredit.admin.RecordEvent",
                [
                    "code": .string(code), "dimension": "product", "kind": .string(kind), "severity": .string(severity),
                    "occurredOn": .string(occurred), "authority": "SAMR", "documentNumber": .string("国市监〔2026〕\(n)号"),
                    "summary": "moved clock",
                ])
        }
        func gradeChanges(from old: JSONValue?) async throws -> JSONValue? {
            let deadline = ContinuousClock.now + .seconds(20)
            var grade: JSONValue?
            while ContinuousClock.now < deadline {
                grade = try await daemon.call("org.qcredit.query.GetGrade", ["code": .string(code)])["grade"]?["grade"]
                if let grade, grade != .null, grade != old { return grade }
                try await Task.sleep(for: .milliseconds(200))
            }
            return grade
        }
        // 80 − 30 = 50: D. Then, a day apart each: +10 (C), +10 (B), −5 (C); the days alone
        // move no letter (the penalty fades by a thousandth a day).
        try await record("penalty", "high", 0)
        var grade = try await gradeChanges(from: nil)
        #expect(grade == "D")
        let rounds = [("award", "high"), ("award", "high"), ("penalty", "low")]
        for (round, (kind, severity)) in zip(1..., rounds) {
            try await Task.sleep(for: .seconds(1))
            try clock.set(86_400 * round)
            try await Task.sleep(for: .seconds(2))
            try await record(kind, severity, round)
            let next = try await gradeChanges(from: grade)
            #expect(next != grade, "round \(round): still \(String(describing: grade)) 20 s after the write\n\(daemon.log)")
            grade = next
        }
        await daemon.stop()
    }

    /// A listing's planned end is the first day it is no longer in force: the daemon expires it
    /// as that day begins, not at its next maintenance tick (an hour here) nor at `regradeTime`
    /// (noon here). The daemon starts at 22:00 Beijing time (its next tick an hour away); then the
    /// clock steps to a few seconds before midnight, as a rehearsal or an NTP step moves it: the
    /// midnight was missed until the tick the daemon was sleeping towards (audit).
    @Test func aListingExpiresAsItsPlannedEndBeginsNotAtTheNextTick() async throws {
        guard try Self.libraryIsInstalled() else { return }
        let now = Date()
        var untilMidnight = 86_400 - (Int(now.timeIntervalSince1970) + 8 * 3600) % 86_400
        if untilMidnight < 90 { untilMidnight += 86_400 }
        let lead = 10
        let clock = try ClockOffset(seconds: untilMidnight - 7200)
        defer { clock.remove() }
        let daemon = try await DaemonProcess(
            config: "maintenanceIntervalSeconds = 3600\nregradeTime = \"12:00\"\n" + DaemonProcess.logConfig,
            launcher: clock.launcher())
        // The moved today is D; published on D + 1 day − 3 years, the listing ends on D + 1.
        let tomorrow = now.addingTimeInterval(TimeInterval(untilMidnight + 1))
        let published = try #require(Self.beijingDate(of: tomorrow, addingYears: -3))
        let code = DurabilityTests.uscc(0)
        _ = try await daemon.call("org.qcredit.admin.RegisterEnterprise", ["code": .string(code), "name": "Expiring Co."])
        let proposed = try await daemon.call(
            "org.qcredit.admin.ProposeListing",
            [
                "code": .string(code), "listType": "serious-dishonesty", "reason": "fraud", "legalBasis": "Art. 9",
                "authority": "SAMR", "documentNumber": "国市监〔2023〕9号", "decisionDate": .string(published),
            ])
        let listingId = try #require(proposed["listing"]?["id"]?.intValue)
        let confirmed = try await daemon.call(
            "org.qcredit.admin.ConfirmListing", ["listingId": .int(listingId), "publicationDate": .string(published)])
        #expect(confirmed["listing"]?["plannedEndDate"]?.stringValue == Self.beijingDate(of: tomorrow, addingYears: 0))
        func listed() async throws -> JSONValue? {
            try await daemon.call("org.qcredit.query.CheckBlacklist", ["code": .string(code)])["listed"]
        }
        #expect(try await listed() == true)
        try clock.set(untilMidnight - lead - Int(Date().timeIntervalSince(now)))
        let deadline = ContinuousClock.now + .seconds(lead + 20)
        while ContinuousClock.now < deadline, try await listed() == true {
            try await Task.sleep(for: .milliseconds(250))
        }
        #expect(try await listed() == false, "\(daemon.log)")
        let file = try await daemon.call("org.qcredit.query.GetFile", ["code": .string(code)])
        #expect(file["file"]?["listings"]?.arrayValue?.first?["removalReason"]?.stringValue == "expired", "\(file)")
        await daemon.stop()
    }

    /// `qcredit status` tells of a clock set back behind the newest write as soon as it is asked,
    /// and stops when the clock is past it again: not at the next maintenance tick (an hour here).
    @Test func theStatusFollowsAClockSetBackWithoutWaitingForATick() async throws {
        guard try Self.libraryIsInstalled() else { return }
        let clock = try ClockOffset(seconds: 0)
        defer { clock.remove() }
        let daemon = try await DaemonProcess(
            config: "maintenanceIntervalSeconds = 3600\n" + DaemonProcess.logConfig,
            launcher: clock.launcher())
        _ = try await daemon.call("org.qcredit.admin.RegisterEnterprise", ["code": .string(DurabilityTests.uscc(0)), "name": "Clock Co."])
        func clockProblems() async throws -> [JSONValue] {
            let problems = try await daemon.call("org.qcredit.operator.GetStatus")["problems"]?.arrayValue ?? []
            return problems.filter { $0["work"]?.stringValue == "clock" }
        }
        #expect(try await clockProblems().isEmpty)
        try clock.set(-3600)
        let behind = try await clockProblems()
        #expect(behind.first?["reason"]?.stringValue?.contains("behind the newest write recorded") == true, "\(behind)")
        try clock.set(60)
        #expect(try await clockProblems().isEmpty)
        #expect(daemon.log.contains("the clock is behind the newest write"), "\(daemon.log)")
        await daemon.stop()
    }

    /// The offset libfaketime reads from a file on every clock read: the test moves the daemon's
    /// clock by writing it.
    struct ClockOffset {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("qcredit-faketime-\(UUID().uuidString.prefix(8))").path

        init(seconds: Int) throws { try set(seconds) }

        func set(_ seconds: Int) throws {
            try "\(seconds < 0 ? "" : "+")\(seconds)\n".write(toFile: path, atomically: true, encoding: .utf8)
        }

        func remove() { try? FileManager.default.removeItem(atPath: path) }

        /// The daemon's launcher: the README's recipe, the monotonic clock kept unless told.
        func launcher(keepingMonotonic: Bool = true) -> [String] {
            ["/usr/bin/env", "LD_PRELOAD=\(MovedClockTests.library)", "FAKETIME_TIMESTAMP_FILE=\(path)", "FAKETIME_NO_CACHE=1"]
                + (keepingMonotonic ? ["DONT_FAKE_MONOTONIC=1"] : [])
        }
    }

    /// Fails under Scripts/test (which installs libfaketime); shows as skipped elsewhere.
    static func libraryIsInstalled() throws -> Bool {
        guard FileManager.default.fileExists(atPath: library) else {
            if Interop.required {
                Issue.record("\(library) is missing: Scripts/install-dependencies installs libfaketime")
                return false
            }
            try Test.cancel("skipped: \(library) is not installed (Scripts/install-dependencies installs it)")
        }
        return true
    }

    /// Today's date in Beijing moved by whole years, then days, as YYYY-MM-DD.
    static func beijingDate(addingYears years: Int, days: Int) -> String? {
        beijingDate(of: Date(), addingYears: years, days: days)
    }

    /// The Beijing date of `date` moved by whole years, then days, as YYYY-MM-DD.
    static func beijingDate(of date: Date, addingYears years: Int, days: Int = 0) -> String? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 8 * 3600)!
        guard let moved = calendar.date(byAdding: .year, value: years, to: date),
            let result = calendar.date(byAdding: .day, value: days, to: moved)
        else { return nil }
        let c = calendar.dateComponents([.year, .month, .day], from: result)
        return String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!)
    }
}
