import CanonicalJSON
import Testing
import Varlink
import VarlinkNIO

/// Calls a handler answers at once (on the event loop) and calls it answers in a task share
/// one connection: replies still come in call order, and look the same either way.
@Suite struct ImmediateAnswerTests {
    @Test func immediateAnswersQueueBehindSlowCallsInOrder() async throws {
        try await TestServer.with { server in
            let raw = try await server.raw()
            var batch = ""
            var expected: [String] = []
            for n in 0..<60 {
                switch n % 6 {
                case 1:
                    batch += #"{"method":"org.example.test.Slow","parameters":{"milliseconds":5}}"# + "\0"
                    expected.append(#"{"parameters":{"slept":5}}"#)
                case 4:
                    batch += #"{"method":"org.example.test.Ping","parameters":{"text":"slow-\#(n)"}}"# + "\0"
                    expected.append(#"{"parameters":{"text":"slow-\#(n)"}}"#)
                default:
                    batch += #"{"method":"org.example.test.Ping","parameters":{"text":"fast-\#(n)"}}"# + "\0"
                    expected.append(#"{"parameters":{"text":"fast-\#(n)"}}"#)
                }
            }
            try await raw.send(batch)
            for reply in expected { #expect(try await raw.nextFrame() == reply) }
            await raw.close()
        }
    }

    /// Calls answered on the blocking pool share the connection with immediate answers, task
    /// calls and slow calls: every reply still comes in call order, and what the task writes
    /// while the pool works waits behind the pool's reply.
    @Test func poolAnswersKeepCallOrder() async throws {
        try await TestServer.with(configure: { $0.blockingPool = .singleton }) { server in
            let raw = try await server.raw()
            var batch = ""
            var expected: [String] = []
            for n in 0..<80 {
                let (text, method): (String, String)
                switch n % 5 {
                case 0, 3: (text, method) = ("pool-\(n)", "Ping")
                case 1: (text, method) = ("fast-\(n)", "Ping")
                case 2: (text, method) = ("task-\(n)", "Ping")
                default: (text, method) = ("", "Slow")
                }
                if method == "Slow" {
                    batch += #"{"method":"org.example.test.Slow","parameters":{"milliseconds":3}}"# + "\0"
                    expected.append(#"{"parameters":{"slept":3}}"#)
                } else {
                    batch += #"{"method":"org.example.test.Ping","parameters":{"text":"\#(text)"}}"# + "\0"
                    expected.append(#"{"parameters":{"text":"\#(text)"}}"#)
                }
            }
            // In pieces, so frames also arrive while a call is with the pool.
            let bytes = Array(batch.utf8)
            for start in stride(from: 0, to: bytes.count, by: 700) {
                try await raw.send(Array(bytes[start..<min(start + 700, bytes.count)]))
                try await Task.sleep(for: .microseconds(300))
            }
            for reply in expected { #expect(try await raw.nextFrame() == reply) }
            await raw.close()
            #expect(server.handler.poolAnswers.withLock { $0 } > 0, "some calls were answered on the pool")
        }
    }

    @Test func errorsAndStreamsTakeTheNormalPath() async throws {
        try await TestServer.with { server in
            let raw = try await server.raw()
            try await raw.send(
                #"{"method":"org.example.test.Ping","parameters":{"text":"fast","other":1}}"# + "\0"
                    + #"{"method":"org.example.test.Ping","parameters":{"text":"fast-more"},"more":true}"# + "\0"
                    + #"{"method":"org.example.test.Ping","parameters":{"text":"fast-after"}}"# + "\0")
            #expect(
                try await raw.nextFrame()
                    == #"{"error":"org.varlink.service.InvalidParameter","parameters":{"parameter":"other"}}"#)
            #expect(try await raw.nextFrame() == #"{"parameters":{"text":"fast-more"}}"#)
            #expect(try await raw.nextFrame() == #"{"parameters":{"text":"fast-after"}}"#)
            await raw.close()
        }
    }

    @Test func dispatcherOffersOnlyAuthorizedConformingPlainCalls() {
        let dispatcher = TestServer.makeDispatcher(TestHandler())
        let context = VarlinkCallContext(credentials: .init(pid: 1, uid: 1, gid: 1), connectionID: 1)
        let call = VarlinkCall(method: "org.example.test.Ping", parameters: ["text": "fast"])
        #expect(dispatcher.answerImmediately(call, context: context).map { String(decoding: $0, as: UTF8.self) } == #"{"text":"fast"}"#)
        var more = call
        more.more = true
        #expect(dispatcher.answerImmediately(more, context: context) == nil)
        #expect(dispatcher.answerImmediately(VarlinkCall(method: "org.example.test.Ping", parameters: ["text": 1]), context: context) == nil)
        #expect(dispatcher.answerImmediately(VarlinkCall(method: "org.example.nope.Ping", parameters: ["text": "fast"]), context: context) == nil)
    }
}
