import CanonicalJSON
import Foundation
import Glibc
import QCreditDomain
import QCreditTestSupport
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

    /// A feed given `codes` holds them while it is open, and feeds are never idle: one peer's
    /// such feeds follow at most 100,000 codes together (an audit's banks held 256 feeds of
    /// 40,000 codes and the daemon grew by 1.4 GB). The codes are given back when a feed ends.
    @Test func aPeersFeedsGivenCodesFollowABoundedNumberOfCodesTogether() async throws {
        let daemon = try await DaemonProcess()
        let codes = { (first: Int) in JSONValue.array((first..<(first + 40_000)).map { .string(Self.uscc($0)) }) }
        let first = try await daemon.client()
        var one = first.stream("org.qcredit.query.WatchChanges", parameters: ["codes": codes(0)]).makeAsyncIterator()
        #expect(try await Self.next(&one)["change"] == nil, "the first feed is live")
        let second = try await daemon.client()
        var two = second.stream("org.qcredit.query.WatchChanges", parameters: ["codes": codes(40_000)]).makeAsyncIterator()
        #expect(try await Self.next(&two)["change"] == nil, "the second feed is live")

        let third = try await daemon.client()
        var three = third.stream("org.qcredit.query.WatchChanges", parameters: ["codes": codes(80_000)]).makeAsyncIterator()
        do {
            _ = try await three.next()
            Issue.record("a third feed of 40,000 codes was opened")
        } catch let error as VarlinkError {
            #expect(error.name == "org.qcredit.query.InvalidArgument", "\(error)")
            #expect(error.parameters["parameter"] == "codes", "\(error)")
            #expect(error.parameters["reason"]?.stringValue?.contains("at most 100000 together") == true, "\(error)")
        }
        // A watch list costs nothing per feed: following one is not refused.
        _ = try await daemon.call("org.qcredit.query.SetWatchList", ["name": "book", "codes": codes(80_000)])
        var listed = third.stream("org.qcredit.query.WatchChanges", parameters: ["watchList": "book"]).makeAsyncIterator()
        #expect(try await Self.next(&listed)["change"] == nil)
        await third.close()

        // The first feed ends: its codes are given back.
        await first.close()
        let deadline = ContinuousClock.now + .seconds(90)
        var reopened = false
        while !reopened, ContinuousClock.now < deadline {
            let again = try await daemon.client()
            var feed = again.stream("org.qcredit.query.WatchChanges", parameters: ["codes": codes(80_000)]).makeAsyncIterator()
            reopened = (try? await feed.next()) != nil
            await again.close()
            if !reopened { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(reopened, "the closed feed's codes were never given back")
        await second.close()
        #expect(await daemon.stop() == 0)
    }

    @Test func aListingReachesTheOpenStreamOnceAndKillDashNineResumesFromTheCursor() async throws {
        let daemon = try await DaemonProcess()
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
        await daemon.kill(SIGKILL)
        await follower.close()
        try await daemon.start()
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
        let daemon = try await DaemonProcess()
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

/// `qcredit watchlist` and `qcredit watch` as a bank runs them.
@Suite struct WatchCommandTests {
    /// `qcredit watch ARGUMENTS` running in the background; its output so far is in `output`.
    final class Watching: @unchecked Sendable {
        let child: ChildProcess
        let output = Mutexed("")
        private let errorsSoFar = Mutexed("")
        /// Standard error was read to its end (the command exited and its last words are in).
        private let errorsEnded = Mutexed(false)

        convenience init(_ arguments: [String], daemon: DaemonProcess) throws {
            try self.init(executable: CLIHarness.executable, ["watch"] + arguments + ["--socket", daemon.socketPath])
        }

        init(executable: String, _ arguments: [String]) throws {
            child = try ChildProcess(executable, arguments, standardOutput: .pipe, standardError: .pipe)
            for (pipe, text, ended) in [(child.standardOutput!, output, Mutexed(false)), (child.standardError!, errorsSoFar, errorsEnded)] {
                onOwnThread {
                    while case let data = pipe.availableData, !data.isEmpty {
                        text.modify { $0 += String(decoding: data, as: UTF8.self) }
                    }
                    ended.modify { $0 = true }
                }
            }
        }

        /// Standard error, read to its end once the command has exited (`waitForExit`): its reader
        /// may still be taking the last line when the exit is seen (a loaded run missed the
        /// "resume with" line so), so this waits for the end of the pipe, for at most 30 s.
        var errors: String {
            get async {
                let deadline = ContinuousClock.now + .seconds(30)
                while !errorsEnded.get(), ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(10)) }
                return errorsSoFar.get()
            }
        }

        /// Waits (generously) for an output line containing `text` and returns it.
        func line(containing text: String) async throws -> String {
            let deadline = ContinuousClock.now + .seconds(60)
            // Looks once more after the deadline: a suite whose synchronous tests hold every
            // cooperative thread can wake this task only after the line has long arrived.
            while true {
                if let line = output.get().split(separator: "\n").first(where: { $0.contains(text) }) { return String(line) }
                if ContinuousClock.now >= deadline { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            throw CLICommandFailed(result: CommandResult(status: -1, stdout: output.get(), stderr: "no line with \(text)"))
        }

        deinit {
            child.signal(SIGTERM)
            child.waitUntilExit()
        }
    }

    /// A reader that goes away (`| head -1`) ends the watch as SIGPIPE ends a program, once it
    /// has said where to resume: a change it could not write is not lost. (It went on taking
    /// changes and moving its cursor, writing nothing, and never said so; then it waited for the
    /// next watched change, which may be days away, before it noticed (audit).)
    @Test func aWatchWhoseReaderGoesAwayEndsAtOnceSayingWhereToResume() async throws {
        let daemon = try await DaemonProcess()
        let cli = CLIHarness(daemon: daemon)
        try await cli.register(CLIHarness.cement, name: "示例水泥有限公司")
        _ = try await cli.succeed(["watchlist", "set", "loans", "-"], input: "\(CLIHarness.cement)\n")
        let script = #""$0" watch loans --socket "$1" | head -1; echo "watch ended with ${PIPESTATUS[0]}" >&2"#
        let piped = try Watching(executable: "/bin/bash", ["-c", script, CLIHarness.executable, daemon.socketPath])
        let upToDate = try await piped.line(containing: "up to date")
        let cursor = try #require(upToDate.split(separator: " ").first { $0.hasSuffix(";") }?.dropLast())
        let deadline = ContinuousClock.now + .seconds(30)
        while piped.child.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(!piped.child.isRunning, "the watch went on after its reader had gone")
        let errors = await piped.errors
        // With the socket it was given: run without, it would reach another registry (audit).
        #expect(errors.contains("resume with: qcredit watch loans --since \(cursor) --socket \(daemon.socketPath)\n"), "\(errors)")
        #expect(errors.contains("watch ended with 141"), "\(errors)")
        // Resumed there, a change made meanwhile comes.
        try await WatchDaemonTests().confirmListing(CLIHarness.cement, daemon)
        let resumed = try Watching(["loans", "--since", String(cursor)], daemon: daemon)
        #expect(try await resumed.line(containing: " listed ").contains(CLIHarness.cement))
    }

    @Test func watchPrintsEachChangeAsItComesAndResumesFromItsCursor() async throws {
        let daemon = try await DaemonProcess()
        let cli = CLIHarness(daemon: daemon)
        try await cli.register(CLIHarness.cement, name: "示例水泥有限公司")
        let set = try await cli.succeed(["watchlist", "set", "loans", "-"], input: "\(CLIHarness.cement)\n\(CLIHarness.materials)\n")
        #expect(set.contains("loans: 2 codes"))

        let watching = try Watching(["loans"], daemon: daemon)
        _ = try await watching.line(containing: "up to date")
        try await WatchDaemonTests().confirmListing(CLIHarness.cement, daemon)
        let line = try await watching.line(containing: " listed ")
        #expect(line.contains(CLIHarness.cement) && line.contains("serious-dishonesty"), "\(line)")
        let cursor = try #require(line.split(separator: " ").last.map(String.init))

        let resumed = try Watching(["loans", "--since", cursor], daemon: daemon)
        let caughtUp = try await resumed.line(containing: "up to date")
        #expect(caughtUp.contains("cursor \(cursor);"), "\(caughtUp)")
        #expect(!resumed.output.get().contains(" listed "), "nothing after the cursor")

        // The daemon restarted: the watch resumes after its last cursor by itself, and the
        // next change arrives once, with nothing repeated.
        try await cli.register(CLIHarness.materials, name: "示例建材有限公司")
        #expect(await daemon.stop() == 0)
        try await daemon.start()
        try await WatchDaemonTests().confirmListing(CLIHarness.materials, daemon)
        let next = try await watching.line(containing: CLIHarness.materials)
        #expect(next.contains(" listed "), "\(next)")
        #expect(watching.output.get().components(separatedBy: " listed ").count == 3, "each listing once: \(watching.output.get())")
        #expect(watching.child.isRunning)

        // `--since -1` is the whole log, as the help says (a value, not an option).
        let replayed = try Watching(["loans", "--since", "-1"], daemon: daemon)
        #expect(try await replayed.line(containing: " listed ").contains(CLIHarness.cement))
        // An unknown list is said in words.
        let unknown = try await cli.run(["watch", "nope"])
        #expect(unknown.stderr.contains("WatchListNotFound: you have no watch list named nope"), "\(unknown.stderr)")
    }

    /// A watch whose daemon comes back serving another log (its state directory replaced, a
    /// registry started on the same socket) stops with status 4 instead of taking that log's
    /// cursors for its own: it checks, on reconnecting, that the log grew from what it saw.
    @Test func aWatchStopsWhenItsDaemonComesBackWithAnotherLog() async throws {
        let daemon = try await DaemonProcess()
        let cli = CLIHarness(daemon: daemon)
        try await cli.register(CLIHarness.cement, name: "示例水泥有限公司")
        _ = try await cli.succeed(["watchlist", "set", "loans", "-"], input: "\(CLIHarness.cement)\n")
        try await WatchDaemonTests().confirmListing(CLIHarness.cement, daemon)
        _ = try await daemon.waitForCheckpointOfWholeLog()
        let watching = try Watching(["loans", "--since", "-1"], daemon: daemon)
        _ = try await watching.line(containing: "up to date")
        #expect(await daemon.stop() == 0)
        try FileManager.default.moveItem(atPath: daemon.stateDirectory, toPath: daemon.stateDirectory + "-first")
        try await daemon.start()
        _ = try await cli.succeed(["watchlist", "set", "loans", "-"], input: "\(CLIHarness.cement)\n")
        #expect(try await watching.child.waitForExit(timeout: .seconds(60)) == 4)
        let errors = await watching.errors
        #expect(errors.contains("now serves another log than the one this feed followed"), "\(errors)")
        #expect(errors.contains("resume with: qcredit watch loans --since"), "\(errors)")
    }

    /// README, *Bank: following a loan book*: Ctrl-C ends a watch with status 130; a watch whose
    /// daemon stays away tries to resume for its retry time (`--retry-for`, a minute by
    /// default), then exits 3 and prints the command that resumes it.
    @Test func aWatchEndsOnCtrlCAndGivesUpOnAnAbsentDaemonSayingHowToResume() async throws {
        let daemon = try await DaemonProcess()
        let cli = CLIHarness(daemon: daemon)
        #expect(try await cli.succeed(["watchlist", "set", "loans", "-"], input: "\(CLIHarness.cement)\n").contains("loans: 1 code\n"))
        // An empty file (a failed extract, most often) does not wipe the list.
        let empty = try await cli.run(["watchlist", "set", "loans", "-"], input: "\n")
        #expect(empty.status == 2 && empty.stderr.contains("no codes in standard input: nothing was sent"), "\(empty.stderr)")
        #expect(try await cli.succeed(["watchlist", "show", "loans"]).contains(CLIHarness.cement))
        let interrupted = try Watching(["loans"], daemon: daemon)
        _ = try await interrupted.line(containing: "up to date")
        interrupted.child.signal(SIGINT)
        #expect(try await interrupted.child.waitForExit(timeout: .seconds(30)) == 130)

        let watching = try Watching(["loans", "--retry-for", "2"], daemon: daemon)
        let upToDate = try await watching.line(containing: "up to date")
        let cursor = try #require(upToDate.split(separator: " ").first { Int($0.dropLast()) != nil }.map { String($0.dropLast()) })
        #expect(await daemon.stop() == 0)
        #expect(try await watching.child.waitForExit(timeout: .seconds(60)) == 3)
        let errors = await watching.errors
        #expect(errors.contains("# lost the connection to qcreditd ("), "\(errors)")
        #expect(errors.contains("resuming after cursor \(cursor)"), "\(errors)")
        #expect(errors.contains("resume with: qcredit watch loans --since \(cursor)"), "\(errors)")

        // With --json every line on stderr is a JSON object (they were the words above).
        try await daemon.start()
        let json = try Watching(["loans", "--retry-for", "2", "--json"], daemon: daemon)
        _ = try await json.line(containing: "cursor")
        #expect(await daemon.stop() == 0)
        #expect(try await json.child.waitForExit(timeout: .seconds(60)) == 3)
        let lines = await json.errors.split(separator: "\n")
        let objects = lines.compactMap { try? JSONValue.parse(String($0)) }
        #expect(objects.count == lines.count && !lines.isEmpty, "\(lines)")
        #expect(objects.first?["notice"] == "ConnectionLost", "\(lines)")
        #expect(objects.contains { $0["notice"] == "ResumeWith" && $0["parameters"]?["since"]?.intValue != nil }, "\(lines)")
        #expect(objects.last?["error"] != nil, "\(lines)")
    }

    /// Full-width codes take three bytes a character: sent as they were typed, 40,000 of them
    /// would not fit in a bank's 1 MiB message. They go in their normal form. `watchlist delete`
    /// takes the list away.
    @Test func aBookOfFullWidthCodesFitsInABanksMessages() async throws {
        let cli = CLIHarness(daemon: try await DaemonProcess(config: DaemonProcess.config(grantingMe: "bank")))
        let book = (0..<45_000).map { ImportTests.fullWidth(USCC.madeUp(serial: 15_000_000 + $0)) }.joined(separator: "\n")
        #expect(try await cli.succeed(["watchlist", "set", "wide", "-"], input: book).contains("wide: 45000 codes"))
        #expect(try await cli.succeed(["watchlist", "show"]).contains("wide\t45000"))
        // Deleted, the list is gone, and deleting it again says it is not there.
        #expect(try await cli.succeed(["watchlist", "delete", "wide"]) == "wide: deleted\n")
        #expect(!(try await cli.succeed(["watchlist", "show"]).contains("wide")))
        let again = try await cli.run(["watchlist", "delete", "wide"])
        #expect(again.status == 1)
        #expect(again.stderr.contains("WatchListNotFound"), "\(again.stderr)")
    }

    @Test func aLargeBookGoesInSeveralCalls() async throws {
        let daemon = try await DaemonProcess()
        let cli = CLIHarness(daemon: daemon)
        let book = (0..<85_000).map { USCC.madeUp(serial: 13_000_000 + $0) }.joined(separator: "\n")
        // 40,000 codes per call: a SetWatchList, then two AddToWatchList.
        #expect(try await cli.succeed(["watchlist", "set", "book", "-"], input: book).contains("book: 85000 codes"))
        #expect(try await cli.succeed(["watchlist", "show"]).contains("book\t85000"))
        // A file over the limit is refused before the first call: the list keeps what it held.
        let tooMany = (0..<1_000_001).map { USCC.madeUp(serial: 20_000_000 + $0) }.joined(separator: "\n")
        let refused = try await cli.run(["watchlist", "set", "book", "-"], input: tooMany)
        // The registry's refusal, said before any call: exit 1, as the daemon's WatchListTooLarge.
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("WatchListTooLarge: watch list book would hold 1000001 codes; the limit is 1000000"), "\(refused.stderr)")
        #expect(refused.stderr.contains("holds 1000001 codes; a bank's watch lists hold at most 1000000 together; nothing was sent"), "\(refused.stderr)")
        #expect(try await cli.succeed(["watchlist", "show"]).contains("book\t85000"))
        // The limit is the bank's, its other lists counted: a million codes beside a list of
        // seven is refused before the first call too (refused part-way, the list was left half made).
        _ = try await cli.succeed(["watchlist", "set", "small", "-"], input: (0..<7).map { USCC.madeUp(serial: 40_000_000 + $0) }.joined(separator: "\n"))
        let million = (0..<1_000_000).map { USCC.madeUp(serial: 20_000_000 + $0) }.joined(separator: "\n")
        let beyond = try await cli.run(["watchlist", "set", "book", "-"], input: million)
        #expect(beyond.status == 1)
        #expect(beyond.stderr.contains("holds 1000000 codes and your other lists 7;"), "\(beyond.stderr)")
        let asJSON = try await cli.run(["watchlist", "set", "book", "-", "--json"], input: million)
        #expect(asJSON.stderr.contains("\"org.qcredit.query.WatchListTooLarge\""), "\(asJSON.stderr)")
        #expect(try await cli.succeed(["watchlist", "show"]).contains("book\t85000"))
        // So is one with an invalid code in its third call's part, named with its line.
        var bad = (0..<90_000).map { USCC.madeUp(serial: 30_000_000 + $0) }
        bad[89_000] = CLIHarness.wrongCheck
        let invalid = try await cli.run(["watchlist", "set", "book", "-"], input: bad.joined(separator: "\n"))
        #expect(invalid.status == 2)
        #expect(invalid.stderr.contains("line 89001: invalid USCC"), "\(invalid.stderr)")
        #expect(invalid.stderr.contains("nothing was sent"), "\(invalid.stderr)")
        #expect(try await cli.succeed(["watchlist", "show"]).contains("book\t85000"))
        // The first bad line is the one named, a wrong check character before a wrong length
        // included (the wrong length, refused without asking the registry, was named).
        let twoBad = try await cli.run(["watchlist", "set", "book", "-"], input: [bad[0], CLIHarness.wrongCheck, "91110108"].joined(separator: "\n"))
        #expect(twoBad.status == 2)
        #expect(twoBad.stderr.contains("line 2: invalid USCC"), "\(twoBad.stderr)")
        // With --json, each is the registry's InvalidCode with its parameters and the input's line.
        for (book, line, kind) in [([bad[0], CLIHarness.wrongCheck].joined(separator: "\n"), 2, "wrongCheckCharacter"), ([bad[0], "91110108"].joined(separator: "\n"), 2, "wrongLength")] {
            let json = try await cli.run(["watchlist", "set", "book", "-", "--json"], input: book)
            #expect(json.status == 2, "\(json)")
            let error = try JSONValue.parse(json.stderr)
            #expect(error["error"] == "org.qcredit.query.InvalidCode" && error["input"]?.stringValue == "standard input:\(line)", "\(json.stderr)")
            #expect(error["parameters"]?["kind"]?.stringValue == kind, "\(json.stderr)")
        }
        // Once that code is on file, admitted with its wrong check character, it may be watched.
        try await cli.succeed(["register", CLIHarness.wrongCheck, "--name", "试点编码有限公司", "--admit-wrong-check-character"])
        let pilotBook = [bad[0], CLIHarness.wrongCheck].joined(separator: "\n")
        #expect(try await cli.succeed(["watchlist", "set", "pilots", "-"], input: pilotBook).contains("pilots: 2 codes"))
    }

    /// README, *Watch lists*: a bank's lists hold 1,000,000 codes together, in at most 1,000
    /// lists, as the daemon enforces them for a peer that really sends that many (a Python
    /// client, which makes a million codes and sends them in 25 calls quicker than a debug build).
    @Test func aBanksListsStopAtTheirLimitsAtTheDaemon() async throws {
        let daemon = try await DaemonProcess(config: DaemonProcess.config(grantingMe: "bank"))
        let probe = daemon.directory.appendingPathComponent("watch-limits.py").path
        try Self.watchLimitsProbe.write(toFile: probe, atomically: true, encoding: .utf8)
        let result = try await runCommand("/usr/bin/python3", [probe, daemon.socketPath])
        #expect(result.status == 0, "\(result.stderr)")
        var replies: [String: JSONValue] = [:]
        for line in result.stdout.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1)
            replies[String(parts[0])] = try JSONValue.parse(String(parts[1]))
        }
        #expect(replies["filled"]?["error"] == nil, "\(result.stdout)")
        #expect(replies["one-more"]?["error"] == "org.qcredit.query.WatchListTooLarge", "\(result.stdout)")
        #expect(replies["one-more"]?["parameters"] == ["name": "book", "size": 1_000_001, "limit": 1_000_000], "\(result.stdout)")
        // Together: another list cannot take the one code more either.
        #expect(replies["another-list"]?["error"] == "org.qcredit.query.WatchListTooLarge", "\(result.stdout)")
        #expect(replies["list-999"]?["error"] == nil, "\(result.stdout)")
        #expect(replies["list-1000"]?["error"] == "org.qcredit.query.InvalidArgument", "\(result.stdout)")
        #expect(replies["list-1000"]?["parameters"]?["parameter"] == "name", "\(result.stdout)")
        // Replacing one of the thousand is no new list.
        #expect(replies["replace-999"]?["error"] == nil, "\(result.stdout)")
    }

    /// Fills a list to a million codes, then asks for one more, in another list too; then makes
    /// a thousand lists and a thousand and first. Prints `<step> <reply>` per step.
    static let watchLimitsProbe = #"""
        import json, socket, sys
        CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
        def uscc(serial):                        # GB 11714 and GB 32100 check characters
            body = "%08d" % serial
            c = 11 - sum(int(d) * w for d, w in zip(body, [3, 7, 9, 10, 5, 8, 4, 2])) % 11
            first17 = "91410100" + body + ("X" if c == 10 else "0" if c == 11 else str(c))
            weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
            return first17 + CHARS[(31 - sum(CHARS.index(ch) * w for ch, w in zip(first17, weights)) % 31) % 31]
        s = socket.socket(socket.AF_UNIX)
        s.connect(sys.argv[1])
        pending = b""
        def call(method, **parameters):
            global pending
            s.sendall(json.dumps({"method": "org.qcredit.query." + method, "parameters": parameters}).encode() + b"\0")
            while b"\0" not in pending: pending += s.recv(65536)
            reply, _, pending = pending.partition(b"\0")
            return json.loads(reply)
        def step(name, reply): print(name, json.dumps(reply), flush=True)
        codes = [uscc(40_000_000 + n) for n in range(1_000_000)]
        for start in range(0, len(codes), 40_000):
            reply = call("SetWatchList" if start == 0 else "AddToWatchList", name="book", codes=codes[start:start + 40_000])
            if "error" in reply: break
        step("filled", reply)
        one = [uscc(39_000_000)]
        step("one-more", call("AddToWatchList", name="book", codes=one))
        step("another-list", call("SetWatchList", name="other", codes=one))
        call("DeleteWatchList", name="book")
        for n in range(1000): reply = call("SetWatchList", name=f"list-{n}", codes=one)
        step("list-999", reply)
        step("list-1000", call("SetWatchList", name="list-1000", codes=one))
        step("replace-999", call("SetWatchList", name="list-999", codes=one))
        """#
}
