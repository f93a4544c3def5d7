import CanonicalJSON
import Foundation
import Synchronization
import Varlink

/// `org.example.test`: the tiny interface the tests serve.
enum TestInterface {
    static let text = """
        # A tiny interface for the varlink tests.
        interface org.example.test

        # An item with a nested enum and an optional list.
        type Item (
          name: string,
          kind: (small, large),
          tags: ?[]string
        )

        # Echoes the text.
        method Ping(text: string) -> (text: string)

        # Streams 1 ... count; needs more.
        method Count(count: int) -> (n: int)

        # Sleeps, then replies.
        method Slow(milliseconds: int) -> (slept: int)

        # Takes structured input.
        method Store(item: Item, labels: ?[string]string, ratio: ?float, extra: ?object) -> (stored: bool)

        # The caller's credentials as the server saw them.
        method WhoAmI() -> (uid: int, gid: int, pid: int, connection: int)

        # Fails with NotFound.
        method Fail(code: int) -> ()

        # Throws an error that is not a varlink error.
        method Crash() -> ()

        # Returns without replying.
        method Quiet() -> ()

        # Records a value (used with oneway).
        method Remember(value: string) -> ()

        # The values recorded so far.
        method Recall() -> (values: []string)

        # Ticks until cancelled; needs more.
        method Forever() -> (tick: int)

        # Declared, not implemented by the handler.
        method Unimplemented() -> ()

        # Nothing under that code.
        error NotFound (code: int)

        """

    static let interface: VarlinkInterface = try! VarlinkInterface(parsing: text)

    static let info = VarlinkServiceInfo(
        vendor: "qcredit tests", product: "varlink-test", version: "1.0", url: "https://example.org/varlink-test")
}

struct TestHandlerError: Error {}

/// Answers `org.example.test`. `events` tells tests when a slow call has started.
final class TestHandler: VarlinkHandler {
    let remembered = Mutex<[String]>([])
    /// Calls answered on the server's blocking pool.
    let poolAnswers = Mutex(0)
    let slowStarted: AsyncStream<Void>
    private let slowStartedContinuation: AsyncStream<Void>.Continuation

    init() {
        (slowStarted, slowStartedContinuation) = AsyncStream<Void>.makeStream()
    }

    func authorizeImmediately(_ call: VarlinkCall, context: VarlinkCallContext) -> Bool? { true }

    /// A `Ping` whose text starts with "pool" is answered by blocking work (a short sleep) on
    /// the server's blocking pool, when it has one.
    func answerOffLoop(_ call: VarlinkCall, context: VarlinkCallContext) -> (@Sendable () -> VarlinkReply)? {
        guard call.methodName == "Ping", let text = call.parameters["text"]?.stringValue, text.hasPrefix("pool") else {
            return nil
        }
        return {
            usleep(UInt32.random(in: 200...2_000))
            self.poolAnswers.withLock { $0 += 1 }
            return VarlinkReply(parameters: ["text": .string(text)])
        }
    }

    /// A `Ping` whose text starts with "fast" is answered at once, on the event loop.
    func answerImmediately(_ call: VarlinkCall, context: VarlinkCallContext) -> [UInt8]? {
        guard call.methodName == "Ping", let text = call.parameters["text"]?.stringValue, text.hasPrefix("fast") else {
            return nil
        }
        return JSONValue.object(["text": .string(Self.echo(text))]).encoded()
    }

    /// What `Ping` answers: the text, but fifty times over when it starts with "long", so a
    /// short call can have a long reply.
    static func echo(_ text: String) -> String {
        text.hasPrefix("fast-long") ? String(repeating: text, count: 50) : text
    }

    func handle(_ call: VarlinkCall, context: VarlinkCallContext, replies: VarlinkReplyWriter) async throws {
        let parameters = call.parameters
        switch call.methodName {
        case "Ping":
            try await replies.reply(["text": .string(Self.echo(parameters["text"]?.stringValue ?? ""))])
        case "Count":
            let count = parameters["count"]?.intValue ?? 0
            if count < 1 {
                try await replies.reply(["n": 0])
                return
            }
            for n in 1...count {
                try await replies.send(["n": .int(n)], continues: n < count)
            }
        case "Slow":
            let milliseconds = parameters["milliseconds"]?.intValue ?? 0
            slowStartedContinuation.yield()
            // Deliberately not cancellable: a slow call in progress must be let finish.
            let deadline = ContinuousClock.now + .milliseconds(milliseconds)
            while ContinuousClock.now < deadline {
                try? await Task.sleep(for: .milliseconds(10))
            }
            try await replies.reply(["slept": .int(milliseconds)])
        case "Forever":
            guard call.more else { throw VarlinkError.expectedMore() }
            var tick: Int64 = 0
            while true {
                try await replies.send(["tick": .int(tick)], continues: true)
                tick += 1
                try await Task.sleep(for: .milliseconds(20))
            }
        case "Store":
            try await replies.reply(["stored": true])
        case "WhoAmI":
            try await replies.reply([
                "uid": .int(Int64(context.credentials.uid)),
                "gid": .int(Int64(context.credentials.gid)),
                "pid": .int(Int64(context.credentials.pid)),
                "connection": .int(Int64(context.connectionID)),
            ])
        case "Fail":
            throw VarlinkError(name: "org.example.test.NotFound", parameters: ["code": parameters["code"] ?? 0])
        case "Crash":
            throw TestHandlerError()
        case "Quiet":
            return
        case "Remember":
            remembered.withLock { $0.append(parameters["value"]?.stringValue ?? "") }
        case "Recall":
            try await replies.reply(["values": .array(remembered.withLock { $0 }.map(JSONValue.string))])
        default:
            throw VarlinkError.methodNotImplemented(call.method)
        }
    }
}
