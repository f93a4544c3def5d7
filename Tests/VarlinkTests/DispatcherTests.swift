import CanonicalJSON
import Synchronization
import Testing
import Varlink

@Suite struct DispatcherTests {
    let handler = TestHandler()
    let context = VarlinkCallContext(credentials: VarlinkPeerCredentials(pid: 42, uid: 1000, gid: 100), connectionID: 9)

    var dispatcher: VarlinkDispatcher { TestServer.makeDispatcher(handler) }

    private func replies(_ method: String, _ parameters: [String: JSONValue] = [:], more: Bool = false, oneway: Bool = false)
        async -> [VarlinkReply]
    {
        await dispatcher.collectReplies(
            to: VarlinkCall(method: method, parameters: parameters, more: more, oneway: oneway), context: context)
    }

    private func singleError(_ method: String, _ parameters: [String: JSONValue] = [:]) async -> VarlinkError? {
        let replies = await replies(method, parameters)
        #expect(replies.count == 1)
        return replies.first?.varlinkError
    }

    @Test func getInfo() async throws {
        let replies = await replies("org.varlink.service.GetInfo")
        #expect(
            replies == [
                VarlinkReply(parameters: [
                    "vendor": "qcredit tests", "product": "varlink-test", "version": "1.0",
                    "url": "https://example.org/varlink-test",
                    "interfaces": ["org.varlink.service", "org.example.test"],
                ])
            ])
        try VarlinkInterface.service.validateOutput(method: "GetInfo", parameters: replies[0].parameters)
    }

    @Test func getInterfaceDescription() async {
        #expect(
            await replies("org.varlink.service.GetInterfaceDescription", ["interface": "org.example.test"])
                == [VarlinkReply(parameters: ["description": .string(TestInterface.text)])])
        #expect(
            await replies("org.varlink.service.GetInterfaceDescription", ["interface": "org.varlink.service"])
                == [VarlinkReply(parameters: ["description": .string(VarlinkInterface.serviceText)])])
        #expect(
            await singleError("org.varlink.service.GetInterfaceDescription", ["interface": "org.example.nope"])
                == .interfaceNotFound("org.example.nope"))
        #expect(await singleError("org.varlink.service.GetInterfaceDescription") == .invalidParameter("interface"))
        #expect(await singleError("org.varlink.service.GetInfo", ["x": 1]) == .invalidParameter("x"))
        #expect(await singleError("org.varlink.service.Reboot") == .methodNotFound("org.varlink.service.Reboot"))
    }

    @Test func unknownNames() async {
        #expect(await singleError("org.example.nope.Ping") == .interfaceNotFound("org.example.nope"))
        #expect(await singleError("org.example.test.Pong") == .methodNotFound("org.example.test.Pong"))
        #expect(await singleError("Ping") == .invalidParameter("method"))
        #expect(await singleError("org.example.test.") == .invalidParameter("method"))
    }

    @Test func invalidParametersNeverReachTheHandler() async {
        #expect(await singleError("org.example.test.Remember", ["value": 1]) == .invalidParameter("value"))
        #expect(handler.remembered.withLock { $0 }.isEmpty)
    }

    @Test func repliesAndErrors() async throws {
        #expect(await replies("org.example.test.Ping", ["text": "hi"]) == [VarlinkReply(parameters: ["text": "hi"])])
        let failure = try #require(await singleError("org.example.test.Fail", ["code": 7]))
        #expect(failure == VarlinkError(name: "org.example.test.NotFound", parameters: ["code": 7]))
        try TestInterface.interface.validateError(name: failure.name, parameters: failure.parameters)
        #expect(await singleError("org.example.test.Crash") == .internalError())
        #expect(await singleError("org.example.test.Unimplemented") == .methodNotImplemented("org.example.test.Unimplemented"))
    }

    @Test func handlerWithoutReplyGetsAnEmptyReply() async {
        #expect(await replies("org.example.test.Quiet") == [VarlinkReply()])
    }

    @Test func streaming() async throws {
        let replies = await replies("org.example.test.Count", ["count": 3], more: true)
        #expect(
            replies == [
                VarlinkReply(parameters: ["n": 1], continues: true),
                VarlinkReply(parameters: ["n": 2], continues: true),
                VarlinkReply(parameters: ["n": 3]),
            ])
        for reply in replies { try TestInterface.interface.validateOutput(method: "Count", parameters: reply.parameters) }
        #expect(await singleError("org.example.test.Count", ["count": 3]) == .expectedMore())
    }

    @Test func onewayDropsEveryReply() async {
        #expect(await replies("org.example.test.Remember", ["value": "x"], oneway: true).isEmpty)
        #expect(await replies("org.example.test.Ping", ["text": "x"], oneway: true).isEmpty)
        #expect(await replies("org.example.test.Pong", oneway: true).isEmpty)
        #expect(await replies("org.example.test.Crash", oneway: true).isEmpty)
        #expect(handler.remembered.withLock { $0 } == ["x"])
    }

    /// A oneway call with `more` runs no stream nobody reads: a stream that never ends would
    /// hold its connection (the calls after it on the connection wait for it) for good.
    @Test func aOnewayCallWithMoreRunsNoStream() async throws {
        let replies = try await withTimeout { await self.replies("org.example.test.Forever", more: true, oneway: true) }
        #expect(replies.isEmpty)
    }

    @Test func customErrorMapper() async {
        let dispatcher = VarlinkDispatcher(
            info: TestInterface.info, interfaces: [TestInterface.interface], handler: handler,
            mapError: { error, call in
                VarlinkError(name: "org.example.test.Broken", parameters: ["method": .string(call.method)])
            })
        let replies = await dispatcher.collectReplies(to: VarlinkCall(method: "org.example.test.Crash"), context: context)
        #expect(replies.first?.varlinkError == VarlinkError(name: "org.example.test.Broken", parameters: ["method": "org.example.test.Crash"]))
    }

    @Test func contextReachesTheHandler() async {
        #expect(
            await replies("org.example.test.WhoAmI")
                == [VarlinkReply(parameters: ["uid": 1000, "gid": 100, "pid": 42, "connection": 9])])
    }

    @Test func writerRules() async throws {
        let writer = VarlinkReplyWriter(call: VarlinkCall(method: "a.b.C")) { _ in }
        await #expect(throws: VarlinkError.expectedMore()) { try await writer.send([:], continues: true) }
        #expect(!writer.hasReplied)
        try await writer.reply()
        #expect(writer.hasReplied)
        await #expect(throws: VarlinkReplyWriterError.alreadyReplied) { try await writer.reply() }
    }

    /// A stream's replies sent together reach the sink in one delivery, in order; a set that
    /// breaks a rule is refused whole.
    @Test func repliesSentTogetherArriveTogetherOrNotAtAll() async throws {
        let deliveries = Mutex<[[VarlinkReply]]>([])
        let writer = VarlinkReplyWriter(call: VarlinkCall(method: "a.b.C", more: true)) { replies in
            deliveries.withLock { $0.append(replies) }
        }
        // A final reply before the end, or a second final reply, would end the stream early.
        await #expect(throws: VarlinkReplyWriterError.alreadyReplied) {
            try await writer.send(contentsOf: [VarlinkReply(parameters: ["n": 1]), VarlinkReply(parameters: ["n": 2])])
        }
        #expect(deliveries.withLock { $0.isEmpty } && !writer.hasReplied)
        try await writer.send(contentsOf: [VarlinkReply(parameters: ["n": 1], continues: true), VarlinkReply(parameters: ["n": 2], continues: true)])
        try await writer.send(contentsOf: [VarlinkReply(parameters: ["n": 3], continues: true), VarlinkReply(parameters: ["n": 4])])
        #expect(writer.hasReplied)
        #expect(
            deliveries.withLock { $0 } == [
                [VarlinkReply(parameters: ["n": 1], continues: true), VarlinkReply(parameters: ["n": 2], continues: true)],
                [VarlinkReply(parameters: ["n": 3], continues: true), VarlinkReply(parameters: ["n": 4])],
            ])
        await #expect(throws: VarlinkReplyWriterError.alreadyReplied) { try await writer.send(contentsOf: [VarlinkReply(parameters: ["n": 5])]) }

        let plain = VarlinkReplyWriter(call: VarlinkCall(method: "a.b.C")) { _ in }
        await #expect(throws: VarlinkError.expectedMore()) {
            try await plain.send(contentsOf: [VarlinkReply(parameters: ["n": 1], continues: true), VarlinkReply(parameters: ["n": 2])])
        }
        #expect(!plain.hasReplied)
    }

    @Test func sinkFailureIsRethrown() async {
        struct Gone: Error {}
        await #expect(throws: Gone.self) {
            try await dispatcher.dispatch(VarlinkCall(method: "org.example.test.Count", parameters: ["count": 3], more: true), context: context) { _ in
                throw Gone()
            }
        }
    }
}

/// A handler that refuses everyone, to show authorization comes before parameter checks.
private struct RefusingHandler: VarlinkHandler {
    func authorize(_ call: VarlinkCall, context: VarlinkCallContext) async throws {
        throw VarlinkError.permissionDenied()
    }

    func handle(_ call: VarlinkCall, context: VarlinkCallContext, replies: VarlinkReplyWriter) async throws {
        Issue.record("a refused call reached the handler")
    }
}

@Suite struct AuthorizationTests {
    @Test func aRefusedCallerLearnsNothingFromParameterErrors() async {
        let dispatcher = TestServer.makeDispatcher(RefusingHandler())
        let context = VarlinkCallContext(credentials: VarlinkPeerCredentials(pid: 1, uid: 65534, gid: 65534), connectionID: 1)
        let replies = await dispatcher.collectReplies(
            to: VarlinkCall(method: "org.example.test.Remember", parameters: ["value": 1]), context: context)
        #expect(replies.map { $0.varlinkError } == [VarlinkError.permissionDenied()])
        // Introspection stays open: the interface is public.
        let info = await dispatcher.collectReplies(to: VarlinkCall(method: "org.varlink.service.GetInfo"), context: context)
        #expect(info.first?.error == nil)
    }
}
