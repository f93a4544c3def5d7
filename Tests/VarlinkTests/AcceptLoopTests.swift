import Foundation
import Testing
import Varlink
import VarlinkNIO

/// The accept loop answers the calls a handler answers at once (here a `Ping` whose text starts
/// with "fast") on its own threads, and hands a connection to the event loops for anything else:
/// replies stay in call order across the hand-over, and every limit still holds.
@Suite struct AcceptLoopTests {
    /// Long enough that no connection here goes quiet while a loaded test run gets round to it.
    private static func patient(_ configuration: inout VarlinkServer.Configuration) {
        configuration.acceptLoopQuietPeriod = .seconds(120)
    }

    private static func ping(_ text: String) -> String {
        #"{"method":"org.example.test.Ping","parameters":{"text":"\#(text)"}}"# + "\0"
    }

    private static func pong(_ text: String) -> String {
        #"{"parameters":{"text":"\#(text)"}}"#
    }

    @Test func aConnectionHandedOverMidBatchKeepsItsRepliesInOrder() async throws {
        try await TestServer.with(configure: { Self.patient(&$0) }) { server in
            let raw = try await server.raw()
            // Point reads first, so the loop answers them; then a call only a task answers.
            var batch = ""
            var expected: [String] = []
            for n in 0..<30 {
                switch n {
                case 10, 20:
                    batch += #"{"method":"org.example.test.Slow","parameters":{"milliseconds":5}}"# + "\0"
                    expected.append(#"{"parameters":{"slept":5}}"#)
                case 15:
                    batch += Self.ping("slow-\(n)")
                    expected.append(Self.pong("slow-\(n)"))
                default:
                    batch += Self.ping("fast-\(n)")
                    expected.append(Self.pong("fast-\(n)"))
                }
            }
            try await raw.send(batch)
            for reply in expected { #expect(try await raw.nextFrame() == reply) }
            #expect(server.server.callsAnsweredOnAcceptLoop >= 10)
            await raw.close()
        }
    }

    @Test func aCallSplitAcrossWritesIsAnsweredOnTheLoop() async throws {
        try await TestServer.with(configure: { Self.patient(&$0) }) { server in
            let raw = try await server.raw()
            let call = Array(Self.ping("fast-split").utf8)
            try await raw.send(Array(call[..<20]))
            try await Task.sleep(for: .milliseconds(50))
            try await raw.send(Array(call[20...]))
            #expect(try await raw.nextFrame() == Self.pong("fast-split"))
            #expect(server.server.callsAnsweredOnAcceptLoop == 1)
            await raw.close()
        }
    }

    @Test func aQuietConnectionIsHandedOverAndStillServed() async throws {
        try await TestServer.with(configure: { $0.acceptLoopQuietPeriod = .milliseconds(200) }) { server in
            let raw = try await server.raw()
            try await raw.send(Self.ping("fast-1"))
            #expect(try await raw.nextFrame() == Self.pong("fast-1"))
            try await waitUntil { server.server.connectionsOnAcceptLoop == 0 }
            #expect(server.server.connectionCount == 1)
            let answeredOnTheLoop = server.server.callsAnsweredOnAcceptLoop
            try await raw.send(Self.ping("fast-2") + Self.ping("other"))
            #expect(try await raw.nextFrame() == Self.pong("fast-2"))
            #expect(try await raw.nextFrame() == Self.pong("other"))
            #expect(server.server.callsAnsweredOnAcceptLoop == answeredOnTheLoop)
            await raw.close()
            try await waitUntil { server.server.connectionCount == 0 }
        }
    }

    /// A read of short calls with long replies: they go out 16 KiB at a time, in order.
    @Test func shortCallsWithLongRepliesAreAnsweredInOrder() async throws {
        try await TestServer.with(configure: { Self.patient(&$0) }) { server in
            let raw = try await server.raw()
            try await raw.send((0..<300).map { Self.ping("fast-long-\($0)") }.joined())
            for n in 0..<300 {
                #expect(try await raw.nextFrame() == Self.pong(String(repeating: "fast-long-\(n)", count: 50)))
            }
            #expect(server.server.callsAnsweredOnAcceptLoop == 300)
            await raw.close()
        }
    }

    /// Longer than the loop parses: the event loops answer it.
    @Test func aLongCallIsAnsweredAfterTheHandOver() async throws {
        try await TestServer.with(configure: { Self.patient(&$0) }) { server in
            let raw = try await server.raw()
            let text = "fast-" + String(repeating: "x", count: 3000)
            try await raw.send(Self.ping("fast-short") + Self.ping(text))
            #expect(try await raw.nextFrame() == Self.pong("fast-short"))
            #expect(try await raw.nextFrame() == Self.pong(text))
            await raw.close()
        }
    }

    /// A peer that sends point reads and never reads the replies is not answered into memory
    /// without bound: once the socket is full its connection goes to the event loops, whose
    /// write timeout closes it; others are served meanwhile.
    @Test func aPeerThatPipelinesPointReadsWithoutReadingIsClosedByTheWriteTimeout() async throws {
        try await TestServer.with(configure: {
            Self.patient(&$0)
            $0.writeTimeout = .seconds(2)
        }) { server in
            let peer = try await StalledPeer(socketPath: server.socketPath)
            let padding = String(repeating: "p", count: 400)
            var batch = ""
            for n in 0..<2000 { batch += Self.ping("fast-\(n)-\(padding)") }
            // About 900 KB of replies, more than the socket holds; the write itself only
            // completes (or fails, when the server closes) once the server has read it all.
            let sending = Task { try? await peer.send(batch) }
            // Generous: under a full parallel run on two cores this test's threads can wait long for a turn.
            try await waitUntil(90) { server.server.callsAnsweredOnAcceptLoop > 0 }
            try await waitUntil(90) { server.server.connectionCount == 0 }
            let client = try await server.client()
            #expect(try await client.call("org.example.test.Ping", parameters: ["text": "fast-after"]) == ["text": "fast-after"])
            await client.close()
            await peer.close()
            await sending.value
        }
    }

    /// The connection goes to the event loops with more replies unsent than the channel holds
    /// before it stops being writable: the serving task must know that from the start, or it
    /// answers every call it reads into memory (an audit's peers grew the daemon by 11 MiB a
    /// second). Here the peer sends without end and reads nothing; what it gets to send is
    /// what the server took in: the kernel's buffers and a read or two, not the lot.
    @Test func aConnectionMovedWithUnsentRepliesStopsReadingUntilThePeerReads() async throws {
        try await TestServer.with(configure: {
            Self.patient(&$0)
            $0.writeTimeout = .seconds(120)
        }) { server in
            // Calls of 128 bytes (padded with blanks), 32 to a read of the loop's; replies of 526
            // ("fast-long-" fifty times), 32 of them just over the 16 KiB the loop sends at once:
            // a send that finds the socket full leaves them all unsent, more than the channel
            // holds while writable.
            let call = #"{"# + String(repeating: " ", count: 58) + #""method":"org.example.test.Ping","parameters":{"text":"fast-long-"}}"# + "\0"
            #expect(call.utf8.count == 128)
            let calls = Array(call.utf8)
            // Four at once, each stopped at 8 MB (33 MB of replies held, were the bound broken).
            let peers = try (0..<4).map { _ in try UnreadingSender(socketPath: server.socketPath, repeating: calls, upTo: 8 << 20) }
            try await waitUntil(90) { server.server.callsAnsweredOnAcceptLoop > 0 }
            // Until no peer gets to send more for two seconds: the server stopped reading.
            var last = -1
            while case let total = peers.reduce(0, { $0 + $1.bytesSent }), total != last, !peers.contains(where: \.hasEnded) {
                last = total
                try await Task.sleep(for: .seconds(2))
            }
            for peer in peers {
                #expect(peer.bytesSent < 4 << 20, "the server took in \(peer.bytesSent) bytes of calls nobody read the replies to")
            }
            #expect(server.server.connectionCount == 4)
            for peer in peers { peer.close() }
        }
    }

    @Test func shutdownClosesTheConnectionsOnTheLoop() async throws {
        try await TestServer.with(configure: { Self.patient(&$0) }) { server in
            let raw = try await server.raw()
            try await raw.send(Self.ping("fast-1"))
            #expect(try await raw.nextFrame() == Self.pong("fast-1"))
            server.server.shutdown()
            #expect(try await raw.expectClosed(timeout: 60))
            await raw.close()
        }
    }

    @Test func connectionsOnTheLoopCountAgainstTheLimit() async throws {
        try await TestServer.with(configure: {
            Self.patient(&$0)
            $0.maxConnections = 2
        }) { server in
            let first = try await server.raw()
            let second = try await server.raw()
            for raw in [first, second] {
                try await raw.send(Self.ping("fast"))
                #expect(try await raw.nextFrame() == Self.pong("fast"))
            }
            let third = try await server.raw()
            #expect(try await third.expectClosed(timeout: 60))
            await first.close()
            try await waitUntil { server.server.connectionCount == 1 }
            let fourth = try await server.raw()
            try await fourth.send(Self.ping("fast-4"))
            #expect(try await fourth.nextFrame() == Self.pong("fast-4"))
            for raw in [second, third, fourth] { await raw.close() }
        }
    }

    /// Connections that pipeline move to other threads of the loop, with what they sent that
    /// was not answered yet (here half a call).
    @Test(arguments: [1, 3])
    func connectionsThatPipelineAreServedOnEveryThread(threads: Int) async throws {
        try await TestServer.with(configure: {
            Self.patient(&$0)
            $0.acceptLoopThreads = threads
        }) { server in
            var connections: [RawConnection] = []
            for n in 0..<(2 * threads) {
                let raw = try await server.raw()
                let last = Array(Self.ping("fast-\(n)-last").utf8)
                try await raw.send((0..<8).map { Self.ping("fast-\(n)-\($0)") }.joined() + String(decoding: last[..<30], as: UTF8.self))
                for call in 0..<8 { #expect(try await raw.nextFrame() == Self.pong("fast-\(n)-\(call)")) }
                try await raw.send(Array(last[30...]))
                #expect(try await raw.nextFrame() == Self.pong("fast-\(n)-last"))
                try await raw.send(Self.ping("fast-\(n)-again"))
                #expect(try await raw.nextFrame() == Self.pong("fast-\(n)-again"))
                connections.append(raw)
            }
            #expect(server.server.callsAnsweredOnAcceptLoop == 2 * threads * 10)
            for raw in connections { await raw.close() }
        }
    }

    @Test func withoutTheLoopTheEventLoopsAnswerEverything() async throws {
        try await TestServer.with(configure: { $0.answersAtOnceOnAcceptLoop = false }) { server in
            let raw = try await server.raw()
            try await raw.send(Self.ping("fast-1") + Self.ping("other"))
            #expect(try await raw.nextFrame() == Self.pong("fast-1"))
            #expect(try await raw.nextFrame() == Self.pong("other"))
            #expect(server.server.callsAnsweredOnAcceptLoop == 0)
            #expect(server.server.connectionsOnAcceptLoop == 0)
            await raw.close()
        }
    }
}
