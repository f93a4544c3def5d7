import CanonicalJSON
import Foundation
import NIOPosix
import Synchronization
import Testing
import Varlink
import VarlinkNIO

/// What closes a connection (and what must not), without disturbing the others.
@Suite struct ServerLimitTests {
    @Test func missingTerminatorWaitsWhileOtherConnectionsAreServed() async throws {
        try await TestServer.with { server in
            let raw = try await server.raw()
            try await raw.send(#"{"method":"org.example.test.Ping","parameters":{"text":"first"}}"#)
            let client = try await server.client()
            #expect(try await client.call("org.example.test.Ping", parameters: ["text": "second"]) == ["text": "second"])
            await client.close()
            // The terminator completes the waiting message.
            try await raw.send([0])
            #expect(try await raw.nextFrame() == #"{"parameters":{"text":"first"}}"#)
            await raw.close()
        }
    }

    @Test(arguments: [
        Array("this is not json\0".utf8),
        Array(#"{"method":"org.example.test.Ping","parameters":{"text":""#.utf8) + [0xC3, 0x28] + Array("\"}}\0".utf8),
        Array((#"{"method":"org.example.test.Ping","parameters":{"text":"#
            + String(repeating: "[", count: 200) + String(repeating: "]", count: 200) + "}}\0").utf8),
        [0],
    ])
    func malformedMessagesCloseTheConnection(_ bytes: [UInt8]) async throws {
        try await TestServer.with { server in
            let client = try await server.client()
            let raw = try await server.raw()
            try await raw.send(#"{"method":"org.example.test.Ping","parameters":{"text":"before"}}"# + "\0")
            try await raw.send(bytes)
            #expect(try await raw.nextFrame() == #"{"parameters":{"text":"before"}}"#)
            #expect(try await raw.expectClosed())
            await raw.close()
            // Other connections, old and new, keep being served.
            #expect(try await client.call("org.example.test.Ping", parameters: ["text": "a"]) == ["text": "a"])
            let fresh = try await server.client()
            #expect(try await fresh.call("org.example.test.Ping", parameters: ["text": "b"]) == ["text": "b"])
            await fresh.close()
            await client.close()
        }
    }

    /// A peer that sends its calls and shuts down its sending side (`socat`, a one-shot script)
    /// gets every reply, then the end of the connection.
    @Test func callsSentBeforeThePeerStopsSendingAreAllAnswered() async throws {
        try await TestServer.with { server in
            let raw = try await server.raw()
            try await raw.send(
                #"{"method":"org.example.test.Ping","parameters":{"text":"one"}}"# + "\0"
                    + #"{"method":"org.example.test.Slow","parameters":{"milliseconds":300}}"# + "\0"
                    + #"{"method":"org.example.test.Count","parameters":{"count":3},"more":true}"# + "\0")
            try await raw.shutdownSending()
            #expect(try await raw.nextFrame() == #"{"parameters":{"text":"one"}}"#)
            #expect(try await raw.nextFrame()?.contains("parameters") == true)
            for n in 1...3 {
                #expect(try await raw.nextFrame()?.contains(#""n":\#(n)"#) == true)
            }
            #expect(try await raw.expectClosed())
            await raw.close()
        }
    }

    /// A long stream to a peer that shut down its side and reads slowly: the replies the socket
    /// had not taken yet when the last one was made still go out before the close (closing the
    /// output dropped them: an audit's 10,000-code GetGrades got 9,981 replies).
    @Test func aSlowReaderThatStoppedSendingGetsTheWholeStream() async throws {
        try await TestServer.with(configure: { $0.writeTimeout = .seconds(60) }) { server in
            let count = 60_000
            let expected = (1...count).reduce(0) { total, n in
                total + #"{"parameters":{"n":\#(n)}"#.utf8.count + (n < count ? #","continues":true}"#.utf8.count : 1) + 1
            }
            let call = Array((#"{"method":"org.example.test.Count","parameters":{"count":\#(count)},"more":true}"# + "\0").utf8)
            let peer = try PacedReader(socketPath: server.socketPath, sending: call, thenShutDown: true, chunk: 8 << 10, every: .milliseconds(5))
            try await waitUntil(300) { peer.hasEnded }
            #expect(peer.ending == "end of stream")
            #expect(peer.bytesReceived == expected, "\(peer.bytesReceived) of \(expected) bytes")
            peer.close()
        }
    }

    /// The same when the connection moves off the accept loop meanwhile: a message longer than
    /// the loop's read, or calls sent after one that moves it, are still in the socket with the
    /// end of input when NIO takes the connection over, and read before its handlers are in
    /// place (they were lost: an audit's one-shot GetGrades of 500 codes got no reply).
    @Test func callsStillInTheSocketWhenTheConnectionMovesAreAnsweredAfterTheShutdown() async throws {
        try await TestServer.with { server in
            for attempt in 0..<5 {
                let raw = try await server.raw()
                let long = String(repeating: "l", count: 20_000)
                try await raw.send(
                    #"{"method":"org.example.test.Ping","parameters":{"text":"\#(long)"}}"# + "\0"
                        + (0..<8).map { #"{"method":"org.example.test.Ping","parameters":{"text":"fast-\#($0)"}}"# + "\0" }.joined())
                try await raw.shutdownSending()
                #expect(try await raw.nextFrame() == #"{"parameters":{"text":"\#(long)"}}"#, "attempt \(attempt)")
                for n in 0..<8 {
                    #expect(try await raw.nextFrame() == #"{"parameters":{"text":"fast-\#(n)"}}"#, "attempt \(attempt)")
                }
                #expect(try await raw.expectClosed())
                await raw.close()
            }
        }
    }

    /// An endless feed ends when its peer stops sending: a peer that hung up looks the same,
    /// and would hold the feed (and its connection) for ever.
    @Test func anEndlessFeedEndsWhenThePeerStopsSending() async throws {
        try await TestServer.with(configure: { $0.endlessMethods = ["org.example.test.Forever"] }) { server in
            let raw = try await server.raw()
            try await raw.send(#"{"method":"org.example.test.Forever","more":true}"# + "\0")
            #expect(try await raw.nextFrame()?.contains(#""tick":0"#) == true)
            try await raw.shutdownSending()
            try await waitUntil { server.server.connectionCount == 0 }
            await raw.close()
            // A feed asked for in the same breath as the shutdown does not start either.
            let late = try await server.raw()
            try await late.send(
                #"{"method":"org.example.test.Ping","parameters":{"text":"first"}}"# + "\0"
                    + #"{"method":"org.example.test.Forever","more":true}"# + "\0")
            try await late.shutdownSending()
            #expect(try await late.nextFrame() == #"{"parameters":{"text":"first"}}"#)
            // Ended at the shutdown, or soon after if the feed began first.
            try await Self.expectFeedEnds(late)
            await late.close()
        }
    }

    /// Reads a `Forever` feed's ticks until the connection closes and expects it to: ticks come
    /// every 20 ms, and the bound of 250 (5 s of them, room for a loaded machine) stops a feed that
    /// never ends from hanging the test.
    static func expectFeedEnds(_ raw: RawConnection) async throws {
        var ticks = 0
        while ticks < 250, let frame = try await raw.nextFrame() {
            #expect(frame.contains("tick"), "\(frame)")
            ticks += 1
        }
        #expect(ticks < 250, "the feed went on after its peer stopped sending")
    }

    /// A feed call that fails its checks is answered with its error after the peer stopped
    /// sending, like any other call, and the calls after it too: only a feed that would begin
    /// ends the connection.
    @Test func aFeedCallThatFailsItsChecksIsAnsweredAfterThePeerStopsSending() async throws {
        try await TestServer.with(configure: { $0.endlessMethods = ["org.example.test.Forever"] }) { server in
            let raw = try await server.raw()
            try await raw.send(
                #"{"method":"org.example.test.Forever","parameters":{"bogus":1},"more":true}"# + "\0"
                    + #"{"method":"org.example.test.Ping","parameters":{"text":"after"}}"# + "\0"
                    + #"{"method":"org.example.test.Forever","more":true}"# + "\0"
                    + #"{"method":"org.example.test.Ping","parameters":{"text":"never"}}"# + "\0")
            try await raw.shutdownSending()
            // The end of input may reach the server while the failing feed call is checked: its
            // error and the call after it are still answered (a loaded run lost both).
            let first = try await raw.nextFrame()
            #expect(first == #"{"error":"org.varlink.service.InvalidParameter","parameters":{"parameter":"bogus"}}"#, "\(String(describing: first))")
            let second = try await raw.nextFrame()
            #expect(second == #"{"parameters":{"text":"after"}}"#, "\(String(describing: second))")
            // The feed that would begin ends the connection; if the end of input reached the
            // server only after it began, a few of its ticks come first.
            try await Self.expectFeedEnds(raw)
            await raw.close()
        }
    }

    /// An endless call that sends nothing (a feed waiting for its first change) when its peer
    /// stops sending is closed a moment later, as a running feed is: a peer that hung up cannot
    /// be told apart from one that only stopped writing.
    @Test func aSilentFeedWhosePeerStopsSendingIsClosed() async throws {
        try await TestServer.with(configure: { $0.endlessMethods = ["org.example.test.Slow"] }) { server in
            let raw = try await server.raw()
            try await raw.send(#"{"method":"org.example.test.Slow","parameters":{"milliseconds":8000},"more":true}"# + "\0")
            // Sent once the call is with the server, so that it is the silent feed the end of input finds.
            try await Task.sleep(for: .milliseconds(200))
            try await raw.shutdownSending()
            let frame = try await raw.nextFrame()
            #expect(frame == nil, "the silent feed was answered after its peer stopped sending: \(frame ?? "")")
            await raw.close()

            // The end of input sent with the call, behind another: the silent feed starts after
            // the server knows its peer stopped sending, and is closed the same way.
            let early = try await server.raw()
            try await early.send(
                #"{"method":"org.example.test.Ping","parameters":{"text":"first"}}"# + "\0"
                    + #"{"method":"org.example.test.Slow","parameters":{"milliseconds":8000},"more":true}"# + "\0")
            try await early.shutdownSending()
            #expect(try await early.nextFrame() == #"{"parameters":{"text":"first"}}"#)
            let late = try await early.nextFrame()
            #expect(late == nil, "the silent feed was answered after its peer stopped sending: \(late ?? "")")
            await early.close()
        }
    }

    @Test func oversizedMessagesCloseTheConnection() async throws {
        try await TestServer.with(configure: { $0.maxMessageBytes = 1024 }) { server in
            // No terminator at all.
            let endless = try await server.raw()
            try await endless.send(Array(repeating: UInt8(ascii: " "), count: 4096))
            #expect(try await endless.expectClosed())
            await endless.close()
            // A complete message, but too long.
            let long = try await server.raw()
            let text = String(repeating: "x", count: 2000)
            try await long.send(#"{"method":"org.example.test.Ping","parameters":{"text":""# + text + "\"}}\0")
            #expect(try await long.expectClosed())
            await long.close()
            // Exactly at the limit is fine.
            let client = try await server.client()
            let padding = String(repeating: "y", count: 1024 - #"{"method":"org.example.test.Ping","parameters":{"text":""}}"#.utf8.count)
            #expect(try await client.call("org.example.test.Ping", parameters: ["text": .string(padding)]) == ["text": .string(padding)])
            await client.close()
        }
    }

    /// The overall limit, or the limit per uid far below it: two connections are served, a
    /// third is closed at once, and a freed place can be taken.
    @Test(arguments: zip([2, 10], [nil, 2] as [Int?]))
    func connectionLimit(maxConnections: Int, maxConnectionsPerUser: Int?) async throws {
        try await TestServer.with(configure: {
            $0.maxConnections = maxConnections
            $0.maxConnectionsPerUser = maxConnectionsPerUser
        }) { server in
            let first = try await server.client()
            let second = try await server.client()
            #expect(try await first.call("org.example.test.Ping", parameters: ["text": "1"]) == ["text": "1"])
            #expect(try await second.call("org.example.test.Ping", parameters: ["text": "2"]) == ["text": "2"])
            let third = try await server.raw()
            #expect(try await third.expectClosed())
            await third.close()
            // Those already connected keep being served; a freed place can be taken.
            #expect(try await first.call("org.example.test.Ping", parameters: ["text": "1"]) == ["text": "1"])
            await second.close()
            try await waitUntil { server.server.connectionCount < 2 }
            let fourth = try await server.client()
            #expect(try await fourth.call("org.example.test.Ping", parameters: ["text": "4"]) == ["text": "4"])
            await fourth.close()
            await first.close()
        }
    }

    /// Peers the server does not vouch for share a few places; the rest stay for those it does,
    /// however many of the others connect.
    @Test func peersNotVouchedForShareTheirOwnPlaces() async throws {
        let vouched = Mutex(false)
        try await TestServer.with(configure: {
            $0.maxConnections = 4
            $0.maxConnectionsOfOtherPeers = 2
            $0.isVouchedFor = { _ in vouched.withLock { $0 } }
        }) { server in
            let first = try await server.client()
            let second = try await server.client()
            let third = try await server.raw()
            #expect(try await third.expectClosed(), "a third connection of a peer not vouched for")
            await third.close()
            // A peer vouched for still gets the places kept for it, up to the overall limit.
            vouched.withLock { $0 = true }
            let kept = try await server.client()
            let last = try await server.client()
            #expect(try await kept.call("org.example.test.Ping", parameters: ["text": "k"]) == ["text": "k"])
            #expect(try await last.call("org.example.test.Ping", parameters: ["text": "l"]) == ["text": "l"])
            let over = try await server.raw()
            #expect(try await over.expectClosed())
            await over.close()
            // A place of the others, freed, is theirs again.
            vouched.withLock { $0 = false }
            await second.close()
            await kept.close()
            try await waitUntil { server.server.connectionCount <= 2 }
            let again = try await server.client()
            #expect(try await again.call("org.example.test.Ping", parameters: ["text": "a"]) == ["text": "a"])
            let beyond = try await server.raw()
            #expect(try await beyond.expectClosed())
            await beyond.close()
            for connection in [first, last, again] { await connection.close() }
        }
    }

    /// A peer refused as one not vouched for is reported, so that its roles can be learnt: once
    /// they are, its next connection is admitted while the others still hold their share.
    @Test func aRefusedPeerIsReportedAndAdmittedOnceVouchedFor() async throws {
        let vouched = Mutex(false)
        let reported = Mutex(0)
        try await TestServer.with(configure: {
            $0.maxConnections = 4
            $0.maxConnectionsOfOtherPeers = 1
            $0.isVouchedFor = { _ in vouched.withLock { $0 } }
            $0.refusedAsOtherPeer = { _ in
                reported.withLock { $0 += 1 }
                vouched.withLock { $0 = true }  // as a role look-up started here would find
            }
        }) { server in
            let other = try await server.client()
            let refused = try await server.raw()
            #expect(try await refused.expectClosed())
            await refused.close()
            // Reported beside the refusal, which the peer may see first.
            try await waitUntil { reported.withLock { $0 } >= 1 }
            #expect(reported.withLock { $0 } == 1)
            let admitted = try await server.client()
            #expect(try await admitted.call("org.example.test.Ping", parameters: ["text": "v"]) == ["text": "v"])
            await admitted.close()
            await other.close()
        }
    }

    /// The limit is asked for once per connection, off the event loops, before anything is
    /// read: a message the peer sent while the answer was pending is held to it too.
    @Test func eachPeerIsHeldToTheMessageLimitAskedForIt() async throws {
        let limits = PeerLimits([1024, 1 << 20])
        let message = Array((#"{"method":"org.example.test.Ping","parameters":{"text":""# + String(repeating: "x", count: 4000) + "\"}}\0").utf8)
        try await TestServer.with(configure: {
            $0.maxMessageBytes = 100
            $0.maxMessageBytesForPeer = { _ in await limits.next() }
        }) { server in
            let small = try await server.raw(firstBytes: message)
            #expect(try await small.expectClosed())
            await small.close()
            // The next peer's limit is larger than maxMessageBytes: the peer's own applies.
            let large = try await server.raw(firstBytes: message)
            #expect(try await large.nextFrame()?.hasPrefix(#"{"parameters":{"text":"xxx"#) == true)
            await large.close()
        }
        #expect(!limits.askedOnAnEventLoop)
    }

    /// Replies that stop moving because the peer stopped reading close the connection; a peer
    /// that reads slowly but steadily keeps it however long the stream lasts.
    @Test func aPeerThatStopsReadingIsClosedAfterTheWriteTimeout() async throws {
        // Ten seconds, not three or six: the reader and the server share this test process, and
        // loaded runs froze the whole process for longer than three seconds, and once six, after
        // which the server's timeout ran before the reader's next read.
        try await TestServer.with(configure: { $0.writeTimeout = .seconds(10) }) { server in
            let peer = try await StalledPeer(socketPath: server.socketPath)
            try await peer.send(#"{"method":"org.example.test.Count","parameters":{"count":100000000},"more":true}"# + "\0")
            // Read on the connection's event loop, not from this task: a loaded test run can
            // leave a task unscheduled for longer than the write timeout.
            let reading = peer.readSteadily(every: .milliseconds(20))
            // The stream flows (a loaded machine may take a while to start it)…
            try await waitUntil(60) { peer.bytesReceived >= 8 << 10 }
            // …and past the write timeout the slow reader still has its connection and its stream.
            try await Task.sleep(for: .seconds(12))
            #expect(server.server.connectionCount == 1)
            reading.cancel()
            // It stops reading: the stream fills the socket buffers and stalls.
            try await waitUntil { server.server.connectionCount == 0 }
            let client = try await server.client()
            #expect(try await client.call("org.example.test.Ping", parameters: ["text": "a"]) == ["text": "a"])
            await client.close()
            await peer.close()
        }
    }

    /// Progress is counted within a reply too: a peer reading one reply larger than what the
    /// socket buffers hold (a backup's chunk) slowly but steadily, for longer than the write
    /// timeout, gets all of it.
    @Test func aPeerReadingOneLargeReplySlowlyGetsAllOfIt() async throws {
        let log = CapturedLog()
        // Ten seconds, not three or six: with sixteen tests and their daemons on two cores, loaded
        // runs left the reader's thread without a turn for three seconds, and once for six.
        try await TestServer.with(configure: { $0.writeTimeout = .seconds(10) }, logger: log.logger) { server in
            let size = 6_000_000
            // 16 KiB every 40 ms: the whole reply (about 15 s) takes longer than the write timeout,
            // but the kernel wakes the writer each time the reader has taken most of the socket's
            // buffer (about 180 KB, 12 reads), far within it. At 4 KiB a read, a loaded CI run
            // once needed more than the timeout for those 180 KB.
            let peer = try PacedReader(socketPath: server.socketPath, sending: Self.ping(echoing: size), chunk: 16 << 10, every: .milliseconds(40))
            let start = ContinuousClock.now
            try await waitUntil(300) { peer.bytesReceived > size || peer.hasEnded }
            let elapsed = ContinuousClock.now - start
            peer.close()
            if peer.bytesReceived <= size {
                // The server logs why it closed once its connection's task ends: wait for it.
                try? await waitUntil(10) { !log.entries("connection closed").isEmpty }
            }
            #expect(
                peer.bytesReceived > size,
                "\(peer.ending) after \(peer.bytesReceived) bytes, \(elapsed); server: \(Self.closeReasons(log))")
            #expect(elapsed > .seconds(10), "the reply drained within the write timeout: no test")
        }
    }

    /// A Ping call whose text, and so its reply, is `size` bytes.
    private static func ping(echoing size: Int) -> [UInt8] {
        Array((#"{"method":"org.example.test.Ping","parameters":{"text":""# + String(repeating: "x", count: size) + #""}}"# + "\0").utf8)
    }

    /// Why the server closed its connections, as it logged it.
    private static func closeReasons(_ log: CapturedLog) -> [String] {
        log.entries("connection closed").map { $0.metadata["reason"] ?? "-" }
    }

    /// Time the server itself did not run is not a peer's stall: when the whole machine pauses
    /// (here: the server's only event loop blocked while the peer stops reading) for longer than
    /// the write timeout, the peer that reads steadily before and after keeps its connection.
    @Test func aPauseOfTheServerItselfIsNotCountedAsThePeersStall() async throws {
        // A loaded run can leave this task without a turn until the reply was read whole: such a
        // try shows nothing and is made again (at most three times).
        for attempt in 1...3 {
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            let log = CapturedLog()
            let conclusive = try await TestServer.with(configure: {
                $0.writeTimeout = .seconds(2)
                $0.eventLoopGroup = group
            }, logger: log.logger) { server in
                let size = 6_000_000
                let peer = try PacedReader(socketPath: server.socketPath, sending: Self.ping(echoing: size), chunk: 16 << 10, every: .milliseconds(10))
                try await waitUntil(60) { peer.bytesReceived > 100_000 || peer.hasEnded }
                peer.pause()
                let beforePause = peer.bytesReceived
                // The peer resumes as the server does, from the blocked loop itself: resumed by this
                // task, a loaded run left it paused seconds after the server ran again (a real stall).
                try await group.next().submit {
                    Thread.sleep(forTimeInterval: 4)
                    peer.resume()
                }.get()
                try await waitUntil(300) { peer.bytesReceived > size || peer.hasEnded }
                peer.close()
                guard beforePause < size / 2 else { return false }
                #expect(peer.bytesReceived > size, "\(peer.ending) after \(peer.bytesReceived) bytes; server: \(Self.closeReasons(log))")
                return true
            }
            try await group.shutdownGracefully()
            if conclusive { return }
            if attempt == 3 { Issue.record("the reply was mostly read before the pause in three tries: no test") }
        }
    }

    /// However fast refusals come, each kind is logged about once a second, and the next line
    /// logged says how many were not.
    @Test func refusalsAreLoggedAtMostOnceASecondWithTheNumberLeftOut() async throws {
        let log = CapturedLog()
        let message = "connection limit per user reached; closed new connection"
        try await TestServer.with(configure: { $0.maxConnectionsPerUser = 1 }, logger: log.logger) { server in
            let holder = try await server.client()
            #expect(try await holder.call("org.example.test.Ping", parameters: ["text": "x"]) == ["text": "x"])
            let burst = 30
            let start = ContinuousClock.now
            for _ in 0..<burst {
                let refused = try await server.raw()
                #expect(try await refused.expectClosed())
                await refused.close()
            }
            let elapsed = ContinuousClock.now - start
            try await Task.sleep(for: .milliseconds(1100))
            let last = try await server.raw()
            #expect(try await last.expectClosed())
            await last.close()
            // Every refusal is accounted for: logged, or counted in a later line.
            try await waitUntil {
                let lines = log.entries(message)
                return lines.count + lines.compactMap { $0.metadata["suppressed"].flatMap { Int($0) } }.reduce(0, +) == burst + 1
            }
            let lines = log.entries(message)
            #expect(lines.count <= 2 + Int(elapsed.components.seconds), "\(lines.count) lines in \(elapsed)")
            #expect(lines.count < burst + 1)
            #expect(lines.allSatisfy { $0.metadata["uid"] == "\(getuid())" })
            await holder.close()
        }
    }

    @Test func idleConnectionsAreClosedButLongCallsAreNot() async throws {
        // The idle clock starts when the server begins reading, so a starved suite that serves
        // a connection late does not close it before its first call is read.
        // The timeouts leave room for a first read that comes seconds late: with the suite
        // running beside CPU-bound processes on two cores, a connection's first bytes were seen
        // waiting in the kernel (readable) for up to 5 s before the event loop read them.
        try await TestServer.with(configure: { $0.idleTimeout = .seconds(6) }) { server in
            // Each call is sent the moment its connection is up: only the server's timer is timed.
            let slow = try await server.raw(firstBytes: Array(
                (#"{"method":"org.example.test.Slow","parameters":{"milliseconds":15000}}"# + "\0").utf8))
            let quick = try await server.raw(firstBytes: Array(
                (#"{"method":"org.example.test.Ping","parameters":{"text":"x"}}"# + "\0").utf8))
            #expect(try await quick.nextFrame() == #"{"parameters":{"text":"x"}}"#)
            // 90 s: in a full parallel run on two cores this test has taken 142 s, and a 30 s
            // wait ran out once; a connection never closed still fails.
            #expect(try await quick.expectClosed(timeout: 90))
            // A call more than twice as long as the idle timeout is answered, then its idle connection closes.
            #expect(try await slow.nextFrame() == #"{"parameters":{"slept":15000}}"#)
            #expect(try await slow.expectClosed(timeout: 90))
            try await waitUntil { server.server.connectionCount == 0 }
            await quick.close()
            await slow.close()
        }
    }
}

extension ServerLimitTests {
    /// The idle clock starts when the server begins reading: a connection the server itself was
    /// slow to take up (here its limit lookup takes longer than the idle timeout) is still answered.
    @Test func timeTheServerTakesBeforeReadingIsNotCountedAsIdle() async throws {
        // The timeouts leave room for a first read that comes seconds late: with the suite
        // running beside CPU-bound processes on two cores, a connection's first bytes were seen
        // waiting in the kernel (readable) for up to 5 s before the event loop read them.
        try await TestServer.with(configure: {
            $0.idleTimeout = .seconds(6)
            $0.maxMessageBytesForPeer = { _ in
                try? await Task.sleep(for: .seconds(8))
                return 1 << 16
            }
        }) { server in
            let peer = try await server.raw(firstBytes: Array(
                (#"{"method":"org.example.test.Ping","parameters":{"text":"late"}}"# + "\0").utf8))
            #expect(try await peer.nextFrame() == #"{"parameters":{"text":"late"}}"#)
            #expect(try await peer.expectClosed(timeout: 30))
            await peer.close()
        }
    }

    /// A peer whose calls do not count as activity is closed once idle for the timeout since it
    /// connected, however often it calls. (That the calls of other peers keep theirs open is
    /// what every other test of this suite relies on; timing it here too made this test fail
    /// whenever the whole suite starved its tasks for longer than the timeout.)
    @Test func callsOfAPeerTheyDoNotKeepConnectedDoNotPostponeItsIdleTimeout() async throws {
        // The timeouts leave room for a first read that comes seconds late: with the suite
        // running beside CPU-bound processes on two cores, a connection's first bytes were seen
        // waiting in the kernel (readable) for up to 5 s before the event loop read them.
        try await TestServer.with(configure: {
            $0.idleTimeout = .seconds(6)
            $0.callsKeepPeerConnected = { _ in false }
        }) { server in
            let ping = Array((#"{"method":"org.example.test.Ping","parameters":{"text":"x"}}"# + "\0").utf8)
            let roleless = try await server.raw(firstBytes: ping)
            #expect(try await roleless.nextFrame() == #"{"parameters":{"text":"x"}}"#)
            let opened = ContinuousClock.now
            var closed = false
            while !closed, ContinuousClock.now - opened < .seconds(40) {
                try await Task.sleep(for: .milliseconds(300))
                do {
                    try await roleless.send(ping)
                    closed = try await roleless.nextFrame() == nil
                } catch {
                    closed = true
                }
            }
            #expect(closed, "the peer whose calls do not count kept its connection for 40 s by calling every 300 ms")
            await roleless.close()
        }
    }
}

/// Hands out one limit per connection, slowly, and notes whether it was asked on an event loop.
private final class PeerLimits: Sendable {
    private let state: Mutex<(limits: [Int], askedOnAnEventLoop: Bool)>

    init(_ limits: [Int]) { state = Mutex((limits, false)) }

    func next() async -> Int {
        let onEventLoop = MultiThreadedEventLoopGroup.currentEventLoop != nil
        try? await Task.sleep(for: .milliseconds(300))
        return state.withLock { state in
            state.askedOnAnEventLoop = state.askedOnAnEventLoop || onEventLoop
            return state.limits.removeFirst()
        }
    }

    var askedOnAnEventLoop: Bool { state.withLock { $0.askedOnAnEventLoop } }
}
