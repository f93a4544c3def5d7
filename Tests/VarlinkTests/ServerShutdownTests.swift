import CanonicalJSON
import Foundation
import Testing
import Varlink
import VarlinkNIO

/// Graceful shutdown and cancellation.
@Suite struct ServerShutdownTests {
    @Test func gracefulShutdownFinishesCallsInProgress() async throws {
        let directory = TestServer.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/shutdown.sock"
        let handler = TestHandler()
        // What is tested is that the call finishes, not how soon: a grace period far beyond the
        // call's 800 ms, since a full parallel test run on two cores can leave the handler's task
        // unscheduled for many seconds (the bound itself is tested below and in ShutdownTests).
        let server = VarlinkServer(
            configuration: .init(listen: .unixSocket(path: path), shutdownGracePeriod: .seconds(120)),
            dispatcher: TestServer.makeDispatcher(handler), logger: TestServer.logger)
        let running = Task { try await server.run() }
        try await server.waitUntilListening()

        let busy = try await VarlinkClient.connect(socketPath: path)
        let idle = try await RawConnection(socketPath: path)
        try await idle.send(#"{"method":"org.example.test.Ping","parameters":{"text":"x"}}"# + "\0")
        #expect(try await idle.nextFrame() != nil)

        let slowCall = Task { try await busy.call("org.example.test.Slow", parameters: ["milliseconds": 800]) }
        var started = handler.slowStarted.makeAsyncIterator()
        _ = await started.next()
        server.shutdown()

        #expect(try await idle.expectClosed())
        #expect(try await withTimeout(150) { try await slowCall.value } == ["slept": 800])
        try await withTimeout(150) { try await running.value }
        #expect(!FileManager.default.fileExists(atPath: path))
        await #expect(throws: (any Error).self) { _ = try await VarlinkClient.connect(socketPath: path) }
        await idle.close()
        await busy.close()
    }

    @Test func endlessStreamsHoldShutdownUntilCancelled() async throws {
        let directory = TestServer.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/endless.sock"
        let server = VarlinkServer(
            configuration: .init(listen: .unixSocket(path: path)), dispatcher: TestServer.makeDispatcher(TestHandler()),
            logger: TestServer.logger)
        let running = Task { try await server.run() }
        try await server.waitUntilListening()
        let client = try await VarlinkClient.connect(socketPath: path)
        var ticks = client.stream("org.example.test.Forever").makeAsyncIterator()
        #expect(try await ticks.next() == ["tick": 0])
        server.shutdown()
        #expect(try await ticks.next() == ["tick": 1])  // still streaming: the call is in progress
        running.cancel()  // what a lifecycle's shutdown timeout does
        try await withTimeout { try await running.value }
        await #expect(throws: (any Error).self) {
            while try await ticks.next() != nil {}
        }
        await client.close()
    }

    /// Calls still running when the grace period ends (one stalled on a peer that stopped
    /// reading, one endless stream) have their connections closed and their handlers
    /// cancelled, so shutdown ends without anyone cancelling the server.
    @Test func callsStillRunningAfterTheGracePeriodAreClosedAndCancelled() async throws {
        let directory = TestServer.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/grace.sock"
        var configuration = VarlinkServer.Configuration(listen: .unixSocket(path: path))
        // Long enough for the next tick on a loaded machine (500 ms was not, in a full run).
        configuration.shutdownGracePeriod = .seconds(2)
        configuration.writeTimeout = nil
        let server = VarlinkServer(
            configuration: configuration, dispatcher: TestServer.makeDispatcher(TestHandler()), logger: TestServer.logger)
        let running = Task { try await server.run() }
        try await server.waitUntilListening()

        let stalled = try await StalledPeer(socketPath: path)
        try await stalled.send(#"{"method":"org.example.test.Count","parameters":{"count":100000000},"more":true}"# + "\0")
        let client = try await VarlinkClient.connect(socketPath: path)
        var ticks = client.stream("org.example.test.Forever").makeAsyncIterator()
        #expect(try await ticks.next() == ["tick": 0])
        try await waitUntil { server.connectionCount == 2 }

        let start = ContinuousClock.now
        server.shutdown()
        #expect(try await ticks.next() == ["tick": 1])  // the grace period lets it go on
        try await withTimeout { try await running.value }
        #expect(ContinuousClock.now - start >= .seconds(2))
        await #expect(throws: (any Error).self) {
            while try await ticks.next() != nil {}
        }
        #expect(server.connectionCount == 0)
        await client.close()
        await stalled.close()
    }

    @Test func cancellationStopsTheServer() async throws {
        let directory = TestServer.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/cancel.sock"
        let server = VarlinkServer(
            configuration: .init(listen: .unixSocket(path: path)), dispatcher: TestServer.makeDispatcher(TestHandler()),
            logger: TestServer.logger)
        let running = Task { try await server.run() }
        try await server.waitUntilListening()
        let client = try await VarlinkClient.connect(socketPath: path)
        #expect(try await client.call("org.example.test.Ping", parameters: ["text": "x"]) == ["text": "x"])
        running.cancel()
        try await withTimeout { try await running.value }
        await #expect(throws: (any Error).self) {
            try await client.call("org.example.test.Ping", parameters: ["text": "y"])
        }
        await client.close()
    }

    @Test func shutdownBeforeRunReturnsAtOnce() async throws {
        let directory = TestServer.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let server = VarlinkServer(
            configuration: .init(listen: .unixSocket(path: directory + "/early.sock")),
            dispatcher: TestServer.makeDispatcher(TestHandler()), logger: TestServer.logger)
        server.shutdown()
        // Generous: it returns at once, but a full parallel test run can starve its task for seconds.
        try await withTimeout { try await server.run() }
        await #expect(throws: VarlinkServerError.alreadyStarted) { try await server.run() }
    }
}
