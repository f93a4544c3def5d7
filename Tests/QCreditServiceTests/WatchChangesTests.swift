import CanonicalJSON
import Foundation
import QCreditDomain
import QCreditService
import Testing
import Varlink

/// `WatchChanges` as a bank's client sees it: a stream that stays open and delivers each change
/// as it is committed.
@Suite struct WatchChangesTests {
    let query = "org.qcredit.query."
    let admin = "org.qcredit.admin."
    let watched = "911522010783762860"
    let unwatched = "91152201078377449P"

    func list(_ code: String, on fixture: ServiceFixture) async throws {
        let proposal = try await fixture.call(
            admin + "ProposeListing",
            [
                "code": .string(code), "listType": "serious-dishonesty", "reason": "counterfeit goods", "legalBasis": "Order 44",
                "authority": "Zhengzhou AMR", "documentNumber": "郑列1", "decisionDate": "2026-02-15",
            ])
        _ = try await fixture.call(admin + "ConfirmListing", ["listingId": proposal["listing"]!["id"]!])
    }

    @Test func aConfirmedListingOnA10000CodeListArrivesOnceOnTheOpenStream() async throws {
        let fixture = try await ServiceFixture()
        for code in [watched, unwatched] {
            _ = try await fixture.call(admin + "RegisterEnterprise", ["code": .string(code), "name": "示例质量有限公司"])
        }
        let book = [watched] + (1..<10_000).map { USCC.madeUp(serial: $0) }
        let set = try await fixture.call(
            query + "SetWatchList", ["name": "loans", "codes": .array(book.map(JSONValue.string))], as: ServiceFixture.bank)
        #expect(set["size"] == 10_000)

        let (stream, task) = fixture.follow(["watchList": "loans"])
        defer { task.cancel() }
        var replies = stream.makeAsyncIterator()
        let ready = try #require(await replies.next())
        #expect(ready.parameters["change"] == nil)
        let start = try #require(ready.parameters["cursor"]?.intValue)

        try await list(unwatched, on: fixture)
        try await list(watched, on: fixture)
        // A later change to the same file, so "exactly one" is checked by what comes next.
        _ = try await fixture.call(admin + "PublishGrades", ["codes": [.string(watched)]])
        let first = try #require(await replies.next())
        #expect(first.parameters["change"]?["kind"] == "listed")
        #expect(first.parameters["change"]?["code"] == .string(watched))
        #expect(first.parameters["change"]?["new"] == "serious-dishonesty")
        let cursor = try #require(first.parameters["cursor"]?.intValue)
        #expect(cursor > start)
        let second = try #require(await replies.next())
        #expect(second.parameters["change"]?["kind"] == "grade")
        task.cancel()

        // Resuming from the acknowledged cursor gives the grade only; from before it, both.
        let (resumed, resumedTask) = fixture.follow(["watchList": "loans", "since": .int(cursor)])
        defer { resumedTask.cancel() }
        var again = resumed.makeAsyncIterator()
        #expect(try #require(await again.next()).parameters["change"]?["kind"] == "grade")
        #expect(try #require(await again.next()).parameters["change"] == nil)
        resumedTask.cancel()
        let (replayed, replayedTask) = fixture.follow(["watchList": "loans", "since": .int(cursor - 1)])
        defer { replayedTask.cancel() }
        var replay = replayed.makeAsyncIterator()
        #expect(try #require(await replay.next()).parameters["change"]?["kind"] == "listed")
        #expect(try #require(await replay.next()).parameters["change"]?["kind"] == "grade")
    }

    /// The interface promises about 45,000 codes per call within a bank's 1 MiB message.
    @Test func fortyFiveThousandCodesFitInABanksMessage() {
        let codes = (0..<45_000).map { JSONValue.string(USCC.madeUp(serial: 50_000_000 + $0)) }
        let call: JSONValue = ["method": "org.qcredit.query.AddToWatchList", "parameters": ["name": "loans", "codes": .array(codes)]]
        #expect(call.encoded().count + 1 < 1 << 20)
    }

    /// A cursor the feed never handed out is refused, not followed: from past the log's end the
    /// feed would skip what is published before the log reaches it.
    @Test func aCursorPastTheLogsEndOrBeforeItsStartIsRefused() async throws {
        let fixture = try await ServiceFixture()
        let end = try await fixture.logSize() - 1
        for since in [end + 1, 1 << 53, Int64.max, -2] {
            let (stream, task) = fixture.follow(["codes": [.string(watched)], "since": .int(since)], as: ServiceFixture.bank)
            defer { task.cancel() }
            var replies = stream.makeAsyncIterator()
            let first = await replies.next()
            #expect(first?.error == "org.qcredit.query.InvalidArgument", "since \(since): \(String(describing: first))")
            #expect(first?.parameters["parameter"] == "since")
        }
        let (stream, task) = fixture.follow(["codes": [.string(watched)], "since": .int(end)], as: ServiceFixture.bank)
        defer { task.cancel() }
        var replies = stream.makeAsyncIterator()
        #expect(await replies.next()?.parameters["cursor"] == .int(end), "the last index itself is a valid cursor")
    }

    /// GetWatchList streams 1,000 codes a reply, the last reply without `continues`: a list of
    /// exactly 1,000 is one reply, 1,001 two, an empty list one empty reply.
    @Test(arguments: [(0, [0]), (1000, [1000]), (1001, [1000, 1])])
    func aWatchListIsReadInRepliesOfAThousandCodes(size: Int, replies: [Int]) async throws {
        let fixture = try await ServiceFixture()
        let codes = (0..<size).map { JSONValue.string(USCC.madeUp(serial: 40_000_000 + $0)) }
        _ = try await fixture.call(query + "SetWatchList", ["name": "book", "codes": .array(codes)], as: ServiceFixture.bank)
        let read = try await fixture.replies(query + "GetWatchList", ["name": "book"], as: ServiceFixture.bank, more: true)
        #expect(read.map { $0.parameters["codes"]?.arrayValue?.count ?? -1 } == replies)
        #expect(read.map(\.continues) == replies.indices.map { $0 < replies.count - 1 })
        #expect(read.flatMap { $0.parameters["codes"]?.arrayValue ?? [] }.count == size)
    }

    @Test func anotherBankCannotFollowOrReadTheList() async throws {
        let fixture = try await ServiceFixture()
        _ = try await fixture.call(query + "SetWatchList", ["name": "loans", "codes": [.string(watched)]], as: ServiceFixture.bank)
        let otherBank = VarlinkPeerCredentials(pid: 500, uid: 5, gid: 5)
        let (stream, task) = fixture.follow(["watchList": "loans"], as: ServiceFixture.auditor)
        defer { task.cancel() }
        var replies = stream.makeAsyncIterator()
        #expect(await replies.next()?.error == "org.qcredit.query.WatchListNotFound")
        let read = try await fixture.replies(query + "GetWatchList", ["name": "loans"], as: ServiceFixture.auditor, more: true)
        #expect(read.first?.error == "org.qcredit.query.WatchListNotFound")
        // A peer with no role is refused before anything else.
        let stranger = try await fixture.replies(query + "ListWatchLists", [:], as: otherBank)
        #expect(stranger.first?.error == "org.qcredit.query.PermissionDenied")
        let own = try await fixture.call(query + "ListWatchLists", [:], as: ServiceFixture.bank)
        #expect(own["lists"] == [["name": "loans", "size": 1]])
    }
}
