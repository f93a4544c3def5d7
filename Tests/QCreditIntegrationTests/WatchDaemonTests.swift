import CanonicalJSON
import Foundation
import Glibc
import QCreditDomain
import Testing
import Varlink
import VarlinkNIO

/// The change feed against the real daemon: a 10,000-code watch list, a listing confirmed, and
/// `kill -9` between reading a change and resuming.
@Suite struct WatchDaemonTests {
    static func uscc(_ n: Int) -> String { USCC.madeUp(serial: 12_000_000 + n) }

    /// The next reply's parameters, failing the test if the stream ends first.
    static func next(_ replies: inout AsyncThrowingStream<[String: JSONValue], any Error>.Iterator) async throws
        -> [String: JSONValue]
    {
        try #require(try await replies.next())
    }

    func confirmListing(_ code: String, _ daemon: DaemonProcess) async throws {
        let proposal = try await daemon.call(
            "org.qcredit.admin.ProposeListing",
            [
                "code": .string(code), "listType": "serious-dishonesty", "reason": "counterfeit goods", "legalBasis": "Order 44",
                "authority": "Zhengzhou AMR", "documentNumber": "郑列1", "decisionDate": .string(CLIHarness.date(daysAgo: 1)),
            ])
        _ = try await daemon.call("org.qcredit.admin.ConfirmListing", ["listingId": try #require(proposal["listing"]?["id"])])
    }

    @Test func aListingReachesTheOpenStreamOnceAndKillDashNineResumesFromTheCursor() async throws {
        let daemon = try DaemonProcess()
        let watched = Self.uscc(0)
        let unwatched = Self.uscc(99_999)
        for code in [watched, unwatched] {
            _ = try await daemon.call("org.qcredit.admin.RegisterEnterprise", ["code": .string(code), "name": "示例质量有限公司"])
        }
        let book = (0..<10_000).map { JSONValue.string(Self.uscc($0)) }
        #expect(try await daemon.call("org.qcredit.query.SetWatchList", ["name": "loans", "codes": .array(book)])["size"] == 10_000)

        let follower = try await daemon.client()
        var replies = follower.stream("org.qcredit.query.WatchChanges", parameters: ["watchList": "loans"]).makeAsyncIterator()
        #expect(try await Self.next(&replies)["change"] == nil, "the stream says it is live")
        try await confirmListing(unwatched, daemon)
        try await confirmListing(watched, daemon)
        // A later change to the same file: what comes next proves only one change came for the listing.
        _ = try await daemon.call("org.qcredit.admin.PublishGrades", ["codes": [.string(watched)]])
        let listed = try await Self.next(&replies)
        #expect(listed["change"]?["kind"] == "listed")
        #expect(listed["change"]?["code"] == .string(watched))
        let cursor = try #require(listed["cursor"]?.intValue)
        let graded = try await Self.next(&replies)
        #expect(graded["change"]?["kind"] == "grade")

        // The client acknowledged `cursor` (it handled the listing); the daemon dies.
        daemon.kill(SIGKILL)
        await follower.close()
        try daemon.start()
        let resumed = try await daemon.client()
        var after = resumed.stream("org.qcredit.query.WatchChanges", parameters: ["watchList": "loans", "since": .int(cursor)])
            .makeAsyncIterator()
        #expect(try await Self.next(&after)["change"]?["kind"] == "grade", "never the listing again after its cursor")
        #expect(try await Self.next(&after)["change"] == nil)
        await resumed.close()
        // Not acknowledged (resuming from before it): it comes again, once.
        let replaying = try await daemon.client()
        var before = replaying.stream(
            "org.qcredit.query.WatchChanges", parameters: ["watchList": "loans", "since": .int(cursor - 1)]
        ).makeAsyncIterator()
        #expect(try await Self.next(&before)["change"]?["kind"] == "listed")
        #expect(try await Self.next(&before)["change"]?["kind"] == "grade")
        #expect(try await Self.next(&before)["change"] == nil)
        await replaying.close()
    }
}

/// Streams that stop reading cost the daemon one page each, not the whole feed.
@Suite struct WatchBackpressureTests {
    @Test func readersThatNeverReadDoNotGrowTheDaemonsMemory() async throws {
        let daemon = try DaemonProcess()
        let code = USCC.madeUp(serial: 12_500_000)
        _ = try await daemon.call("org.qcredit.admin.RegisterEnterprise", ["code": .string(code), "name": "示例质量有限公司"])
        // 1,500 changes of about 5.5 KB each (an override's reason travels with it): 8 MB per replay.
        let client = try await daemon.client()
        let reason = String(repeating: "复核", count: 900)
        for n in 0..<1500 {
            _ = try await client.call(
                "org.qcredit.admin.OverrideGrade",
                parameters: [
                    "code": .string(code), "grade": n.isMultiple(of: 2) ? "B" : "C", "reason": .string(reason),
                    "documentNumber": .string("复核\(n)"),
                ])
        }
        await client.close()
        let before = try daemon.memory().resident

        // 30 followers replay the whole log and never read a byte: 240 MB if the daemon queued it all.
        let call = #"{"method":"org.qcredit.query.WatchChanges","parameters":{"codes":["\#(code)"],"since":-1},"more":true}"#
        let stalled = try (0..<30).map { _ in try RawSocket(path: daemon.socketPath) }
        for socket in stalled { #expect(socket.send(call)) }
        // Each stream fills its socket and stops; give them all a generous while to get there.
        try await Task.sleep(for: .seconds(5))
        let after = try daemon.memory().resident
        // Each holds one page (128 log entries) and what its socket takes: measured at about 1 MiB a
        // follower; a quarter of what queueing the replays would take leaves room for the allocator.
        let queued = 30 * 1500 * (reason.utf8.count + 300)
        #expect(after - before < queued / 4, "resident memory grew by \((after - before) >> 20) MiB")
        // The daemon still answers.
        #expect(try await daemon.call("org.qcredit.query.GetGrade", ["code": .string(code)])["grade"] != nil)
        withExtendedLifetime(stalled) {}
    }
}
