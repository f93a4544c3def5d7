import CanonicalJSON
import Foundation
import Glibc
import Testing

@testable import QCreditCLI

/// The `qcredit` client end to end: each test starts its own `qcreditd` (development mode, so
/// the test user holds every role) and runs the built client as a user would.
@Suite struct CLITests {
    typealias CLI = CLIHarness

    // MARK: Grades

    /// A file operation Foundation refused is said in the system's words, as Foundation on Linux
    /// reports it (the errno under a Cocoa error, kept as a Swift error).
    @Test func aRefusedFileOperationIsSaidInTheSystemsWords() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("qcredit-not-a-directory-\(UUID().uuidString)").path
        #expect(FileManager.default.createFile(atPath: file, contents: Data()))
        defer { try? FileManager.default.removeItem(atPath: file) }
        let error = #expect(throws: (any Error).self) {
            try FileManager.default.createDirectory(atPath: file + "/backup", withIntermediateDirectories: true)
        }
        #expect(error.map(fileErrorText) == "not a directory")
    }

    /// Results that cannot be written are a failure (exit 2, said on stderr), not a success
    /// with nothing written: a script saving evidence with `>` on a full disk kept an empty file
    /// and went on. Standard output is /dev/full here.
    @Test func resultsThatCannotBeWrittenAreAFailure() async throws {
        let daemon = try await DaemonProcess()
        let cli = CLIHarness(daemon: daemon)
        try await cli.register(CLIHarness.cement, name: "示例水泥有限公司")
        let commands: [[String]] = [
            ["status"], ["status", "--json"], ["file", CLIHarness.cement], ["grades", "-"], ["check-code", CLIHarness.cement],
            ["info"],
        ]
        for arguments in commands {
            let script = #"printf '%s\n' "$2" | "$0" "${@:3}" --socket "$1" > /dev/full"#
            let result = try await runCommand(
                "/bin/bash", ["-c", script, CLIHarness.executable, daemon.socketPath, CLIHarness.cement] + arguments)
            #expect(result.status == 2, "\(arguments): \(result)")
            let said = arguments.contains("--json") ? #""message":"cannot write standard output: "# : "cannot write standard output: "
            #expect(result.stderr.contains(said), "\(arguments): \(result.stderr)")
        }
    }

    /// What a user typed comes back in messages and tables, and must not drive the terminal:
    /// an escape sequence (ESC[2J clears the screen) or a right-to-left override in a code was
    /// printed raw in the refusal.
    @Test func typedControlAndBidiCharactersDoNotReachTheTerminalRaw() async throws {
        let daemon = try await DaemonProcess()
        let cli = CLIHarness(daemon: daemon)
        for code in ["9115\u{1B}[2J22010783762860", "9115\u{202E}22010783762860"] {
            for arguments in [["check-code", code], ["grade", code]] {
                let result = try await cli.run(arguments)
                #expect(result.status == 1, "\(arguments): \(result)")
                #expect(!result.stderr.unicodeScalars.contains { $0 == "\u{1B}" || $0 == "\u{202E}" }, "\(arguments): \(result.stderr)")
                #expect(result.stderr.contains("\\u{1B}[2J") || result.stderr.contains("\\u{202E}"), "\(arguments): \(result.stderr)")
            }
        }
        let table = try await cli.run(["grades", "-"], input: "9115\u{202E}22010783762860\n")
        #expect(!table.stdout.unicodeScalars.contains("\u{202E}") && table.stdout.contains("\u{FFFD}"), "\(table.stdout)")
    }

    /// An argument that is not UTF-8 is refused before anything is sent: it reached the command
    /// with U+FFFD in place of its bytes, and a name was registered as "�abc" for good.
    @Test func anArgumentThatIsNotUTF8IsRefusedBeforeAnythingIsSent() async throws {
        let daemon = try await DaemonProcess()
        let script = #""$0" register 911522010783762860 --name "$(printf 'ab\377c')" --socket "$1""#
        let result = try await runCommand("/bin/bash", ["-c", script, CLIHarness.executable, daemon.socketPath])
        #expect(result.status == 2, "\(result)")
        #expect(result.stderr.contains("argument 4 is not UTF-8 text (byte 0xFF at byte 3)"), "\(result.stderr)")
        let file = try await CLIHarness(daemon: daemon).run(["file", "911522010783762860"])
        #expect(file.status == 1 && file.stderr.contains("NotFound"), "nothing was registered: \(file)")
    }

    /// A mistyped command is named as such, in the form `--json` asks for (it was reported as
    /// `--json` being an unknown option); `help` of no command fails rather than print the overview.
    @Test func aMistypedCommandIsNamed() async throws {
        let said = "no command named 'gade'. See 'qcredit --help' for the commands."
        for arguments in [["gade", CLIHarness.cement], ["help", "gade"], ["gade", "--json"]] {
            let result = try await CLIHarness.run(arguments)
            #expect(result.status == 2, "\(arguments): \(result)")
            #expect(result.stdout.isEmpty, "\(arguments): \(result)")
            let expected = arguments.contains("--json")
                ? #"{"error":"UsageError","parameters":{"message":"\#(said)"}}"# + "\n" : "Error: \(said)\n"
            #expect(result.stderr == expected, "\(arguments): \(result.stderr)")
        }
        #expect(try await CLIHarness.run(["help", "grade"]).status == 0)
    }

    /// A reply the interface does not declare is not printed as an answer: a program on the
    /// socket that answered GetGrade with `{"grade":{"x":1}}` was shown as "Grade - (never
    /// graded)", exit 0. It is a broken connection (exit 3), as non-varlink bytes are.
    @Test func aReplyTheInterfaceDoesNotDeclareIsNotAnAnswer() async throws {
        let scratch = try ScratchDirectory("rogue")
        let socket = scratch.path("rogue.sock")
        let server = #"""
            import socket, sys
            replies = [b'{"parameters":{"grade":{"x":1}}}\0', b'{"error":"org.qcredit.query.Bogus","parameters":{}}\0',
                       b'{"parameters":{"foo":1}}\0', b'{"error":"com.example.Bogus","parameters":{}}\0',
                       b'{"parameters":{"foo":1}}\0']
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.bind(sys.argv[1]); s.listen(4)
            print("listening", flush=True)
            for reply in replies:
                c, _ = s.accept(); data = b""
                while not data.endswith(b"\0"): data += c.recv(65536)
                c.sendall(reply); c.close()
            """#
        let process = try TestProcess("/usr/bin/python3", ["-c", server, socket], logPath: scratch.path("server.out"))
        defer { process.signal(SIGKILL) }
        _ = try await process.waitForLine(containing: "listening", seconds: 30)
        let malformed = try await CLIHarness.run(["grade", CLIHarness.cement, "--socket", socket])
        #expect(malformed.status == 3, "\(malformed)")
        #expect(malformed.stderr.contains("the reply to org.qcredit.query.GetGrade is not what its interface declares"), "\(malformed.stderr)")
        #expect(malformed.stdout.isEmpty, "\(malformed.stdout)")
        let undeclared = try await CLIHarness.run(["grade", CLIHarness.cement, "--socket", socket])
        #expect(undeclared.status == 3, "\(undeclared)")
        #expect(undeclared.stderr.contains("the error org.qcredit.query.Bogus answered to org.qcredit.query.GetGrade is not what its interface declares"), "\(undeclared.stderr)")
        // `info`, which says what answers on the socket, is checked against org.varlink.service.
        let info = try await CLIHarness.run(["info", "--socket", socket])
        #expect(info.status == 3 && info.stdout.isEmpty, "\(info)")
        #expect(info.stderr.contains("the reply to org.varlink.service.GetInfo is not what its interface declares"), "\(info.stderr)")
        let infoError = try await CLIHarness.run(["info", "--socket", socket, "--json"])
        #expect(infoError.status == 3 && infoError.stdout.isEmpty, "\(infoError)")
        #expect(infoError.stderr.contains("com.example.Bogus answered to org.varlink.service.GetInfo is not what its interface declares"), "\(infoError.stderr)")
        let called = try await CLIHarness.run(["call", "org.varlink.service.GetInfo", "--socket", socket])
        #expect(called.status == 3 && called.stdout.isEmpty, "\(called)")
    }

    @Test func registerRecordPublishThenGradeByEitherCode() async throws {
        let cli = CLIHarness(daemon: try await DaemonProcess())
        let registered = try await cli.succeed(["register", CLI.cement, "--name", "贵州黔南某某水泥有限公司"])
        #expect(registered.contains("911522010783762860"))
        #expect(registered.contains("07837628-6"))
        let recorded = try await cli.succeed(CLI.eventArguments(CLI.cement))
        #expect(recorded == "Recorded event 1.\n")
        // Published now, or a moment earlier by the daemon itself (see FreshGradeTests).
        let published = try await cli.succeed(["publish"])
        #expect(published.contains("Published   1") || published.contains("Unchanged   1"), "\(published)")

        // Base 80, a medium failed spot check 30 days ago: -10 × (window − 30)/window ≈ -10.
        for code in [CLI.cement, CLI.cementOrgCode] {
            let text = try await cli.succeed(["grade", code])
            #expect(text.contains("Grade        B\n"), "\(text)")
            #expect(text.contains("Basis        computed\n"))
            #expect(text.contains("Score        70\n"))
            #expect(text.contains("Enterprise   贵州黔南某某水泥有限公司\n"))
            #expect(text.contains("Contributions (total -10)"))
            #expect(text.contains("spot-check-failed"))
            #expect(text.contains("= -10"))
        }

        let reply = try await cli.json(["grade", CLI.cementOrgCode])
        let grade = try #require(reply["grade"]?.objectValue)
        let gradeFields: Set = [
            "enterprise", "grade", "basis", "at", "publishedGrade", "score", "policyVersion", "effectiveAt",
            "overrideReason", "documentNumber", "until", "contributions", "scoreGrade", "eventCaps", "caps", "listed", "logIndex",
        ]
        #expect(Set(grade.keys) == gradeFields)
        #expect(grade["grade"] == "B")
        #expect(grade["basis"] == "computed")
        #expect(grade["score"] == 70)
        #expect(grade["logIndex"]?.intValue != nil)
        let enterprise = try #require(grade["enterprise"]?.objectValue)
        #expect(
            Set(enterprise.keys) == ["uscc", "orgCode", "name", "formerNames", "divisionCode", "entityType", "status", "flags"])
        #expect(enterprise["uscc"] == .string(CLI.cement))
        let contribution = try #require(grade["contributions"]?.arrayValue?.first?.objectValue)
        #expect(
            Set(contribution.keys) == [
                "eventId", "kind", "severity", "dimension", "occurredOn", "points", "remainingDays", "windowDays", "value",
            ])
        #expect(contribution["value"] == -10)
    }

    @Test func gradeAtAPastMomentAsksGetGradeAt() async throws {
        let cli = CLIHarness(daemon: try await DaemonProcess())
        try await cli.register(CLI.cement, name: "贵州黔南某某水泥有限公司")
        let reply = try await cli.json(["grade", CLI.cement, "--at", CLI.date(daysAgo: 1)])
        #expect(reply["grade"]?["basis"] == "ungraded")
        let text = try await cli.succeed(["grade", CLI.cement, "--at", "\(CLI.date(daysAgo: 1))T12:00:00+08:00"])
        #expect(text.contains("Grade        - (never graded)"))
    }

    @Test func gradesStreamsOneRowPerCodeAndFailsWhenAnyCodeHasAnError() async throws {
        let cli = CLIHarness(daemon: try await DaemonProcess())
        try await cli.register(CLI.cement, name: "贵州黔南某某水泥有限公司")
        try await cli.register(CLI.materials, name: "贵阳某某建材有限公司")
        try await cli.succeed(["publish"])
        let input = """
            # a bank's batch
            \(CLI.cement)

            \(CLI.wrongCheck)
            \(CLI.unregistered)   # never registered
            \(CLI.materials)

            """
        let result = try await cli.run(["grades", "-"], input: input)
        #expect(result.status == 1, "\(result.stderr)")
        let lines = result.lines
        #expect(lines.count == 5, "\(result.stdout)")
        #expect(lines.first?.hasPrefix("CODE") == true)
        #expect(lines[1].hasPrefix("\(CLI.cement)  A "))
        #expect(lines[1].hasSuffix("贵州黔南某某水泥有限公司"))
        #expect(lines[2].hasPrefix("\(CLI.wrongCheck)  error  InvalidCode: "))
        #expect(lines[2].contains("check character at position 18 should be '0', found '1'"))
        #expect(lines[3].hasPrefix("\(CLI.unregistered)  error  NotFound: "))
        #expect(lines[4].hasPrefix("\(CLI.materials)  A "))

        let jsonResult = try await cli.run(["grades", "-", "--json"], input: input)
        #expect(jsonResult.status == 1)
        let replies = try jsonResult.lines.map { try JSONValue.parse($0) }
        #expect(replies.map { $0["code"]?.stringValue } == [CLI.cement, CLI.wrongCheck, CLI.unregistered, CLI.materials])
        #expect(replies[0]["grade"]?["grade"] == "A")
        #expect(replies[1]["error"] == "org.qcredit.query.InvalidCode")
        #expect(replies[2]["error"] == "org.qcredit.query.NotFound")

        let good = try await cli.run(["grades", "-"], input: "\(CLI.cement)\n\(CLI.materials)\n")
        #expect(good.status == 0)
        #expect(good.lines.count == 3)
    }

    /// A bank's messages are limited to 1 MiB: a file of 60,000 codes (about 1.3 MB in one call)
    /// closed the connection and printed no row. It now goes in several calls, rows in file order.
    @Test func gradesOfMoreCodesThanABanksMessageTakesAreAllAnswered() async throws {
        let bankOnly = "socketMode = \"0666\"\n[roles]\nbank = [\"uid:\(getuid())\"]\n"
        let cli = CLIHarness(daemon: try await DaemonProcess(config: bankOnly))
        let codes = (0..<60_000).map { DurabilityTests.uscc($0) }
        let result = try await cli.run(["grades", "-", "--json"], input: codes.joined(separator: "\n") + "\n")
        #expect(result.status == 1, "every code is unknown: \(result.stderr)")
        let answered = try result.lines.map { try JSONValue.parse($0)["code"]?.stringValue }
        #expect(answered.count == codes.count, "\(result.stderr)")
        #expect(answered == codes.map(Optional.some))
    }

    /// Calls are cut by count and by the bytes of their JSON, so a few very long lines (each
    /// answered with an error row) do not make one call too large either.
    @Test func codeBatchesKeepEachCallUnderItsLimits() {
        let codes = ["A", String(repeating: "x", count: 200_000), "B", String(repeating: "\u{1}", count: 50_000), "C", "D"]
        let batches = CodeBatches.split(codes, maximumCount: 2)
        #expect(batches == [0..<2, 2..<3, 3..<4, 4..<6])
        for batch in batches where batch.count > 1 {
            #expect(codes[batch].map(CodeBatches.encodedSize).reduce(0, +) <= CodeBatches.maximumBytes)
        }
        #expect(CodeBatches.split([], maximumCount: 5).isEmpty)
    }

    // MARK: Blacklist

    @Test func blacklistLifecycleFromProposalToRemoval() async throws {
        let cli = CLIHarness(daemon: try await DaemonProcess())
        try await cli.register(CLI.cement, name: "贵州黔南某某水泥有限公司")
        try await cli.succeed(["publish"])

        let proposed = try await cli.json([
            "blacklist", "propose", CLI.cement, "--type", "serious-dishonesty",
            "--reason", "生产销售不合格水泥，情节严重", "--legal-basis", "《市场监督管理严重违法失信名单管理办法》第二条",
            "--authority", "黔南州市场监督管理局", "--document", "黔南市监严〔2026〕5号",
            "--decision-date", CLI.date(daysAgo: 10),
        ])
        #expect(proposed["listing"]?["state"] == "proposed")
        let id = String(try #require(proposed["listing"]?["id"]?.intValue))

        let objected = try await cli.succeed([
            "blacklist", "object", id, "--summary", "产品并非本公司生产", "--filed-on", CLI.date(daysAgo: 9),
        ])
        #expect(objected.hasPrefix("Listing \(id): serious-dishonesty, objected\n"))

        let pending = try await cli.run(["blacklist", "confirm", id])
        #expect(pending.status == 1)
        #expect(
            pending.stderr
                == "InvalidState: listing \(id) is objected: cannot confirm: an objection is pending; resolve it first\n")

        let resolved = try await cli.succeed([
            "blacklist", "resolve", id, "--outcome", "rejected", "--authority", "黔南州市场监督管理局",
            "--document", "复核〔2026〕2号", "--resolved-on", CLI.date(daysAgo: 8), "--summary", "证据确凿",
        ])
        #expect(resolved.contains("objection rejected; 证据确凿"))

        let confirmed = try await cli.json(["blacklist", "confirm", id, "--publication-date", CLI.date(daysAgo: 7)])
        #expect(confirmed["listing"]?["state"] == "listed")
        #expect(confirmed["listing"]?["steps"]?.arrayValue?.count == 4)

        let again = try await cli.run(["blacklist", "confirm", id])
        #expect(again.status == 1)
        #expect(again.stderr == "InvalidState: listing \(id) is listed: cannot confirm: it is already listed\n")

        let check = try await cli.succeed(["blacklist", "check", CLI.cementOrgCode])
        #expect(check.contains("Listed       yes: serious-dishonesty\n"), "\(check)")
        #expect(check.contains("Listing \(id): serious-dishonesty, listed\n"))
        #expect(check.contains("objection-resolved"))
        let checkJSON = try await cli.json(["blacklist", "check", CLI.cement])
        #expect(checkJSON["listed"] == true)
        #expect(checkJSON["listings"]?.arrayValue?.count == 1)

        let grade = try await cli.json(["grade", CLI.cement])
        #expect(grade["grade"]?["grade"] == "D")
        #expect(grade["grade"]?["basis"] == "listing")
        #expect(grade["grade"]?["caps"]?.arrayValue?.first?["binding"] == true)

        let list = try await cli.run(["blacklist", "list", "--type", "serious-dishonesty"])
        #expect(list.status == 0)
        #expect(list.lines.count == 2)
        #expect(list.lines.last?.hasPrefix("\(id) ") == true)
        #expect(list.lines.last?.contains(CLI.cement) == true)

        let removed = try await cli.json([
            "blacklist", "remove", id, "--reason", "revoked", "--authority", "黔南州中级人民法院",
            "--document", "(2026)黔27行初5号", "--explanation", "决定被撤销",
        ])
        #expect(removed["listing"]?["state"] == "removed")
        #expect(removed["listing"]?["removalReason"] == "revoked")
        let closed = try await cli.run(["blacklist", "confirm", id])
        #expect(closed.status == 1)
        #expect(closed.stderr == "InvalidState: listing \(id) is removed: cannot confirm: the listing is closed\n", "\(closed.stderr)")

        let cleared = try await cli.succeed(["blacklist", "check", CLI.cement])
        #expect(cleared.contains("Listed       no\n"))
        #expect(try await cli.succeed(["blacklist", "list"]) == "No listings.\n")
        let emptyJSON = try await cli.run(["blacklist", "list", "--json"])
        #expect(emptyJSON.stdout == "{}\n")
    }

    @Test func aProposalCanBeWithdrawn() async throws {
        let cli = CLIHarness(daemon: try await DaemonProcess())
        try await cli.register(CLI.materials, name: "贵阳某某建材有限公司")
        let proposed = try await cli.json([
            "blacklist", "propose", CLI.materials, "--type", "abnormal-operations", "--reason", "未按期公示年度报告",
            "--legal-basis", "《企业经营异常名录管理暂行办法》第四条", "--authority", "贵阳市市场监督管理局",
            "--document", "筑市监异〔2026〕1号", "--decision-date", CLI.date(daysAgo: 3),
        ])
        let id = String(try #require(proposed["listing"]?["id"]?.intValue))
        let withdrawn = try await cli.succeed(["blacklist", "withdraw", id, "--reason", "已补报"])
        #expect(withdrawn.hasPrefix("Listing \(id): abnormal-operations, withdrawn\n"))
    }

    // MARK: Events

    @Test func eventsBatchFromAJSONLinesFileIsAtomic() async throws {
        let daemon = try await DaemonProcess()
        let cli = CLIHarness(daemon: daemon)
        try await cli.register(CLI.materials, name: "贵阳某某建材有限公司")
        func event(_ kind: String, daysAgo: Int, summary: String) -> String {
            JSONValue.object([
                "code": .string(CLI.materials), "dimension": "product", "kind": .string(kind), "severity": "low",
                "occurredOn": .string(CLI.date(daysAgo: daysAgo)), "authority": "贵阳市市场监督管理局",
                "documentNumber": "筑市监抽〔2026〕1号", "summary": .string(summary), "legalBasis": nil,
            ]).jsonText
        }
        let file = daemon.directory.appendingPathComponent("events.jsonl").path
        try """
            # two spot checks
            \(event("spot-check-passed", daysAgo: 20, summary: "合格"))

            \(event("spot-check-failed", daysAgo: 10, summary: "标签不合格 #2"))

            """.write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try await cli.succeed(["events", file]) == "Recorded 2 events: 1, 2.\n")

        // A refusal names the line of the event refused, and records nothing.
        let future = daemon.directory.appendingPathComponent("future.jsonl").path
        try (event("recall", daysAgo: 5, summary: "召回") + "\n" + event("recall", daysAgo: -400, summary: "未来") + "\n")
            .write(toFile: future, atomically: true, encoding: .utf8)
        let refused = try await cli.run(["events", future])
        #expect(refused.status == 1)
        #expect(refused.stderr.hasPrefix("InvalidArgument: events[1].occurredOn: "), "\(refused.stderr)")
        #expect(refused.stderr.hasSuffix("(\(future):2)\n"))
        let file2 = try await cli.json(["file", CLI.materials])
        #expect(file2["file"]?["events"]?.arrayValue?.count == 2)

        // Bad local input is a usage error (2), reported with its line, before any call.
        let malformed = try await cli.run(["events", "-"], input: event("award", daysAgo: 1, summary: "x") + "\n{\"code\": \n")
        #expect(malformed.status == 2)
        #expect(malformed.stderr.hasPrefix("standard input:2: malformed JSON: "), "\(malformed.stderr)")
        let incomplete = try await cli.run(["events", "-"], input: "{\"code\": \"\(CLI.materials)\", \"kind\": \"award\"}\n")
        #expect(incomplete.status == 2)
        #expect(
            incomplete.stderr
                == "standard input:1: missing members \"dimension\", \"severity\", \"occurredOn\", \"authority\", \"documentNumber\", \"summary\"\n"
        )
        let unreadable = try await cli.run(["events", "/nonexistent/events.jsonl"])
        #expect(unreadable.status == 2)
        #expect(unreadable.stderr == "cannot read /nonexistent/events.jsonl: no such file or directory\n")
        // So is an update that changes nothing, and a commitment letter that cannot be read (with the system's reason).
        let unchanged = try await cli.run(["update", CLI.materials, "--reason", "复核"])
        #expect(unchanged.status == 2)
        #expect(unchanged.stderr.contains("give what changes: --name, --status or both"), "\(unchanged.stderr)")
        let letter = try await cli.run([
            "repair", "apply", "1", "--commitment-letter", "/nonexistent/letter.pdf", "--penalty-fulfilment", "罚款已缴纳",
            "--contact", "张三 0471-1234567",
        ])
        #expect(letter.status == 2)
        #expect(letter.stderr.contains("cannot read /nonexistent/letter.pdf: no such file or directory"), "\(letter.stderr)")
    }

    @Test func correctAndRetractEvents() async throws {
        let cli = CLIHarness(daemon: try await DaemonProcess())
        try await cli.register(CLI.cement, name: "贵州黔南某某水泥有限公司")
        try await cli.succeed(CLI.eventArguments(CLI.cement))
        try await cli.succeed(CLI.eventArguments(CLI.cement, kind: "complaint", severity: "low", daysAgo: 5))
        let replacement = JSONValue.object([
            "code": .string(CLI.cement), "dimension": "product", "kind": "spot-check-failed", "severity": "low",
            "occurredOn": .string(CLI.date(daysAgo: 30)), "authority": "黔南州市场监督管理局",
            "documentNumber": "黔南市监抽〔2026〕3号", "summary": "复检后降为轻微",
        ]).jsonText
        #expect(
            try await cli.succeed(["correct-event", "1", "--reason", "复检", "--event-json", replacement])
                == "Recorded event 3, superseding event 1.\n")
        #expect(
            try await cli.succeed(["correct-event", "2", "--reason", "重复投诉", "--retract"])
                == "Retracted event 2 (retraction recorded as event 4).\n")
        let file = try await cli.succeed(["file", CLI.cement])
        #expect(file.contains("superseded by 3"))
        #expect(file.contains("retracts 2"))
        let neither = try await cli.run(["correct-event", "1", "--reason", "x"])
        #expect(neither.status == 2)
    }

    // MARK: Local code checks

    @Test func checkCodeValidatesLocallyWithoutADaemon() async throws {
        let valid = try await CLI.run(["check-code", "9115 2201 0783 7628 60", "--socket", "/nonexistent/qcreditd.sock"])
        #expect(valid.status == 0)
        #expect(valid.stdout.contains("Code                    911522010783762860\n"))
        #expect(valid.stdout.contains("Embedded org code       07837628-6\n"))
        #expect(valid.stdout.contains("Division                152201\n"))
        #expect(valid.stdout.contains("Entity type             1 (enterprise)\n"))

        let wrong = try await CLI.run(["check-code", CLI.wrongCheck])
        #expect(wrong.status == 1)
        #expect(wrong.stdout.isEmpty)
        #expect(wrong.stderr == "InvalidCode: 911522010783762861: check character at position 18 should be '0', found '1'\n")

        let wrongJSON = try await CLI.run(["check-code", CLI.wrongCheck, "--json"])
        #expect(wrongJSON.status == 1)
        let error = try JSONValue.parse(wrongJSON.stderr)
        #expect(error["error"] == "org.qcredit.query.InvalidCode")
        #expect(error["parameters"]?["position"] == 18)
        #expect(error["parameters"]?["expected"] == "0")
        #expect(error["parameters"]?["found"] == "1")

        let legacy = try await CLI.run(["check-code", "07837628-6", "--json"])
        let facts = try JSONValue.parse(legacy.stdout)
        #expect(facts["kind"] == "orgCode")
        #expect(facts["code"] == "078376286")
    }

    // MARK: Errors and exit statuses

    @Test func aDaemonThatIsNotRunningExitsThree() async throws {
        let missing = "/tmp/qcredit-cli-\(UUID().uuidString.prefix(8))/qcreditd.sock"
        let result = try await CLI.run(["grade", CLI.cement, "--socket", missing])
        #expect(result.status == 3)
        #expect(
            result.stderr
                == "cannot connect to qcreditd at \(missing): no such file or directory; is it running? set --socket or QCREDIT_SOCKET\n"
        )
        // A file or folder where the socket should be is named as such, not "is it running?".
        let notASocket = try await CLI.run(["grade", CLI.cement, "--socket", "/etc/hostname"])
        #expect(notASocket.status == 3)
        #expect(notASocket.stderr.contains("/etc/hostname: it is a file, not a socket"), "\(notASocket.stderr)")
        // A $QCREDIT_SOCKET that is not UTF-8 is refused, not changed into another path and tried.
        let notUTF8 = try await runCommand(
            "/bin/sh", ["-c", "QCREDIT_SOCKET=$(printf '/tmp/\\377.sock') exec \"$1\" info", "sh", CLIHarness.executable])
        #expect(notUTF8.status == 2 && notUTF8.stderr.contains("$QCREDIT_SOCKET is not UTF-8 text (byte 0xFF at byte 6)"), "\(notUTF8)")
        // An empty --socket (an unset variable) is a usage error, not the system's socket.
        let empty = try await CLI.run(["grade", CLI.cement, "--socket", ""])
        #expect(empty.status == 2 && empty.stderr.contains("--socket: the path is empty"), "\(empty.stderr)")
        let json = try await CLI.run(["grade", CLI.cement, "--socket", missing, "--json"])
        #expect(json.status == 3)
        #expect(json.stdout.isEmpty)
        #expect(try JSONValue.parse(json.stderr)["error"] == "ConnectionFailed")
        // The JSON's reason says the same as the text: not "connection refused" for a file.
        let fileAsJSON = try await CLI.run(["grade", CLI.cement, "--socket", "/etc/hostname", "--json"])
        #expect(try JSONValue.parse(fileAsJSON.stderr)["parameters"]?["reason"] == "it is a file, not a socket", "\(fileAsJSON.stderr)")

        // A code no registry could hold is refused without the daemon (exit 1, its InvalidCode);
        // a wrong check character alone is the daemon's to judge (it may hold such a code).
        let impossible = try await CLI.run(["grade", String(CLI.cement.dropLast()), "--socket", missing])
        #expect(impossible.status == 1)
        #expect(impossible.stderr.hasPrefix("InvalidCode: 91152201078376286: "), "\(impossible.stderr)")
        let impossibleJSON = try await CLI.run(["publish", CLI.cement, "XYZ", "--socket", missing, "--json"])
        #expect(impossibleJSON.status == 1)
        // As the daemon says it: the admin interface's error, the code's place in the call.
        let refusal = try JSONValue.parse(impossibleJSON.stderr)
        #expect(refusal["error"] == "org.qcredit.admin.InvalidCode", "\(impossibleJSON.stderr)")
        #expect(refusal["parameters"]?["reason"]?.stringValue?.hasPrefix("codes[1]: ") == true, "\(impossibleJSON.stderr)")
        #expect(try await CLI.run(["grade", CLI.wrongCheck, "--socket", missing]).status == 3)

        // A batch begins no table it cannot fill: stdout stays empty (its header came first).
        let codes = try ScratchDirectory("unreachable-grades")
        try "\(CLI.cement)\n".write(toFile: codes.path("codes.txt"), atomically: true, encoding: .utf8)
        let batch = try await CLI.run(["grades", codes.path("codes.txt"), "--socket", missing])
        #expect(batch.status == 3)
        #expect(batch.stdout.isEmpty, "\(batch.stdout)")

        // A stopped daemon: the socket may be gone or refuse; either way, status 3.
        let daemon = try await DaemonProcess()
        await daemon.stop()
        let stopped = try await CLIHarness(daemon: daemon).run(["info"])
        #expect(stopped.status == 3)
        #expect(stopped.stderr.hasPrefix("cannot connect to qcreditd at \(daemon.socketPath): "))
    }

    @Test func registryRefusalsExitOneWithTheErrorRendered() async throws {
        let cli = CLIHarness(daemon: try await DaemonProcess())
        let invalid = try await cli.run(["grade", CLI.wrongCheck])
        #expect(invalid.status == 1)
        #expect(invalid.stdout.isEmpty)
        #expect(invalid.stderr == "InvalidCode: 911522010783762861: check character at position 18 should be '0', found '1'\n")
        // An empty code is said as `check-code` says it (it was "InvalidCode: : …").
        let empty = try await cli.run(["grade", ""])
        #expect(empty.status == 1)
        #expect(empty.stderr.hasPrefix("InvalidCode: (empty): "), "\(empty.stderr)")

        let unknown = try await cli.run(["file", CLI.unregistered])
        #expect(unknown.status == 1)
        #expect(unknown.stderr == "NotFound: no credit file is registered under 9115220107837941X1\n")

        let noListing = try await cli.run(["blacklist", "confirm", "99"])
        #expect(noListing.status == 1)
        #expect(noListing.stderr == "ListingNotFound: no listing 99\n")

        let json = try await cli.run(["grade", CLI.wrongCheck, "--json"])
        #expect(json.status == 1)
        #expect(json.stdout.isEmpty)
        let error = try JSONValue.parse(json.stderr)
        #expect(error["error"] == "org.qcredit.query.InvalidCode")
        #expect(error["parameters"]?["kind"] == "wrongCheckCharacter")
        #expect(error["parameters"]?["position"] == 18)
    }

    /// Credit repair from the command line: too early is refused with the rule and the first
    /// eligible day; an application is listed, shows as overdue in `status`, and its approval
    /// removes the listing.
    @Test func creditRepairIsAnApplicationThenADecision() async throws {
        let cli = CLIHarness(daemon: try await DaemonProcess())
        try await cli.register(CLI.cement, name: "贵州黔南某某水泥有限公司")
        let propose = { (decisionDate: String) async throws -> JSONValue in
            try await cli.json([
                "blacklist", "propose", CLI.cement, "--type", "serious-dishonesty", "--reason", "substandard cement",
                "--legal-basis", "SAMR Order No. 44 (2021), Art. 9", "--authority", "黔南州市场监督管理局", "--document", "黔严1",
                "--decision-date", decisionDate,
            ])
        }
        let recent = try #require(try await propose(CLIHarness.today)["listing"]?["id"]?.intValue)
        _ = try await cli.json(["blacklist", "confirm", String(recent)])
        let letter = try cli.daemon.write("我司承诺守法经营", to: "letter.txt")
        let tooEarly = try await cli.run([
            "repair", "apply", String(recent), "--commitment-letter", letter, "--penalty-fulfilment", "罚款已缴", "--contact", "王经理",
        ])
        #expect(tooEarly.status == 1)
        #expect(tooEarly.stderr.hasPrefix("RepairNotEligible: listing \(recent): the minimum period since publication has not passed"))
        #expect(tooEarly.stderr.contains("; eligible from "), "\(tooEarly.stderr)")
        _ = try await cli.json(["blacklist", "remove", String(recent), "--reason", "revoked", "--authority", "黔南州", "--document", "撤1"])

        // Published 2025-01-02: repairable from 2026-01-02, its three-year term not ended until 2028.
        let old = try #require(try await propose("2025-01-01")["listing"]?["id"]?.intValue)
        _ = try await cli.json(["blacklist", "confirm", String(old), "--publication-date", "2025-01-02"])
        let application = try await cli.json([
            "repair", "apply", String(old), "--commitment-letter", letter, "--penalty-fulfilment", "罚款已缴",
            "--contact", "王经理", "--applied-on", "2026-02-01",
        ])
        let id = try #require(application["application"]?["id"]?.intValue)
        #expect(application["application"]?["decideBy"] == "2026-02-16")
        let pending = try await cli.run(["repair", "list", "--pending"])
        #expect(pending.stdout.contains("pending (overdue)"), "\(pending.stdout)")
        let status = try await cli.run(["status"])
        #expect(status.stdout.contains("Repairs overdue  application \(id) (listing \(old), due 2026-02-16)"), "\(status.stdout)")
        #expect(status.stdout.contains("Last export      none in the exports directory (the next export is a full one)"), "\(status.stdout)")
        let decided = try await cli.run(["repair", "decide", String(id), "--decision", "approve", "--reason", "整改完成", "--document", "黔修1"])
        #expect(decided.status == 0, "\(decided.stderr)")
        #expect(decided.stdout.contains("approved"), "\(decided.stdout)")
        #expect(decided.stdout.contains("removed"), "\(decided.stdout)")
        #expect(try await cli.run(["repair", "list", "--pending"]).stdout == "No applications.\n")
    }

    @Test func permissionDeniedNamesTheMethodAndTheRoleItNeeds() async throws {
        let cli = CLIHarness(daemon: try await DaemonProcess(config: DaemonProcess.config(grantingMe: "bank")))
        let result = try await cli.run(["register", CLI.cement, "--name", "x"])
        #expect(result.status == 1)
        #expect(result.stderr == "PermissionDenied: org.qcredit.admin.RegisterEnterprise requires regulator\n")
    }

    /// A role granted to a user or group this system does not know is most often a typing
    /// error: the daemon starts (the name may be made later) and says so in its log.
    @Test func aRoleGrantedToAnUnknownUserOrGroupIsWarnedAbout() async throws {
        let config = """
            stateDirectory = "@STATE@"
            socket = "@SOCKET@"
            [roles]
            operator = ["uid:\(getuid())"]
            bank = ["user:qcredit-no-such-user", "group:qcredit-no-such-group"]
            """
        let daemon = try await DaemonProcess(config: config)
        await #expect(try CLIHarness(daemon: daemon).run(["status"]).status == 0)
        let log = daemon.log
        #expect(log.contains("roles.bank grants user:qcredit-no-such-user, which this system does not know"), "\(log)")
        #expect(log.contains("roles.bank grants group:qcredit-no-such-group, which this system does not know"), "\(log)")
    }

    /// An export that cannot be written is answered ExportFailed with the reason, and the
    /// daemon's log keeps it (the nightly timer's output may be gone by morning).
    @Test func aFailedExportIsAnsweredAndLogged() async throws {
        let daemon = try await DaemonProcess()
        let cli = CLIHarness(daemon: daemon)
        try await cli.register(CLI.cement, name: "贵州黔南某某水泥有限公司")
        let exports = daemon.stateDirectory + "/exports"
        try? FileManager.default.removeItem(atPath: exports)
        try Data("not a directory".utf8).write(to: URL(fileURLWithPath: exports))
        let failed = try await cli.run(["export"])
        #expect(failed.status != 0)
        #expect(failed.stderr.contains("ExportFailed"), "\(failed.stderr)")
        #expect(daemon.log.contains("export failed"), "\(daemon.log)")
        try FileManager.default.removeItem(atPath: exports)
        #expect(try await cli.run(["export"]).status == 0)
        #expect(daemon.log.contains("export written"), "\(daemon.log)")
    }

    /// The newest export is the base of the next: one whose MANIFEST or checkpoint no longer
    /// verifies with the log's keys is refused as a base (ExportFailed), not extended.
    @Test func anExportThatNoLongerVerifiesIsNotExtended() async throws {
        let daemon = try await DaemonProcess()
        let cli = CLIHarness(daemon: daemon)
        try await cli.register(CLI.cement, name: "贵州黔南某某水泥有限公司")
        let first = try await cli.json(["export"])
        let name = try #require(first["name"]?.stringValue)
        let exports = daemon.stateDirectory + "/exports"
        let manifest = exports + "/" + name + "/MANIFEST"
        // A byte of a signed line changed, the MANIFEST still well formed: its signatures no longer verify.
        let original = try String(contentsOfFile: manifest, encoding: .utf8)
        let altered = original.replacingOccurrences(of: "# created 2", with: "# created 1")
        #expect(altered != original)
        try altered.write(toFile: manifest, atomically: false, encoding: .utf8)
        try await cli.register(CLI.materials, name: "贵阳某某建材有限公司")
        let refused = try await cli.run(["export"])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("ExportFailed") && refused.stderr.contains("the previous export \(name) does not verify"), "\(refused.stderr)")
        // Moved aside (to be looked into), the next export is full.
        try FileManager.default.moveItem(atPath: exports + "/" + name, toPath: daemon.directory.appendingPathComponent(name).path)
        #expect(try await cli.json(["export"])["kind"] == "full")
    }

    /// A cured removal ends the listing's disclosure at once under the default policy: the
    /// export that published it is withdrawn before the reply, and the daemon's log says which.
    @Test func aCuredRemovalWithdrawsTheExportAndTheLogSaysSo() async throws {
        let daemon = try await DaemonProcess()
        let cli = CLIHarness(daemon: daemon)
        try await cli.register(CLI.cement, name: "贵州黔南某某水泥有限公司")
        let id = try await cli.confirmedListing(
            CLI.cement, on: "abnormal-operations", reason: "未按期公示年报", legalBasis: "第八条", document: "黔南市监异〔2026〕7号")
        let name = try #require(try await cli.json(["export"])["name"]?.stringValue)
        let directory = daemon.stateDirectory + "/exports/" + name
        #expect(FileManager.default.fileExists(atPath: directory + "/MANIFEST"))
        try await cli.succeed(["blacklist", "remove", id, "--reason", "cured", "--authority", "黔南州", "--document", "移1"])
        #expect(!FileManager.default.fileExists(atPath: directory), "withdrawn before the reply")
        #expect(daemon.log.contains("exports withdrawn: they publish records no longer disclosed"), "\(daemon.log)")
        #expect(daemon.log.contains(name), "\(daemon.log)")
    }

    /// What an altered MANIFEST says is not the log's: an export whose `created` was moved back
    /// (so that a revocation recorded since would withdraw it) is not deleted, by the revocation
    /// or by the next export, which fails until someone looks at it.
    @Test func anAlteredExportIsNeitherWithdrawnNorExtended() async throws {
        let (daemon, cli, id, name) = try await Self.exportedListing()
        let directory = daemon.stateDirectory + "/exports/" + name
        let manifest = try String(contentsOfFile: directory + "/MANIFEST", encoding: .utf8)
        let lines = manifest.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.hasPrefix("# created ") ? "# created 2020-01-01T00:00:00Z" : String(line)
        }
        try lines.joined(separator: "\n").write(toFile: directory + "/MANIFEST", atomically: false, encoding: .utf8)
        _ = try await Self.revokeThenExport(id, altered: name, daemon, cli)
        #expect(FileManager.default.fileExists(atPath: directory + "/MANIFEST"), "still there for whoever looks into it")
    }

    /// One altered signature is enough: an export whose Ed25519 signature file had one byte
    /// changed (its SM2 signature intact) does not verify as `qcredit verify --previous` checks
    /// it, so it is neither withdrawn nor extended (it was taken for one signed before a key
    /// rotation, by the SM2 key it publishes).
    @Test func anExportWithOneAlteredSignatureIsNeitherWithdrawnNorExtended() async throws {
        let (daemon, cli, id, name) = try await Self.exportedListing()
        let directory = daemon.stateDirectory + "/exports/" + name
        let signature = try #require(
            try FileManager.default.contentsOfDirectory(atPath: directory).first { $0.hasPrefix("MANIFEST.ed25519-") })
        var bytes = try Data(contentsOf: URL(fileURLWithPath: directory + "/" + signature))
        bytes[10] ^= 1
        try bytes.write(to: URL(fileURLWithPath: directory + "/" + signature))

        let refused = try await Self.revokeThenExport(id, altered: name, daemon, cli)
        #expect(refused.stderr.contains("the next export then extends the newest export left, or is full when none is left"), "\(refused.stderr)")
    }

    /// A daemon whose one export published a confirmed serious-dishonesty listing: the
    /// listing's id and the export's name.
    static func exportedListing() async throws -> (DaemonProcess, CLIHarness, id: String, name: String) {
        let daemon = try await DaemonProcess()
        let cli = CLIHarness(daemon: daemon)
        try await cli.register(CLI.cement, name: "贵州黔南某某水泥有限公司")
        let id = try await cli.confirmedListing(
            CLI.cement, on: "serious-dishonesty", reason: "生产销售不合格水泥", legalBasis: "第二条", document: "黔南市监严〔2026〕5号")
        return (daemon, cli, id, try #require(try await cli.json(["export"])["name"]?.stringValue))
    }

    /// Revokes listing `id`, which the export `name` (altered since) published: the export is
    /// left in place, not withdrawn, and the next export is refused; returns that refusal.
    static func revokeThenExport(_ id: String, altered name: String, _ daemon: DaemonProcess, _ cli: CLIHarness) async throws
        -> CommandResult
    {
        try await cli.succeed(["blacklist", "remove", id, "--reason", "revoked", "--authority", "黔南州", "--document", "撤1"])
        #expect(FileManager.default.fileExists(atPath: daemon.stateDirectory + "/exports/" + name + "/MANIFEST"), "withdrawn")
        #expect(daemon.log.contains("export does not verify; left in place, not withdrawn"), "\(daemon.log)")
        let refused = try await cli.run(["export"])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("the previous export \(name) does not verify"), "\(refused.stderr)")
        return refused
    }

    /// A MANIFEST that no longer parses (a line added) makes its export unreadable: which tree
    /// it held cannot be known, so it stops the next export just as an altered newest one does,
    /// and it is left in place.
    @Test func anExportWhoseManifestNoLongerParsesStopsExports() async throws {
        let daemon = try await DaemonProcess()
        let cli = CLIHarness(daemon: daemon)
        try await cli.register(CLI.cement, name: "贵州黔南某某水泥有限公司")
        let name = try #require(try await cli.json(["export", "--full"])["name"]?.stringValue)
        let directory = daemon.stateDirectory + "/exports/" + name
        let manifest = try String(contentsOfFile: directory + "/MANIFEST", encoding: .utf8)
        try (manifest + "# x\n").write(toFile: directory + "/MANIFEST", atomically: false, encoding: .utf8)
        let refused = try await cli.run(["export"])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("the export \(name) does not verify"), "\(refused.stderr)")
        #expect(FileManager.default.fileExists(atPath: directory + "/MANIFEST"), "still there for whoever looks into it")
        // Moved out, the next export is full again.
        try FileManager.default.moveItem(atPath: directory, toPath: daemon.directory.appendingPathComponent(name).path)
        #expect(try await cli.json(["export"])["kind"] == "full")
    }

    @Test func usageErrorsExitTwo() async throws {
        let missingCode = try await CLI.run(["grade"])
        #expect(missingCode.status == 2)
        #expect(missingCode.stderr.contains("Missing expected argument '<code>'"))
        let badChoice = try await CLI.run(["blacklist", "remove", "1", "--reason", "expired", "--authority", "a", "--document", "d"])
        #expect(badChoice.status == 2)
        let json = try await CLI.run(["grade", "--json"])
        #expect(json.status == 2)
        #expect(try JSONValue.parse(json.stderr)["error"] == "UsageError")
        let noFile = try await CLI.run(["grades", "/nonexistent/codes.txt"])
        #expect(noFile.status == 2)
        #expect(noFile.stderr == "cannot read /nonexistent/codes.txt: no such file or directory\n")
        // The offline verifiers say why too (they said only "cannot read PATH").
        let vkey = "qcredit.example.gov.cn/registry+9dac4260+AROodBHyVJTDImygJP9Ea874L5TwSfStp2bI/qc3BfSo"  // the README's
        let noProof = try await CLI.run(["verify-proof", "/nonexistent/a.tlog-proof", "--vkey", vkey])
        #expect(noProof.status == 2)
        #expect(noProof.stderr.contains("cannot read /nonexistent/"), "\(noProof.stderr)")
        #expect(noProof.stderr.contains(": no such file or directory"), "\(noProof.stderr)")
        // A negative number is the option's value, refused with the option's own rule (it was
        // read as an option named -1: "Missing value for '--index <index>'").
        let negativeIndex = try await CLI.run(["evidence", "--index", "-1"])
        #expect(negativeIndex.status == 2)
        #expect(negativeIndex.stderr.contains("--index is a log index: 0 or more, not -1"), "\(negativeIndex.stderr)")
        let negativeRetry = try await CLI.run(["watch", "book", "--retry-for", "-5"])
        #expect(negativeRetry.status == 2)
        #expect(negativeRetry.stderr.contains("--retry-for must be 1 to 86400 seconds"), "\(negativeRetry.stderr)")
        // A negative id in an argument's place is named as the value it is (the parser read it
        // as an option and said "Missing expected argument '<listing-id>'").
        for arguments in [["blacklist", "confirm", "-1"], ["event", "correct", "-5"], ["blacklist", "confirm", "3", "-1"]] {
            let negativeId = try await CLI.run(arguments)
            #expect(negativeId.status == 2)
            #expect(negativeId.stderr.contains("is not a valid value: ids, indexes, sizes and counts are 0 or more"), "\(negativeId.stderr)")
        }
        // `--since -1` is a cursor a watch takes: a missing list name is named as missing (audit).
        let noList = try await CLI.run(["watch", "--since", "-1"])
        #expect(noList.status == 2)
        #expect(noList.stderr.contains("Missing expected argument '<list>'"), "\(noList.stderr)")
        let help = try await CLI.run(["--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("EXIT STATUS"))
    }

    // MARK: Socket, info and raw calls

    @Test func theSocketIsFoundThroughQCREDIT_SOCKETAndTheFlagWins() async throws {
        let daemon = try await DaemonProcess()
        let viaEnvironment = try await CLI.run(["info"], environment: ["QCREDIT_SOCKET": daemon.socketPath])
        #expect(viaEnvironment.status == 0, "\(viaEnvironment.stderr)")
        #expect(viaEnvironment.stdout.contains("Product     qcreditd\n"))
        #expect(viaEnvironment.stdout.contains("org.qcredit.query"))

        let flagWins = try await CLI.run(
            ["info", "--socket", daemon.socketPath], environment: ["QCREDIT_SOCKET": "/nonexistent/qcreditd.sock"])
        #expect(flagWins.status == 0)
        let wrongEnvironment = try await CLI.run(["info"], environment: ["QCREDIT_SOCKET": "/nonexistent/qcreditd.sock"])
        #expect(wrongEnvironment.status == 3)
        #expect(wrongEnvironment.stderr.hasPrefix("cannot connect to qcreditd at /nonexistent/qcreditd.sock: "))
    }

    @Test func callPassesRawJSONBothWays() async throws {
        let cli = CLIHarness(daemon: try await DaemonProcess())
        try await cli.register(CLI.cement, name: "贵州黔南某某水泥有限公司")
        let single = try await cli.run(["call", "org.qcredit.query.CheckBlacklist", #"{"code": "07837628-6"}"#])
        #expect(single.status == 0)
        let reply = try JSONValue.parse(single.stdout)
        #expect(reply["listed"] == false)

        let streamed = try await cli.run(["call", "org.qcredit.query.GetGrades", #"{"codes": ["\#(CLI.cement)", "x"]}"#, "--more"])
        #expect(streamed.status == 0)
        #expect(try streamed.lines.map { try JSONValue.parse($0)["code"] } == [.string(CLI.cement), "x"])

        let expectedMore = try await cli.run(["call", "org.qcredit.query.ListBlacklist"])
        #expect(expectedMore.status == 1)
        #expect(expectedMore.stderr == "ExpectedMore: the method streams its replies; call it with --more\n")
        let notAnObject = try await cli.run(["call", "org.qcredit.query.GetGrade", "[1]"])
        #expect(notAnObject.status == 2)
        // A method without its interface is a usage error, not sent (the daemon named a "method" parameter).
        for unqualified in ["GetGrade", "org.qcredit.query.", ".GetGrade", "Org.Qcredit.GetGrade", "org.qcredit.query.getGrade"] {
            let refused = try await cli.run(["call", unqualified, "{}"])
            #expect(refused.status == 2 && refused.stderr.contains("is not a fully qualified method name"), "\(unqualified): \(refused)")
        }
        // A number written with a fraction or an exponent reaches the daemon as one, and 2^53 or
        // more is refused as the wire rules say (it was sent as the integer its digits spell).
        for number in ["1e16", "9007199254740992.0"] {
            let double = try await cli.run(["call", "org.qcredit.audit.GetInclusionProof", #"{"index": 1, "treeSize": \#(number)}"#])
            #expect(double.status == 1, "\(double)")
            #expect(double.stderr.contains("InvalidParameter") && double.stderr.contains("treeSize"), "\(number): \(double.stderr)")
        }
    }

    // MARK: Layout

    /// The resume line's list and socket are shell words a user can paste.
    @Test func resumeLinesQuoteWhatAShellWouldRead() {
        #expect(WatchCommand.shellWord("/run/qcredit/qcreditd.sock") == "/run/qcredit/qcreditd.sock")
        #expect(WatchCommand.shellWord("my book") == "'my book'")
        #expect(WatchCommand.shellWord("it's") == #"'it'\''s'"#)
        #expect(WatchCommand.shellWord("贷款") == "'贷款'")
        #expect(WatchCommand.shellWord("") == "''")
    }

    @Test func chineseTextCountsTwoColumnsPerCharacter() {
        #expect(TextWidth.of("贵州") == 4)
        #expect(TextWidth.of("〔2026〕") == 8)
        #expect(TextWidth.of("ＡＢ") == 4)
        #expect(TextWidth.of("e\u{301}") == 1)
        var table = Table(["NAME", "GRADE"])
        table.append(["贵州黔南某某水泥有限公司", "D"])
        table.append(["Acme", "A"])
        let lines = table.lines()
        // The grade column starts at the same terminal column on every line.
        let gradeColumns = lines.map { line in TextWidth.of(String(line.dropLast(line.hasSuffix("GRADE") ? 5 : 1))) }
        #expect(Set(gradeColumns).count == 1, "\(lines)")
        #expect(TextWidth.cell("a\nb\u{1B}[31m") == "a b [31m")
    }
}
