import Logging
import NIOCore
import Synchronization
import Varlink

/// The shared state of one served connection: how many received calls are not yet answered,
/// whether the server is draining, and the idle timer. The event loop (frames arriving, the
/// timer), the connection's task and the server's shutdown all touch it, hence the lock.
///
/// A connection counts as busy from the moment a complete frame arrives on the event loop, not
/// from when its task gets round to it: on a loaded machine the task may start late, and a call
/// waiting in the buffer must not be closed as idle.
final class ServerConnection: Sendable {
    /// Why the server, rather than the peer, closed a connection.
    enum CloseCause: String, Sendable {
        case idle
        /// The peer stopped reading its replies (``VarlinkServer/Configuration/writeTimeout``).
        case writeTimeout = "write timeout"
        /// In an endless feed when shutdown began.
        case shutdown = "server shutting down"
        /// Still busy when the shutdown grace period ended.
        case shutdownDeadline = "shutdown grace period over"
    }

    let id: UInt64
    let channel: any Channel
    let credentials: VarlinkPeerCredentials
    private let idleTimeout: TimeAmount?
    let logger: Logger
    private let state: Mutex<State>

    private struct State {
        /// Complete frames received and not yet answered (or refused).
        var unansweredFrames = 0
        var draining = false
        /// The call in progress is a feed without an end of its own (see
        /// ``VarlinkServer/Configuration/endlessMethods``): draining closes it at once.
        var inEndlessCall = false
        /// The endless call in progress has sent a continuing reply: its feed has begun (until
        /// then the dispatcher may still be checking it, and it may end with an error).
        var feedStreams = false
        /// The peer shut down its side (end of input): it sends no more calls.
        var peerStoppedSending = false
        var finished = false
        var closeCause: CloseCause?
        /// On the event loop's clock (``EventLoop/now``), which tests can move.
        var lastActivity = NIODeadline.uptimeNanoseconds(0)
        /// False for a peer whose calls do not keep the connection open (see
        /// ``VarlinkServer/Configuration/callsKeepPeerConnected``).
        var callsCountAsActivity = true
        var idleTimer: Scheduled<Void>?
    }

    init(id: UInt64, channel: any Channel, credentials: VarlinkPeerCredentials, idleTimeout: TimeAmount?, logger: Logger) {
        self.id = id
        self.channel = channel
        self.credentials = credentials
        self.idleTimeout = idleTimeout
        self.logger = logger
        self.state = Mutex(State())
    }

    /// A complete frame arrived on the event loop; the connection is busy until it is answered.
    func frameReceived() {
        let now = channel.eventLoop.now
        state.withLock { state in
            state.unansweredFrames += 1
            if state.callsCountAsActivity { state.lastActivity = now }
        }
    }

    /// Some received call is not answered yet.
    var hasUnansweredCalls: Bool { state.withLock { $0.unansweredFrames > 0 } }

    /// This peer's calls do not postpone the idle timeout; set before anything is read.
    func callsDoNotCountAsActivity() {
        state.withLock { $0.callsCountAsActivity = false }
    }

    /// The task takes up a received frame. False when the server is draining: the call is not started.
    func beginCall() -> Bool {
        state.withLock { !$0.draining }
    }

    /// Why an endless feed may not begin.
    enum EndlessCallRefusal {
        /// The server is draining: the connection closes now.
        case draining
        /// The peer shut down its side: serving stops, the replies before it still go out.
        case peerStoppedSending
    }

    /// The call taken up is an endless feed; nil when it may run.
    func beginEndlessCall() -> EndlessCallRefusal? {
        state.withLock { state in
            state.inEndlessCall = true
            state.feedStreams = false
            return state.draining ? .draining : state.peerStoppedSending ? .peerStoppedSending : nil
        }
    }

    /// A continuing reply of the endless call is about to go out: false when the feed may not
    /// go on (or begin), because its peer stopped sending.
    func feedBegins() -> Bool {
        state.withLock { state in
            state.feedStreams = true
            return !state.peerStoppedSending
        }
    }

    /// What the end of a peer's input means for its connection.
    enum InputEnd {
        /// The calls it sent are answered, then the connection closes.
        case answerTheRest
        /// It is in an endless feed, which a peer that hung up cannot be told apart from one that
        /// only stopped writing, and so would hold for ever: the connection closes now.
        case closeNow
        /// It is in an endless call whose feed has not begun (its call may still fail its checks
        /// and be answered with an error, and the calls after it then too): the calls are
        /// answered, and the connection closes if the call is still a silent feed a moment later.
        case closeIfStillSilent
    }

    /// On the event loop: the peer shut down its side. The calls it sent are still answered (a
    /// client may send its call and shut down writing, as `socat` does), but not an endless feed.
    func peerStoppedSending() -> InputEnd {
        state.withLock { state in
            state.peerStoppedSending = true
            guard state.inEndlessCall else { return .answerTheRest }
            return state.feedStreams ? .closeNow : .closeIfStillSilent
        }
    }

    /// An endless call is in progress and has sent nothing that continues (see ``InputEnd/closeIfStillSilent``).
    var isInSilentEndlessCall: Bool { state.withLock { $0.inEndlessCall && !$0.feedStreams } }

    /// How long an endless call that has sent nothing after its peer stopped sending is given to
    /// end by itself (a call that fails its checks is answered with its error, and the calls
    /// after it then too) before the connection closes as for a running feed.
    static let silentFeedGrace = TimeAmount.seconds(1)

    /// Closes the connection after ``silentFeedGrace`` if an endless call is then still silent:
    /// its peer stopped sending, and a feed that waits for its first change would hold for ever.
    func closeIfStillSilent() {
        channel.eventLoop.scheduleTask(in: Self.silentFeedGrace) {
            if self.isInSilentEndlessCall { self.channel.close(promise: nil) }
        }
    }

    /// The task is done with its call. False when the server is draining: stop serving.
    ///
    /// The call stops counting as unanswered only in ``callAnswered()``, on the event loop once
    /// its replies are in the channel: counted here, the idle timer could close the connection
    /// between this moment and the event loop writing the reply, and the reply would be lost.
    func endCall() -> Bool {
        state.withLock { state in
            state.inEndlessCall = false
            return !state.draining
        }
    }

    /// On the event loop: the call's replies have been written to the channel. True when the
    /// connection is to close once they are out: the server is draining and no other received
    /// call waits (one that does is refused by the task, which then closes).
    func callAnswered() -> Bool {
        let now = channel.eventLoop.now
        return state.withLock { state in
            state.unansweredFrames -= 1
            if state.callsCountAsActivity { state.lastActivity = now }
            return state.draining && state.unansweredFrames == 0
        }
    }

    /// Graceful shutdown: an idle connection, or one in an endless feed, is closed now; a busy
    /// one after its call.
    func drain() {
        let closeNow = state.withLock { state in
            state.draining = true
            return state.unansweredFrames == 0 || state.inEndlessCall
        }
        if closeNow { close(because: .shutdown) }
    }

    /// Why the server closed the connection, if it did so for a reason of its own.
    var closeCause: CloseCause? { state.withLock { $0.closeCause } }

    /// Closes the connection, remembering why (the first reason given wins). Closing ends the
    /// connection's task, which cancels a handler still running.
    func close(because cause: CloseCause) {
        state.withLock { state in
            if state.closeCause == nil { state.closeCause = cause }
        }
        channel.close(promise: nil)
    }

    /// The connection is done: no more timer checks.
    func finish() {
        let timer = state.withLock { state in
            state.finished = true
            return state.idleTimer
        }
        timer?.cancel()
    }

    /// Starts the idle timer, once the connection reads. One timer per connection re-arms itself from the last activity,
    /// so calls themselves only update a timestamp. It runs on the event loop and so does not log.
    func startIdleTimer() {
        guard let idleTimeout else { return }
        let now = channel.eventLoop.now
        state.withLock { $0.lastActivity = now }
        scheduleIdleCheck(in: idleTimeout)
    }

    private func scheduleIdleCheck(in delay: TimeAmount) {
        let timer = channel.eventLoop.scheduleTask(in: delay) { [self] in checkIdle() }
        let finished = state.withLock { state in
            state.idleTimer = timer
            return state.finished
        }
        if finished { timer.cancel() }
    }

    private func checkIdle() {
        guard let idleTimeout else { return }
        enum Action { case nothing, close, check(TimeAmount) }
        let now = channel.eventLoop.now
        let action: Action = state.withLock { state in
            if state.finished { return .nothing }
            if state.unansweredFrames > 0 { return .check(idleTimeout) }
            let idle = now - state.lastActivity
            if idle < idleTimeout { return .check(idleTimeout - idle) }
            return .close
        }
        switch action {
        case .nothing: break
        case .close:
            close(because: .idle)
        case .check(let delay): scheduleIdleCheck(in: delay)
        }
    }
}
