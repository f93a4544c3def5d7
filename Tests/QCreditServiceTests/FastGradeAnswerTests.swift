import CanonicalJSON
import NIOCore
import QCreditDomain
@testable import QCreditService
import Synchronization
import Testing
import Varlink

/// `GetGrade` answered from the in-memory index gives the very bytes the normal path gives,
/// for every role and every kind of file, and never an answer older than an acknowledged write.
@Suite struct FastGradeAnswerTests {
    static let admin = "org.qcredit.admin."
    static let getGrade = "org.qcredit.query.GetGrade"
    static let peers = [
        ServiceFixture.regulator, ServiceFixture.bank, ServiceFixture.auditor, ServiceFixture.operator,
        ServiceFixture.stranger,
    ]

    /// Codes of files in every state the grade depends on.
    struct Registry {
        var graded = USCC.madeUp(serial: 1)
        var ungraded = USCC.madeUp(serial: 2)
        var overridden = USCC.madeUp(serial: 3)
        var listed = USCC.madeUp(serial: 4)
        var revoked = USCC.madeUp(serial: 5)
        var renamedThenRevoked = USCC.madeUp(serial: 6)
        var legacy = "00251805-7"
        var usccOfLegacy: String {
            let first17 = "91410100" + "002518057"
            return first17 + String(USCC.checkCharacter(forFirst17: first17)!)
        }

        /// Every form of code a client may send: registered, lower case, spaced, legacy, the
        /// USCC around a legacy code, an organization code inside a USCC, unknown, invalid.
        var inputs: [String] {
            [graded, ungraded, overridden, listed, revoked, renamedThenRevoked, legacy, usccOfLegacy,
             "002518057", graded.lowercased(), " " + listed.prefix(8) + " " + listed.dropFirst(8), String(graded.dropFirst(8).prefix(9)),
             USCC.madeUp(serial: 99), "91410100000000010X", "nonsense", ""]
        }
    }

    func decision(_ code: String, _ number: String) -> [String: JSONValue] {
        [
            "code": .string(code), "listType": "serious-dishonesty", "reason": .string("Counterfeit goods \(number)"),
            "legalBasis": "SAMR Order No. 44", "authority": "Zhengzhou AMR", "documentNumber": .string("郑市监严〔2026〕\(number)号"),
            "decisionDate": "2026-03-01",
        ]
    }

    func confirmedListing(_ fixture: ServiceFixture, _ code: String, _ number: String) async throws -> JSONValue {
        let proposed = try await fixture.call(Self.admin + "ProposeListing", decision(code, number))
        let id = try require(proposed["listing"]?["id"], "no listing id")
        _ = try await fixture.call(Self.admin + "ConfirmListing", ["listingId": id])
        return id
    }

    func populate(_ fixture: ServiceFixture, _ codes: Registry) async throws {
        for (code, name) in [
            (codes.graded, "Graded Co."), (codes.ungraded, "Ungraded Co."), (codes.overridden, "Overridden Co."),
            (codes.listed, "Listed Co."), (codes.revoked, "Revoked Co."), (codes.renamedThenRevoked, "Old Name Co."),
            (codes.legacy, "Legacy Office"),
        ] {
            _ = try await fixture.call(Self.admin + "RegisterEnterprise", ["code": .string(code), "name": .string(name)])
        }
        let published = [codes.graded, codes.overridden, codes.listed, codes.revoked, codes.renamedThenRevoked, codes.legacy]
        _ = try await fixture.call(Self.admin + "PublishGrades", ["codes": .array(published.map(JSONValue.string))])
        _ = try await fixture.call(
            Self.admin + "OverrideGrade",
            ["code": .string(codes.overridden), "grade": "B", "reason": "review", "documentNumber": "复核1", "until": "2026-12-31"])
        _ = try await confirmedListing(fixture, codes.listed, "1")
        let revoked = try await confirmedListing(fixture, codes.revoked, "2")
        let renamed = try await confirmedListing(fixture, codes.renamedThenRevoked, "3")
        _ = try await fixture.call(
            Self.admin + "UpdateEnterprise", ["code": .string(codes.renamedThenRevoked), "name": "New Name Co.", "reason": "rename"])
        fixture.clock.advance(days: 10)
        for id in [revoked, renamed] {
            _ = try await fixture.call(
                Self.admin + "RemoveListing",
                ["listingId": id, "reason": "revoked", "authority": "Zhengzhou AMR", "documentNumber": "郑市监撤〔2026〕1号"])
        }
    }

    /// The frame the normal path sends, and the one the event loop would send (nil: none).
    /// When the call's message is also answered from its bytes, that answer must be the
    /// event loop's too.
    func bothAnswers(_ fixture: ServiceFixture, code: String, as peer: VarlinkPeerCredentials) async -> (normal: [UInt8], fast: [UInt8]?) {
        let answers = await allAnswers(fixture, code: code, as: peer)
        if let fromBytes = answers.fromBytes {
            #expect(fromBytes == answers.fast, "uid \(peer.uid), code '\(code)': answered from the message's bytes only")
        }
        return (answers.normal, answers.fast)
    }

    /// The reply frame from the message's bytes (``RegistryService/answerFrameImmediately(_:context:parameters:)``).
    func answerFromBytes(_ fixture: ServiceFixture, code: String, as peer: VarlinkPeerCredentials) -> [UInt8]? {
        let message = Array(#"{"method":"org.qcredit.query.GetGrade","parameters":{"code":"\#(code)"}}"#.utf8)
        var parameters: [UInt8] = []
        let answered = message.withUnsafeBytes {
            fixture.dispatcher.answerFrameImmediately($0, context: VarlinkCallContext(credentials: peer, connectionID: 1), parameters: &parameters)
        }
        guard answered else {
            #expect(parameters.isEmpty)
            return nil
        }
        var buffer = ByteBuffer()
        JSONValueCodec().encodeReply(parametersText: parameters, continues: false, into: &buffer)
        return Array(buffer.readableBytesView)
    }

    func allAnswers(_ fixture: ServiceFixture, code: String, as peer: VarlinkPeerCredentials) async -> (normal: [UInt8], fast: [UInt8]?, fromBytes: [UInt8]?) {
        let fromBytes = answerFromBytes(fixture, code: code, as: peer)
        let call = VarlinkCall(method: Self.getGrade, parameters: ["code": .string(code)])
        let context = VarlinkCallContext(credentials: peer, connectionID: 1)
        let codec = JSONValueCodec()
        var normal = ByteBuffer()
        for reply in await fixture.dispatcher.collectReplies(to: call, context: context) { codec.encodeReply(reply, into: &normal) }
        let fast = fixture.dispatcher.answerImmediately(call, context: context).map { parameters in
            var buffer = ByteBuffer()
            codec.encodeReply(parametersText: parameters, continues: false, into: &buffer)
            return Array(buffer.readableBytesView)
        }
        return (Array(normal.readableBytesView), fast, fromBytes)
    }

    @Test func fastAnswersAreTheNormalPathsBytesForEveryRoleAndFile() async throws {
        let fixture = try await ServiceFixture(withGradeIndex: true)
        let index = try #require(fixture.gradeIndex)
        let codes = Registry()
        try await populate(fixture, codes)
        try await index.refresh()
        var answeredFast: Set<String> = []
        for peer in Self.peers {
            for code in codes.inputs {
                let (normal, fast) = await bothAnswers(fixture, code: code, as: peer)
                guard let fast else { continue }
                answeredFast.insert("\(peer.uid) \(code)")
                #expect(
                    String(decoding: fast, as: UTF8.self) == String(decoding: normal, as: UTF8.self),
                    "uid \(peer.uid), code '\(code)'")
            }
        }
        // Every registered file, in every form that names it exactly, for each role that may ask.
        for uid in [1, 2, 3] {
            for code in [codes.graded, codes.ungraded, codes.overridden, codes.listed, codes.revoked, codes.renamedThenRevoked,
                         codes.legacy, "002518057", codes.graded.lowercased(), String(codes.graded.dropFirst(8).prefix(9))] {
                #expect(answeredFast.contains("\(uid) \(code)"), "uid \(uid) code \(code) was not answered from memory")
            }
        }
        // Registered codes as stored are answered from the message's bytes alone, for each role
        // that may ask; other spellings, roles that may not ask and unknown codes are not.
        for peer in Self.peers {
            for code in codes.inputs {
                let fromBytes = answerFromBytes(fixture, code: code, as: peer)
                let stored = [codes.graded, codes.ungraded, codes.overridden, codes.listed, codes.revoked, codes.renamedThenRevoked]
                if [1, 2, 3].contains(peer.uid), stored.contains(code) {
                    #expect(fromBytes != nil, "uid \(peer.uid), code '\(code)'")
                } else if ![1, 2, 3].contains(peer.uid) || code.isEmpty || code.contains(" ") || code != code.uppercased()
                    || code == USCC.madeUp(serial: 99) || code == "nonsense"
                {
                    #expect(fromBytes == nil, "uid \(peer.uid), code '\(code)'")
                }
            }
        }
        // No role that may not ask, and no code the normal path answers with an error.
        #expect(!answeredFast.contains { $0.hasPrefix("4 ") || $0.hasPrefix("9 ") })
        for input in [USCC.madeUp(serial: 99), "91410100000000010X", "nonsense", ""] {
            #expect(!answeredFast.contains("2 \(input)"))
        }
    }

    /// `GetGrades` takes what the index holds and reads the rest: each streamed reply carries
    /// exactly the grade (or the error) `GetGrade` answers on the normal path.
    @Test func getGradesStreamsWhatGetGradeAnswersForEveryCode() async throws {
        let fixture = try await ServiceFixture(withGradeIndex: true)
        let index = try #require(fixture.gradeIndex)
        let codes = Registry()
        try await populate(fixture, codes)
        try await index.refresh()
        let inputs = codes.inputs.filter { !$0.isEmpty }
        for peer in [ServiceFixture.regulator, ServiceFixture.bank, ServiceFixture.auditor] {
            let context = VarlinkCallContext(credentials: peer, connectionID: 1)
            let stream = await fixture.dispatcher.collectReplies(
                to: VarlinkCall(method: "org.qcredit.query.GetGrades", parameters: ["codes": .array(inputs.map(JSONValue.string))], more: true),
                context: context)
            #expect(stream.count == inputs.count)
            // Replies spliced from the index's bytes are written exactly as their values would be.
            let raw = Mutex<[VarlinkReply]>([])
            try await fixture.dispatcher.dispatch(
                VarlinkCall(method: "org.qcredit.query.GetGrades", parameters: ["codes": .array(inputs.map(JSONValue.string))], more: true),
                context: context
            ) { replies in raw.withLock { $0.append(contentsOf: replies) } }
            let codec = JSONValueCodec()
            let spliced = raw.withLock { $0 }.filter { $0.parametersText != nil }
            #expect(!spliced.isEmpty)
            for reply in spliced {
                var asText = ByteBuffer()
                codec.encodeReply(reply, into: &asText)
                var asValues = ByteBuffer()
                codec.encodeReply(reply.withParsedText, into: &asValues)
                #expect(String(buffer: asText) == String(buffer: asValues))
            }
            for (code, streamed) in zip(inputs, stream) {
                let single = await fixture.dispatcher.collectReplies(
                    to: VarlinkCall(method: Self.getGrade, parameters: ["code": .string(code)]), context: context)[0]
                #expect(streamed.parameters["code"] == .string(code))
                if let error = single.error {
                    #expect(streamed.parameters["error"] == .string(error), "uid \(peer.uid), code '\(code)'")
                } else {
                    #expect(streamed.parameters["grade"] == single.parameters["grade"], "uid \(peer.uid), code '\(code)'")
                }
            }
        }
    }

    /// One call holds at most 10,000 codes (the interface's limit): a bank's 1 MiB message
    /// would otherwise carry 45,000, held while their replies stream out.
    @Test func getGradesRefusesMoreThanTenThousandCodesACall() async throws {
        let fixture = try await ServiceFixture(withGradeIndex: true)
        let context = VarlinkCallContext(credentials: ServiceFixture.bank, connectionID: 1)
        func call(_ count: Int) async -> [VarlinkReply] {
            await fixture.dispatcher.collectReplies(
                to: VarlinkCall(
                    method: "org.qcredit.query.GetGrades",
                    parameters: ["codes": .array(Array(repeating: JSONValue.string("911522010783762860"), count: count))], more: true),
                context: context)
        }
        let refused = await call(10_001)
        #expect(refused.count == 1)
        #expect(refused.first?.error == "org.qcredit.query.InvalidArgument")
        #expect(refused.first?.parameters["parameter"] == "codes")
        #expect(refused.first?.parameters["reason"]?.stringValue?.contains("send at most 10000 per call") == true)
        #expect(await call(10_000).count == 10_000)
    }

    @Test func anAcknowledgedWriteIsSeenByTheNextRead() async throws {
        let fixture = try await ServiceFixture(withGradeIndex: true)
        let index = try #require(fixture.gradeIndex)
        let code = USCC.madeUp(serial: 7)
        _ = try await fixture.call(Self.admin + "RegisterEnterprise", ["code": .string(code), "name": "Watched Co."])
        _ = try await fixture.call(Self.admin + "PublishGrades", ["codes": [.string(code)]])
        try await index.refresh()
        let before = await bothAnswers(fixture, code: code, as: ServiceFixture.bank)
        #expect(before.fast == before.normal)
        let writes: [(String, [String: JSONValue])] = [
            ("OverrideGrade", ["code": .string(code), "grade": "C", "reason": "review", "documentNumber": "复核2"]),
            ("UpdateEnterprise", ["code": .string(code), "name": "Renamed Co.", "reason": "rename"]),
            ("ProposeListing", decision(code, "9")),
        ]
        for (method, parameters) in writes {
            _ = try await fixture.call(Self.admin + method, parameters)
            // At once after the acknowledgement: either the normal path answers, or the same bytes.
            let after = await bothAnswers(fixture, code: code, as: ServiceFixture.bank)
            #expect(after.fast == nil || after.fast == after.normal, "\(method)")
            try await index.refresh()
            let settled = await bothAnswers(fixture, code: code, as: ServiceFixture.bank)
            #expect(settled.fast == settled.normal, "\(method)")
        }
        let text = String(decoding: await bothAnswers(fixture, code: code, as: ServiceFixture.bank).normal, as: UTF8.self)
        #expect(text.contains(#""grade":"C""#) && text.contains("Renamed Co."))
    }

    /// Opening files (one by one or in an import batch) does not make the index read them back:
    /// they have no grade to answer, and the normal path answers them until their first grade,
    /// which the index then holds, with the normal path's bytes.
    @Test func aNewFileIsHeldFromItsFirstGrade() async throws {
        let fixture = try await ServiceFixture(withGradeIndex: true)
        let index = try #require(fixture.gradeIndex)
        try await index.refresh()
        let single = USCC.madeUp(serial: 11)
        let batch = [USCC.madeUp(serial: 12), USCC.madeUp(serial: 13)]
        _ = try await fixture.call(Self.admin + "RegisterEnterprise", ["code": .string(single), "name": "Single Co."])
        _ = try await fixture.call(
            Self.admin + "RegisterEnterprises",
            ["enterprises": .array(batch.map { ["code": .string($0), "name": "Batch Co."] }), "importId": "new", "firstLine": 2, "lastLine": 3])
        try await index.refresh()
        for code in [single] + batch {
            let answers = await bothAnswers(fixture, code: code, as: ServiceFixture.bank)
            #expect(answers.fast == nil, "\(code) is not read back before it has a grade")
        }
        _ = try await fixture.call(Self.admin + "PublishGrades", ["codes": .array(([single] + batch).map(JSONValue.string))])
        try await index.refresh()
        for code in [single] + batch {
            let answers = await bothAnswers(fixture, code: code, as: ServiceFixture.bank)
            #expect(answers.fast != nil && answers.fast == answers.normal, "\(code)")
        }
    }

    /// A quality event does not change a file's answer until a regrade publishes its effect
    /// (README: between publications GetGrade shows the published grade), so recording one
    /// leaves the file answered from memory, with the normal path's bytes.
    @Test func aRecordedEventLeavesTheAnswerInMemoryAndUnchanged() async throws {
        let fixture = try await ServiceFixture(withGradeIndex: true)
        let index = try #require(fixture.gradeIndex)
        let code = USCC.madeUp(serial: 8)
        _ = try await fixture.call(Self.admin + "RegisterEnterprise", ["code": .string(code), "name": "Eventful Co."])
        _ = try await fixture.call(Self.admin + "PublishGrades", ["codes": [.string(code)]])
        try await index.refresh()
        let before = await bothAnswers(fixture, code: code, as: ServiceFixture.bank)
        let event: [String: JSONValue] = [
            "code": .string(code), "dimension": "product", "kind": "penalty", "severity": "high", "occurredOn": "2026-03-01",
            "authority": "AMR", "documentNumber": "罚1", "summary": "Substandard batch",
        ]
        let recorded = try await fixture.call(Self.admin + "RecordEvents", ["events": [.object(event)]])
        let eventId = try #require(recorded["eventIds"]?.arrayValue?.first)
        _ = try await fixture.call(Self.admin + "CorrectEvent", ["eventId": eventId, "reason": "recorded in error"])
        let after = await bothAnswers(fixture, code: code, as: ServiceFixture.bank)
        #expect(after.fast != nil, "still answered from memory")
        #expect(after.fast == after.normal)
        #expect(after.normal == before.normal, "the published grade stands until a regrade")
    }

    @Test func aNewDayIsNotAnsweredFromYesterdaysViews() async throws {
        let fixture = try await ServiceFixture(withGradeIndex: true)
        let index = try #require(fixture.gradeIndex)
        let code = USCC.madeUp(serial: 8)
        _ = try await fixture.call(Self.admin + "RegisterEnterprise", ["code": .string(code), "name": "Dated Co."])
        _ = try await fixture.call(
            Self.admin + "OverrideGrade",
            ["code": .string(code), "grade": "C", "reason": "review", "documentNumber": "复核3", "until": "2026-03-02"])
        try await index.refresh()
        #expect(await bothAnswers(fixture, code: code, as: ServiceFixture.regulator).fast != nil)
        fixture.clock.advance(days: 1)
        // The override has run out: yesterday's view must not be served.
        #expect(await bothAnswers(fixture, code: code, as: ServiceFixture.regulator).fast == nil)
        try await index.refresh()
        let settled = await bothAnswers(fixture, code: code, as: ServiceFixture.regulator)
        #expect(settled.fast == settled.normal)
    }
}

/// The arena behind the index: records survive being replaced many times over (compaction).
@Suite struct GradeIndexStorageTests {
    @Test func recordsSurviveCompaction() throws {
        var storage = GradeIndexStorage()
        func grade(_ n: Int, _ letter: String) -> [String: JSONValue] {
            [
                "at": "x", "grade": .string(letter), "logIndex": .int(Int64(n)), "caps": [], "score": .int(90),
                "enterprise": ["uscc": .string(USCC.madeUp(serial: n)), "name": .string("Co. \(n)"), "flags": []],
            ]
        }
        let files = 50
        for round in 0..<300 {
            for n in 1...files {
                let letter = round % 2 == 0 ? "A" : "B"
                let stored = storage.store(id: Int64(n), codes: [USCC.madeUp(serial: n)], public: grade(n, letter), full: grade(n, "Z"))
                #expect(stored)
            }
        }
        for n in 1...files {
            let key = try #require(PackedCode(USCC.madeUp(serial: n)))
            var publicText: [UInt8] = []
            storage.write(record: try #require(storage.record(code: key, full: false)), at: Array(#""now""#.utf8), into: &publicText)
            var fullText: [UInt8] = []
            storage.write(record: try #require(storage.record(code: key, full: true)), at: Array(#""now""#.utf8), into: &fullText)
            var expected = grade(n, "B")
            expected["at"] = "now"
            #expect(publicText == JSONValue.object(["grade": .object(expected)]).encoded())
            expected["grade"] = "Z"
            #expect(fullText == JSONValue.object(["grade": .object(expected)]).encoded())
        }
        // Without compaction the 300 rounds would take about 1 MB.
        #expect(storage.arenaBytes < 400_000)
    }

    /// A build sizes the index from its first files; files past the estimate (longer names
    /// here) still fit, and every reply is the writer's bytes.
    @Test func anIndexSizedAheadHoldsFilesPastItsEstimate() throws {
        var storage = GradeIndexStorage()
        func grade(_ n: Int) -> [String: JSONValue] {
            [
                "at": "x", "grade": "A", "logIndex": .int(Int64(n)),
                "enterprise": ["uscc": .string(USCC.madeUp(serial: n)), "name": .string(String(repeating: "名", count: n / 10 + 1))],
            ]
        }
        let files = 2_000
        let sizedWhenEmpty = storage.reserve(forFilesUpTo: Int64(files))
        #expect(!sizedWhenEmpty, "nothing stored: nothing to size from")
        for n in 1...files {
            let stored = storage.store(id: Int64(n), codes: [USCC.madeUp(serial: n)], public: grade(n), full: grade(n))
            #expect(stored)
            if n == 10 {
                let sized = storage.reserve(forFilesUpTo: Int64(files))
                #expect(sized)
            }
        }
        storage.trim()
        for n in stride(from: 1, through: files, by: 97) {
            var text: [UInt8] = []
            let key = try #require(PackedCode(USCC.madeUp(serial: n)))
            let record = try #require(storage.record(code: key, full: false))
            storage.write(record: record, at: Array(#""now""#.utf8), into: &text)
            var expected = grade(n)
            expected["at"] = "now"
            #expect(text == JSONValue.object(["grade": .object(expected)]).encoded())
        }
    }

    /// A USCC is kept as what surrounds its organization code; the reply is still the
    /// writer's bytes, and both codes find the file, but no other code does.
    @Test func aFileIsFoundByEachOfItsCodesAndItsReplyIsUnchanged() throws {
        var storage = GradeIndexStorage()
        func grade(uscc: String?, orgCode: String?) -> [String: JSONValue] {
            [
                "at": "x", "grade": "B", "logIndex": 12,
                "enterprise": ["uscc": JSONValue(uscc), "orgCode": JSONValue(orgCode), "name": "Co."],
            ]
        }
        let embedded = USCC.madeUp(serial: 1)
        let otherUSCC = USCC.madeUp(serial: 2)
        let files: [(id: Int64, uscc: String?, orgCode: String?)] = [
            (1, embedded, String(embedded.dropFirst(8).prefix(9))),
            // A legacy code that is not the one the USCC embeds, a USCC alone, a legacy code alone.
            (2, otherUSCC, "MA0000019"),
            (3, USCC.madeUp(serial: 3), nil),
            (4, nil, "L12345678"),
        ]
        for file in files {
            let reply = grade(uscc: file.uscc, orgCode: file.orgCode)
            let stored = storage.store(id: file.id, codes: [file.uscc, file.orgCode].compactMap { $0 }, public: reply, full: reply)
            #expect(stored)
        }
        for file in files {
            var expected = grade(uscc: file.uscc, orgCode: file.orgCode)
            expected["at"] = "now"
            for code in [file.uscc, file.orgCode].compactMap({ $0 }) {
                var text: [UInt8] = []
                let key = try #require(PackedCode(code))
                let record = try #require(storage.record(code: key, full: false), "\(code)")
                storage.write(record: record, at: Array(#""now""#.utf8), into: &text)
                #expect(text == JSONValue.object(["grade": .object(expected)]).encoded(), "\(code)")
            }
        }
        for unknown in [USCC.madeUp(serial: 4), "MA0000027", String(otherUSCC.dropFirst(8).prefix(9))] {
            let key = try #require(PackedCode(unknown))
            #expect(storage.record(code: key, full: false) == nil, "\(unknown)")
        }
        // A dropped file is found by none of its codes.
        storage.remove(1)
        let key = try #require(PackedCode(embedded))
        #expect(storage.record(code: key, full: false) == nil)
    }

    /// Values left out because they are their slot's default, and log indexes kept as numbers,
    /// come back as the writer's bytes: for every mix of defaults across the mask's bytes, for
    /// numbers at the edges, and after the index is emptied and filled with other values.
    @Test func defaultsAndNumbersGiveBackTheWritersBytes() throws {
        var storage = GradeIndexStorage()
        // Twelve interned slots: the mask takes two bytes.
        let keys = (0..<12).map { "k\($0)" }
        let numbers: [JSONValue] = [.int(0), .int(7), .int(100_000_000_000_000_000), .int(999_999_999_999_999_999), .null, .int(-3), .double(1.5)]
        func grade(_ n: Int, shift: Int) -> [String: JSONValue] {
            var grade: [String: JSONValue] = [
                "at": "x", "logIndex": numbers[n % numbers.count],
                "enterprise": ["uscc": .string(USCC.madeUp(serial: n)), "name": .string("Co. \(n)")],
            ]
            // Slot i differs from the first file's value when bit i of n + shift is set.
            for (i, key) in keys.enumerated() {
                grade[key] = (n + shift) >> i & 1 == 0 ? .array([]) : .string("v\(i)-\((n + shift) % 3)")
            }
            return grade
        }
        // The full view: the next file's values, this file's enterprise.
        func fullGrade(_ n: Int, shift: Int) -> [String: JSONValue] {
            var full = grade(n + 1, shift: shift)
            full["enterprise"] = grade(n, shift: shift)["enterprise"]
            return full
        }
        func expectStored(_ files: ClosedRange<Int>, shift: Int) throws {
            for n in files {
                let stored = storage.store(id: Int64(n), codes: [USCC.madeUp(serial: n)], public: grade(n, shift: shift), full: fullGrade(n, shift: shift))
                #expect(stored)
            }
            for n in files {
                let key = try #require(PackedCode(USCC.madeUp(serial: n)))
                for full in [false, true] {
                    var text: [UInt8] = []
                    storage.write(record: try #require(storage.record(code: key, full: full)), at: Array(#""now""#.utf8), into: &text)
                    var expected = full ? fullGrade(n, shift: shift) : grade(n, shift: shift)
                    expected["at"] = "now"
                    #expect(String(decoding: text, as: UTF8.self) == String(decoding: JSONValue.object(["grade": .object(expected)]).encoded(), as: UTF8.self))
                }
            }
        }
        try expectStored(0...300, shift: 0)
        storage.removeAll()
        // Afresh, with a first file whose values are not the common ones.
        try expectStored(0...300, shift: 4095)
    }

    @Test func aUSCCAndTheOrganizationCodeItEmbedsShareAHomeKey() throws {
        let uscc = USCC.madeUp(serial: 42)
        let embedded = try #require(PackedCode(String(uscc.dropFirst(8).prefix(9))))
        #expect(try #require(PackedCode(uscc)).homeKey == embedded)
        #expect(embedded.homeKey == embedded)
        for other in [String(uscc.dropLast()), uscc + "1", "00251805-7", "Z"] {
            guard let code = PackedCode(other) else { continue }
            #expect(code.homeKey == code, "\(other)")
        }
    }
}
