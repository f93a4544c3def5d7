import Foundation
import Logging
import QCreditConfig
import QCreditDomain
import QCreditRegistry
import QCreditStore
import Synchronization
import Testing

/// A bank's change feed, read page by page as the daemon's stream reads it.
@Suite struct WatchFeedTests {
    static let bank = Caller(method: "test", peer: AuditContext.Peer(uid: 2000, gid: 2000, pid: 7))
    static let otherBank = Caller(method: "test", peer: AuditContext.Peer(uid: 3000, gid: 3000, pid: 8))
    let code = RegistryFixture.usccA

    /// 10,000 watched codes: `code`, and 9,999 made-up ones no file holds.
    func loanBook() -> [String] {
        [code] + (1..<10_000).map { USCC.madeUp(serial: $0) }
    }

    /// The changes after `cursor`, read in small pages; `shown`: the listings the follower was shown before.
    func changes(
        _ registry: Registry, after cursor: Int64, list: String = "loans", view: RecordView = .public, shown: Set<Int64> = []
    ) async throws -> [WatchChange] {
        var all: [WatchChange] = []
        var cursor = cursor
        var shown = shown
        while true {
            let page = try await registry.changes(
                after: cursor, target: .list(name: list, owner: 2000), view: view, listingsShown: shown, scanLimit: 3)
            shown = page.listingsShown
            all += page.changes
            cursor = page.cursor
            if page.atEnd { return all }
        }
    }

    /// A USCC finds a legacy file registered under the organization code it embeds (README,
    /// *Codes*), so a feed follows that file by it too: by watch list and by codes, before the
    /// USCC is attached to the file and after. A list holds an organisation once, whichever of
    /// its two codes names it, and either code takes it off.
    @Test func aUSCCFollowsTheLegacyFileOfItsOrganizationCode() async throws {
        let fixture = try await RegistryFixture(today: "2026-03-02")
        let legacy = String(code.dropFirst(8).prefix(9))
        try await fixture.register(legacy)
        let registry = fixture.registry
        #expect(try await registry.editWatchList("loans", codes: [code], edit: .set, by: Self.bank).size == 1)
        let start = try await registry.logEnd()
        _ = try await fixture.listed(legacy, listType: "abnormal-operations")
        let byList = try await changes(registry, after: start)
        #expect(byList.map(\.kind) == [.listed], "\(byList)")
        #expect(byList.first?.code == legacy)
        let byCodes = try await registry.changes(after: start, target: .codes([code]), view: .public)
        #expect(byCodes.changes.map(\.kind) == [.listed], "\(byCodes.changes)")

        // One organisation, one entry: adding its other code keeps it once, removing either drops it.
        #expect(try await registry.editWatchList("loans", codes: [legacy], edit: .add, by: Self.bank).size == 1)
        #expect(try await registry.editWatchList("loans", codes: [legacy], edit: .remove, by: Self.bank).size == 0)
        #expect(try await registry.editWatchList("loans", codes: [legacy, code], edit: .set, by: Self.bank).size == 1)
        #expect(try await registry.editWatchList("loans", codes: [code], edit: .remove, by: Self.bank).size == 0)
        #expect(try await changes(registry, after: start).isEmpty, "no longer followed")
    }

    /// Every watch-list method takes a name as SetWatchList does: trimmed, so the list " tr "
    /// made is the one " tr " reads, follows and deletes (they answered WatchListNotFound), and a
    /// name no list can have is refused as such, not looked for.
    @Test func everyWatchListMethodTakesTheNameAsSetWatchListDoes() async throws {
        let fixture = try await RegistryFixture(today: "2026-03-02")
        try await fixture.register(code)
        let registry = fixture.registry
        #expect(try await registry.editWatchList(" tr ", codes: [code], edit: .set, by: Self.bank).name == "tr")
        #expect(try await registry.watchListCodes(" tr ", after: "", limit: 10, of: Self.bank) == [code])
        guard case .list(let name, _) = try await registry.watchTarget(codes: nil, watchList: "\u{3000}tr ", by: Self.bank) else {
            Issue.record("not a list target")
            return
        }
        #expect(name == "tr")
        try await registry.deleteWatchList(" tr ", by: Self.bank)
        #expect(try await registry.watchLists(of: Self.bank).isEmpty)
        await #expect(throws: RegistryError.invalidArgument(parameter: "name", reason: "contains the control character U+0000")) {
            try await registry.deleteWatchList("a\u{0}b", by: Self.bank)
        }
        await #expect(throws: RegistryError.self) { try await registry.watchListCodes(String(repeating: "x", count: 101), after: "", limit: 1, of: Self.bank) }
        await #expect(throws: RegistryError.invalidArgument(parameter: "watchList", reason: "contains the control character U+0001")) {
            try await registry.watchTarget(codes: nil, watchList: "a\u{1}b", by: Self.bank)
        }
        // Lists that would read the same as "loans" (accepted before, found by an audit).
        for (name, hidden) in [("loans\u{200F}", "U+200F"), ("\u{200E}loans", "U+200E"), ("loans\u{61C}", "U+061C"), ("lo\u{200B}ans", "U+200B"), ("lo\u{FEFF}ans", "U+FEFF")] {
            await #expect(
                throws: RegistryError.invalidArgument(
                    parameter: "name", reason: "contains the invisible character \(hidden): two lists would read the same")
            ) { try await registry.editWatchList(name, codes: [code], edit: .set, by: Self.bank) }
        }
        #expect(try await registry.watchLists(of: Self.bank).isEmpty)
    }

    @Test func confirmingOneWatchedListingYieldsExactlyOneChangeAndResumesWithoutGapOrRepeat() async throws {
        let fixture = try await RegistryFixture(today: "2026-03-02")
        try await fixture.register(code)
        try await fixture.register(RegistryFixture.usccB)
        let summary = try await fixture.registry.editWatchList("loans", codes: loanBook(), edit: .set, by: Self.bank)
        #expect(summary.size == 10_000)
        let start = try await fixture.registry.logEnd()

        let listing = try await fixture.listed(code, listType: "abnormal-operations")
        _ = try await fixture.listed(RegistryFixture.usccB)  // not watched
        let seen = try await changes(fixture.registry, after: start)
        #expect(seen.count == 1)
        let change = try #require(seen.first)
        #expect(change.kind == .listed)
        #expect(change.code == code)
        #expect(change.listType == "abnormal-operations")
        #expect(change.new == "abnormal-operations")

        // Acknowledged (resumed from its cursor): never again. Resumed from before it: again, once.
        #expect(try await changes(fixture.registry, after: change.cursor).isEmpty)
        #expect(try await changes(fixture.registry, after: change.cursor - 1) == [change])

        // The registry reopened (as after kill -9): the same cursors give the same answers.
        let reopened = try await Registry(
            database: RegistryDatabase(path: fixture.databasePath), policy: PolicyFile.defaultPolicy(), clock: fixture.clock,
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        #expect(try await changes(reopened, after: start) == [change])
        #expect(try await changes(reopened, after: change.cursor).isEmpty)

        // Removal is the next change, and nothing else came between.
        _ = try await fixture.registry.removeListing(
            listingId: listing.id, reason: "cured", removedOn: nil, authority: "Zhengzhou Administration for Market Regulation",
            documentNumber: "撤〔2026〕1号",
            explanation: "address verified", by: RegistryFixture.regulator)
        // A removed listing is no longer disclosed (the default policy's listingsAfterRemoval is P0D): a bank
        // learns only that it ended; a regulator sees the removal as published.
        let next = try await changes(fixture.registry, after: change.cursor, shown: [listing.id])
        #expect(next.map(\.kind) == [.listingEnded])
        // A follower never shown the listing learns nothing of it, whatever cursor it sends.
        #expect(try await changes(fixture.registry, after: change.cursor).isEmpty)
        #expect(next.first?.listType == nil && next.first?.reason == nil)
        let full = try await changes(fixture.registry, after: change.cursor, view: .full)
        #expect(full.map(\.kind) == [.removed])
        #expect(full.first?.old == "abnormal-operations")
        #expect(full.first?.reason == "cured")
    }

    /// `code` registered, on the bank's list `loans`, and graded: the fixture and the log index
    /// the changes are read after (before the first grade).
    func watchedAndGraded() async throws -> (RegistryFixture, start: Int64) {
        let fixture = try await RegistryFixture(today: "2026-03-02")
        try await fixture.register(code)
        _ = try await fixture.registry.editWatchList("loans", codes: [code], edit: .set, by: Self.bank)
        let start = try await fixture.registry.logEnd()
        _ = try await fixture.registry.publishGrades(codes: [code], by: RegistryFixture.regulator)
        return (fixture, start)
    }

    @Test func gradesShowOldAndNewLetters() async throws {
        let (fixture, start) = try await watchedAndGraded()
        _ = try await fixture.registry.recordEvent(
            fixture.event(code, kind: "award", severity: "high", occurredOn: "2026-03-01"), by: RegistryFixture.regulator)
        _ = try await fixture.registry.publishGrades(codes: [code], by: RegistryFixture.regulator)
        let seen = try await changes(fixture.registry, after: start)
        #expect(seen.map(\.kind) == [.grade, .grade])
        #expect(seen.map(\.old) == [nil, "A"])
        #expect(seen.map(\.new) == ["A", "AA"])
    }

    /// A grade withdrawn by a correction is no longer disclosed: the bank's change after it has
    /// no `old` (it read "A → A", from the grade before the withdrawn one), and the regulator's
    /// shows the grade it replaced.
    @Test func aChangeAfterAWithdrawnGradeHasNoOldForABank() async throws {
        let (fixture, start) = try await watchedAndGraded()
        let eventId = try await fixture.registry.recordEvent(
            fixture.event(code, kind: "penalty", severity: "high", occurredOn: "2026-03-01"), by: RegistryFixture.regulator)
        _ = try await fixture.registry.publishGrades(codes: [code], by: RegistryFixture.regulator)
        _ = try await fixture.registry.correctEvent(eventId: eventId, replacement: nil, reason: "wrong file", by: RegistryFixture.regulator)
        let asBank = try await changes(fixture.registry, after: start).filter { $0.kind == .grade }
        #expect(asBank.map(\.new) == ["A", "A"], "\(asBank)")
        #expect(asBank.map(\.old) == [nil, nil], "\(asBank)")
        let asRegulator = try await changes(fixture.registry, after: start, view: .full).filter { $0.kind == .grade }
        #expect(asRegulator.count == 3 && asRegulator.last?.old == asRegulator[1].new && asRegulator[1].new != "A", "\(asRegulator)")
    }

    /// An override's change names the letter it overrode only while that grade record is
    /// disclosed: a year after a second override replaced the first, a bank's feed shows the
    /// second with no `old`, as it shows grades; a regulator's still names it.
    @Test func anOverrideChangeAfterAHiddenOverrideHasNoOldForABank() async throws {
        let (fixture, start) = try await watchedAndGraded()
        for (grade, document) in [("AAA", "复核6"), ("B", "复核7")] {
            _ = try await fixture.registry.overrideGrade(
                code: code, grade: grade, reason: "on review", documentNumber: document, until: nil, by: RegistryFixture.regulator)
        }
        let now = try await changes(fixture.registry, after: start).filter { $0.kind == .override }
        #expect(now.map(\.old) == ["A", "AAA"], "\(now)")
        fixture.clock.advance(days: 366)
        let asBank = try await changes(fixture.registry, after: start).filter { $0.kind == .override }
        #expect(asBank.map(\.new) == ["B"] && asBank.map(\.old) == [nil], "\(asBank)")
        let asRegulator = try await changes(fixture.registry, after: start, view: .full).filter { $0.kind == .override }
        #expect(asRegulator.map(\.old) == ["A", "AAA"], "\(asRegulator)")
    }

    /// A code really issued with a wrong check character, admitted on registration, is watched
    /// as GetGrade answers it (a list or a feed's codes); other wrong codes are still refused.
    @Test func anAdmittedPilotCodeCanBeWatched() async throws {
        let fixture = try await RegistryFixture(today: "2026-03-02")
        let pilot = "911522010783762861"
        _ = try await fixture.registry.register(
            RegistrationRequest(code: pilot, name: "Pilot Co.", admitWrongCheckCharacter: true), by: RegistryFixture.regulator)
        // Written with spaces, as a bank may write it.
        let summary = try await fixture.registry.editWatchList("loans", codes: ["9115 2201 0783 7628 61"], edit: .set, by: Self.bank)
        #expect(summary.size == 1)
        _ = try await fixture.registry.watchTarget(codes: [pilot], watchList: nil, by: Self.bank)
        let start = try await fixture.registry.logEnd()
        _ = try await fixture.registry.publishGrades(codes: [pilot], by: RegistryFixture.regulator)
        #expect(try await changes(fixture.registry, after: start).map(\.code) == [pilot])
        await #expect(throws: RegistryError.self) {
            try await fixture.registry.editWatchList("loans", codes: ["911522010783762862"], edit: .add, by: Self.bank)
        }
        await #expect(throws: RegistryError.self) {
            try await fixture.registry.watchTarget(codes: ["911522010783762862"], watchList: nil, by: Self.bank)
        }
        // Among many codes, the refusal says which one: its place in the list, in the reason.
        do {
            _ = try await fixture.registry.editWatchList("loans", codes: [pilot, pilot, "911522010783762862"], edit: .add, by: Self.bank)
            Issue.record("an invalid code was taken")
        } catch RegistryError.invalidCode(let error) {
            #expect(error.code == "911522010783762862")
            #expect(error.reason == "codes[2]: check character at position 18 should be '0', found '2'")
        }
        // So do a PublishGrades' codes and a RecordEvents' events.
        do {
            _ = try await fixture.registry.publishGrades(codes: [pilot, "911522010783762862"], by: RegistryFixture.regulator)
            Issue.record("an invalid code was taken")
        } catch RegistryError.invalidCode(let error) {
            #expect(error.reason.hasPrefix("codes[1]: check character at position 18"), "\(error.reason)")
        }
        do {
            _ = try await fixture.registry.recordEvents(
                [fixture.event(pilot), fixture.event("911522010783762862")], by: RegistryFixture.regulator)
            Issue.record("an invalid code was taken")
        } catch RegistryError.invalidCode(let error) {
            #expect(error.reason.hasPrefix("events[1]: check character at position 18"), "\(error.reason)")
        }
    }

    @Test func aRepairedListingEndsWithoutDetailsForABank() async throws {
        let fixture = try await RegistryFixture(today: "2026-03-02")
        try await fixture.register(code)
        _ = try await fixture.registry.editWatchList("loans", codes: [code], edit: .set, by: Self.bank)
        let start = try await fixture.registry.logEnd()
        let listing = try await fixture.listed(code)
        let shown = try await changes(fixture.registry, after: start)
        #expect(shown.map(\.kind) == [.listed])
        fixture.clock.advance(days: 400)
        try await fixture.repair(listing.id)
        // The follower that was shown it learns that it ended, and nothing more.
        let seen = try await changes(fixture.registry, after: shown[0].cursor, shown: [listing.id])
        #expect(seen.map(\.kind) == [.listingEnded])
        #expect(seen.first?.listType == nil && seen.first?.reason == nil)
        // Replayed afterwards from the start by one never shown it: neither the listing nor its end.
        #expect(try await changes(fixture.registry, after: start).isEmpty)
        // A regulator sees the whole story.
        #expect(try await changes(fixture.registry, after: start, view: .full).map(\.kind) == [.listed, .removed])
    }

    @Test func anotherBankCannotReadOrUseAList() async throws {
        let fixture = try await RegistryFixture(today: "2026-03-02")
        _ = try await fixture.registry.editWatchList("loans", codes: [code], edit: .set, by: Self.bank)
        await #expect(throws: RegistryError.watchListNotFound(name: "loans")) {
            try await fixture.registry.watchTarget(codes: nil, watchList: "loans", by: Self.otherBank)
        }
        await #expect(throws: RegistryError.watchListNotFound(name: "loans")) {
            try await fixture.registry.watchListCodes("loans", after: "", limit: 10, of: Self.otherBank)
        }
        await #expect(throws: RegistryError.watchListNotFound(name: "loans")) {
            try await fixture.registry.editWatchList("loans", codes: [code], edit: .remove, by: Self.otherBank)
        }
        #expect(try await fixture.registry.watchLists(of: Self.otherBank).isEmpty)
        // Its own list of the same name is another list.
        _ = try await fixture.registry.editWatchList("loans", codes: [RegistryFixture.usccB], edit: .add, by: Self.otherBank)
        #expect(try await fixture.registry.watchListCodes("loans", after: "", limit: 10, of: Self.bank) == [code])
    }

    @Test func listsGrowByRepeatedAddsAndRefuseBadCodes() async throws {
        let fixture = try await RegistryFixture(today: "2026-03-02")
        let book = loanBook()
        _ = try await fixture.registry.editWatchList("loans", codes: Array(book[..<6000]), edit: .add, by: Self.bank)
        let grown = try await fixture.registry.editWatchList("loans", codes: Array(book[5000...]), edit: .add, by: Self.bank)
        #expect(grown.size == 10_000)
        let shrunk = try await fixture.registry.editWatchList("loans", codes: [code], edit: .remove, by: Self.bank)
        #expect(shrunk.size == 9_999)
        await #expect(throws: RegistryError.self) {
            try await fixture.registry.editWatchList("loans", codes: ["not a code"], edit: .add, by: Self.bank)
        }
        #expect(try await fixture.registry.watchLists(of: Self.bank) == [WatchListSummary(name: "loans", size: 9_999)])
        // The audit trail names the list and counts the codes; a bank's loan book stays its own.
        let audit = try await fixture.database.read { try $0.auditEntries(after: 0, limit: 100) }
        let edits = audit.filter { $0.peerUid == 2000 }
        #expect(edits.count == 3)
        #expect(edits.allSatisfy { !$0.parameters.contains(code) && !$0.parameters.contains(book[9_999]) })
        #expect(edits.first?.parameters.contains("6000") == true)
    }

    /// The limit is the bank's, all its lists together; another bank has its own.
    @Test func aBanksListsTogetherHoldAtMostTheLimit() async throws {
        let fixture = try await RegistryFixture(today: "2026-03-02")
        let registry = try await Registry(database: fixture.database, policy: fixture.registry.policy, clock: fixture.clock, watchListLimit: 10)
        let book = loanBook()
        _ = try await registry.editWatchList("first", codes: Array(book[..<6]), edit: .set, by: Self.bank)
        await #expect(throws: RegistryError.watchListTooLarge(name: "second", size: 11, limit: 10)) {
            try await registry.editWatchList("second", codes: Array(book[6..<11]), edit: .set, by: Self.bank)
        }
        // Refused, so nothing changed: the second list was not made.
        #expect(try await registry.watchLists(of: Self.bank) == [WatchListSummary(name: "first", size: 6)])
        #expect(try await registry.editWatchList("second", codes: Array(book[6..<10]), edit: .set, by: Self.bank).size == 4)
        // Replacing a list's codes counts the new ones only.
        #expect(try await registry.editWatchList("first", codes: Array(book[..<6]), edit: .set, by: Self.bank).size == 6)
        let otherBank = Caller(method: "test", peer: AuditContext.Peer(uid: 2001, gid: 2001, pid: 43))
        #expect(try await registry.editWatchList("first", codes: Array(book[..<10]), edit: .set, by: otherBank).size == 10)
    }

    /// A role that only reads must not keep the writer busy: one peer's changes are made one
    /// after another, in order; as many as may wait (8) behind the one under way are all made.
    @Test func aBanksChangesSentAtOnceAreMadeOneAfterAnother() async throws {
        let fixture = try await RegistryFixture(today: "2026-03-02")
        let registry = fixture.registry
        let book = loanBook()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for code in book.prefix(1 + WatchListEditGate.defaultMaximumWaiting) {
                group.addTask { _ = try await registry.editWatchList("a", codes: [code], edit: .add, by: Self.bank) }
            }
            try await group.waitForAll()
        }
        #expect(try await registry.watchLists(of: Self.bank).map(\.size) == [9])
    }

    @Test func theGateRunsOnePeersChangesOneAtATimeAndOtherPeersBesideThem() async throws {
        let gate = WatchListEditGate()
        final class Running: Sendable {
            let counts = Mutex<(now: [UInt32: Int], most: [UInt32: Int])>(([:], [:]))
        }
        let running = Running()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<12 {
                let owner: UInt32 = index % 3 == 0 ? 8 : 7
                group.addTask {
                    try await gate.oneAtATime(for: owner) {
                        running.counts.withLock {
                            $0.now[owner, default: 0] += 1
                            $0.most[owner] = max($0.most[owner] ?? 0, $0.now[owner]!)
                        }
                        try await Task.sleep(for: .milliseconds(5))
                        running.counts.withLock { $0.now[owner]! -= 1 }
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(running.counts.withLock { $0.most } == [7: 1, 8: 1])
    }

    /// A waiting change holds its codes: beyond so many waiting, one more is refused at once,
    /// and the queue goes on.
    @Test func beyondSoManyWaitingAChangeIsRefused() async throws {
        let gate = WatchListEditGate(maximumWaiting: 2)
        let release = AsyncStream<Void>.makeStream()
        let first = Task { try await gate.oneAtATime(for: 7) { for await _ in release.stream { break } } }
        try await Task.sleep(for: .milliseconds(50))
        let waiting = (0..<2).map { _ in Task { try await gate.oneAtATime(for: 7) { 1 } } }
        try await Task.sleep(for: .milliseconds(50))
        await #expect(throws: RegistryError.watchListChangesQueued(waiting: 2, limit: 2)) {
            try await gate.oneAtATime(for: 7) { 0 }
        }
        #expect(try await gate.oneAtATime(for: 8) { 8 } == 8)  // another peer is not held up
        release.continuation.yield()
        try await first.value
        for task in waiting { #expect(try await task.value == 1) }
        #expect(try await gate.oneAtATime(for: 7) { 3 } == 3)
    }

    /// Empty lists hold no codes, so their number has its own limit (1,000 in the daemon).
    @Test func aBankKeepsAtMostSoManyLists() async throws {
        let fixture = try await RegistryFixture(today: "2026-03-02")
        let registry = try await Registry(
            database: fixture.database, policy: fixture.registry.policy, clock: fixture.clock, watchListCountLimit: 3)
        for name in ["a", "b", "c"] { _ = try await registry.editWatchList(name, codes: [], edit: .set, by: Self.bank) }
        await #expect {
            try await registry.editWatchList("d", codes: [], edit: .add, by: Self.bank)
        } throws: { error in
            guard case RegistryError.invalidArgument("name", let reason) = error else { return false }
            return reason.contains("you keep 3 watch lists")
        }
        // An existing list can still change; deleting one makes room for another.
        #expect(try await registry.editWatchList("a", codes: Array(loanBook()[..<2]), edit: .add, by: Self.bank).size == 2)
        try await registry.deleteWatchList("b", by: Self.bank)
        _ = try await registry.editWatchList("d", codes: [], edit: .set, by: Self.bank)
        #expect(try await registry.watchLists(of: Self.bank).map(\.name) == ["a", "c", "d"])
    }
}
