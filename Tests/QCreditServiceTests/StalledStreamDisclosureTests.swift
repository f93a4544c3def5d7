import CanonicalJSON
import Foundation
import QCreditDomain
import QCreditTestSupport
import Synchronization
import Testing
import Varlink

/// A stream to a bank whose reader stopped reading must not, once it reads again, carry what a
/// revocation (or repair) ended meanwhile: each reply is checked against the public view as it
/// is sent, not as its page was read (a stalled `WatchChanges` and `GetEntries` sent a revoked
/// listing's reason and opening after the revocation, an audit found).
@Suite struct StalledStreamDisclosureTests {
    static let listed = USCC.madeUp(serial: 4_400_000)
    /// Files graded before the listing, so that the page holding it has replies ahead of it.
    static let others = (1...40).map { USCC.madeUp(serial: 4_400_000 + $0) }

    /// A fixture with the others graded and `listed` on the blacklist; returns it, the listing's
    /// id and its log index.
    static func populated() async throws -> (ServiceFixture, listingId: JSONValue, index: Int64) {
        let fixture = try await ServiceFixture(today: "2026-03-02")
        for code in others + [listed] {
            _ = try await fixture.call("org.qcredit.admin.RegisterEnterprise", ["code": .string(code), "name": "Stalled Co."])
        }
        _ = try await fixture.call("org.qcredit.admin.PublishGrades", ["codes": .array(others.map(JSONValue.string))])
        var proposal = PublicViewTests.decision
        proposal["code"] = .string(listed)
        let id = try #require(try await fixture.call("org.qcredit.admin.ProposeListing", proposal)["listing"]?["id"])
        _ = try await fixture.call("org.qcredit.admin.ConfirmListing", ["listingId": id])
        // The confirmation is the log's newest record.
        return (fixture, id, try await fixture.logSize() - 1)
    }

    static func revoke(_ id: JSONValue, _ fixture: ServiceFixture) async throws {
        _ = try await fixture.call(
            "org.qcredit.admin.RemoveListing",
            ["listingId": id, "reason": "revoked", "authority": "Zhengzhou AMR", "documentNumber": "郑市监撤〔2026〕9号"])
    }

    /// The replies `method` streams to `peer` whose reader stops after the first write it is
    /// handed, while `whileStalled` runs: those handed over before, and those after.
    static func stalled(
        _ fixture: ServiceFixture, _ method: String, _ parameters: [String: JSONValue], as peer: VarlinkPeerCredentials,
        until stop: @escaping @Sendable ([VarlinkReply]) -> Bool, whileStalled: () async throws -> Void
    ) async throws -> (before: [VarlinkReply], after: [VarlinkReply]) {
        let gate = Gate()
        let collected = Mutex<(before: [VarlinkReply], after: [VarlinkReply], stalled: Bool)>(([], [], false))
        let (done, finished) = AsyncStream.makeStream(of: Void.self)
        let call = VarlinkCall(method: method, parameters: parameters, more: true)
        let dispatcher = fixture.dispatcher
        let task = Task {
            try? await dispatcher.dispatch(call, context: VarlinkCallContext(credentials: peer, connectionID: 9)) { replies in
                let (first, all) = collected.withLock { state in
                    if state.stalled { state.after += replies } else { state.before += replies }
                    defer { state.stalled = true }
                    return (!state.stalled, state.after)
                }
                if first { await gate.arrive() }
                if stop(all) { finished.yield() }
            }
            finished.yield()
        }
        await gate.waitForArrival()
        try await whileStalled()
        await gate.open()
        for await _ in done { break }
        task.cancel()
        return collected.withLock { ($0.before, $0.after) }
    }

    /// Only a write that ends a disclosure from today on moves the mark: routine grades (whose
    /// records end disclosure on a later day) and overrides with an end date do not, else every
    /// stream to a bank would read its page again at each batch of a regrade.
    @Test func onlyAnEndFromTodayOnMovesTheMark() async throws {
        let (fixture, id, _) = try await Self.populated()
        let mark = fixture.registry.disclosureMark
        _ = try await fixture.call(
            "org.qcredit.admin.RecordEvent",
            [
                "code": .string(Self.others[0]), "dimension": "product", "kind": "penalty", "severity": "low",
                "occurredOn": "2026-02-01", "authority": "SAMR", "documentNumber": "国市监〔2026〕5号", "summary": "spot check",
            ])
        _ = try await fixture.call("org.qcredit.admin.PublishGrades", ["codes": .array(Self.others.map(JSONValue.string))])
        _ = try await fixture.call(
            "org.qcredit.admin.OverrideGrade",
            ["code": .string(Self.others[1]), "grade": "B", "reason": "review", "documentNumber": "复核9", "until": "2026-12-31"])
        #expect(fixture.registry.disclosureMark == mark)
        try await Self.revoke(id, fixture)
        #expect(fixture.registry.disclosureMark != mark)
    }

    @Test func aStalledGetEntriesSendsNoOpeningARevocationEndedMeanwhile() async throws {
        let (fixture, id, index) = try await Self.populated()
        let end = try await fixture.logSize()
        let (before, after) = try await Self.stalled(
            fixture, "org.qcredit.audit.GetEntries", ["start": 0, "end": .int(end)], as: ServiceFixture.bank,
            until: { $0.last?.continues == false }
        ) { try await Self.revoke(id, fixture) }
        #expect(before.count == 1, "the stream stalled at its first reply")
        let listingEntry = try #require(after.first { $0.parameters["index"]?.intValue == index })
        #expect(listingEntry.parameters["opening"] == .null, "\(listingEntry.parameters)")
        let text = after.map { "\($0.parameters)" }.joined()
        for word in PublicViewTests.listingWords { #expect(!text.contains(word), "\(word) sent after the revocation") }
    }

    @Test func aStalledChangeFeedSendsNoListingARevocationEndedMeanwhile() async throws {
        let (fixture, id, _) = try await Self.populated()
        let codes = JSONValue.array((Self.others + [Self.listed]).map(JSONValue.string))
        let (before, after) = try await Self.stalled(
            fixture, "org.qcredit.query.WatchChanges", ["codes": codes, "since": -1], as: ServiceFixture.bank,
            until: { $0.contains { $0.parameters["change"] == nil } }
        ) { try await Self.revoke(id, fixture) }
        #expect(before.count == 1, "the stream stalled at its first reply")
        #expect(!after.contains { $0.parameters["change"]?["kind"] == "listed" }, "\(after.map(\.parameters))")
        // Never shown the listing, the bank is not told it ended either.
        #expect(!after.contains { $0.parameters["change"]?["kind"] == "listing-ended" }, "\(after.map(\.parameters))")
        let text = after.map { "\($0.parameters)" }.joined()
        for word in PublicViewTests.listingWords { #expect(!text.contains(word), "\(word) sent after the revocation") }
        // The grades went out, each once.
        let cursors = (before + after).filter { $0.parameters["change"]?["kind"] == "grade" }
            .compactMap { $0.parameters["change"]?["cursor"]?.intValue }
        #expect(cursors.count == Self.others.count && Set(cursors).count == cursors.count, "\(cursors)")
    }
}

/// Where a stalled stream waits until the test has done what it does meanwhile.
private actor Gate {
    private var reached = false
    private var arrival: CheckedContinuation<Void, Never>?
    private var isOpen = false
    private var opening: CheckedContinuation<Void, Never>?

    func arrive() async {
        reached = true
        arrival?.resume()
        arrival = nil
        if !isOpen { await withCheckedContinuation { opening = $0 } }
    }

    func waitForArrival() async {
        if !reached { await withCheckedContinuation { arrival = $0 } }
    }

    func open() {
        isOpen = true
        opening?.resume()
        opening = nil
    }
}
