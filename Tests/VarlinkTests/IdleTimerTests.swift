import NIOCore
import NIOEmbedded
import Logging
import Testing
import Varlink

@testable import VarlinkNIO

/// The idle timer of one connection, on an embedded event loop whose clock the test moves.
@Suite struct IdleTimerTests {
    private func makeConnection(idleTimeout: TimeAmount) throws -> (ServerConnection, EmbeddedChannel) {
        let channel = EmbeddedChannel()
        try channel.connect(to: SocketAddress(unixDomainSocketPath: "/tmp/idle-timer-test")).wait()
        let connection = ServerConnection(
            id: 1, channel: channel, credentials: VarlinkPeerCredentials(pid: 1, uid: 1, gid: 1),
            idleTimeout: idleTimeout, logger: Logger(label: "idle-timer-test"))
        return (connection, channel)
    }

    /// A call counts as unanswered until its replies are in the channel (on the event loop),
    /// not merely until the task that answered it is done: otherwise a timer firing in between
    /// closes the connection and the reply, written after, is lost. Seen as a client's missing
    /// first reply on a loaded machine.
    @Test func aCallIsUnansweredUntilItsRepliesReachTheChannel() throws {
        let (connection, channel) = try makeConnection(idleTimeout: .seconds(2))
        connection.callsDoNotCountAsActivity()
        connection.startIdleTimer()
        connection.frameReceived()
        #expect(connection.beginCall())
        // The task was slow (starved): the idle timeout since reading began has long passed.
        channel.embeddedEventLoop.advanceTime(by: .seconds(5))
        #expect(channel.isActive)
        // The task is done, but its reply has not reached the channel yet.
        #expect(connection.endCall())
        channel.embeddedEventLoop.advanceTime(by: .seconds(5))
        #expect(channel.isActive, "closed as idle while the reply was still on its way")
        // The reply is in the channel: now the connection may close as idle.
        #expect(!connection.callAnswered())
        channel.embeddedEventLoop.advanceTime(by: .seconds(4))
        #expect(!channel.isActive)
        #expect(connection.closeCause == .idle)
        connection.finish()
    }

    /// Draining: the connection closes once the reply of its last call is in the channel, and
    /// not before.
    @Test func drainingClosesAfterTheLastReplyIsWritten() throws {
        let (connection, channel) = try makeConnection(idleTimeout: .seconds(60))
        connection.startIdleTimer()
        connection.frameReceived()
        #expect(connection.beginCall())
        connection.drain()
        #expect(channel.isActive)
        #expect(!connection.endCall())
        #expect(connection.callAnswered())
        connection.finish()
        _ = try? channel.finish()
    }
}
