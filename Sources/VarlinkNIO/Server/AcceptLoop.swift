import CEpoll
import Glibc
import NIOCore
import Synchronization
import Varlink

/// Accepts the server's connections and answers, on threads of its own running epoll loops
/// without NIO's channel pipeline, the calls the dispatcher answers at once from memory
/// (``VarlinkDispatcher/answerImmediately(_:context:)``, a bank's point read): per batch of
/// calls a read, a scan for the NULs, the answers and one `send`.
///
/// Everything else goes to NIO: a connection is handed over (``HandOff``) with the replies not
/// yet written and the bytes not yet answered as soon as it sends anything the dispatcher does
/// not answer at once, a frame longer than `maxFrameBytes` (or that many bytes without a NUL),
/// when its replies do not all fit into the socket (the peer is slow or stopped reading), and
/// when it has sent nothing for a while (``VarlinkServer/Configuration/acceptLoopQuietPeriod``). So the loop holds only connections
/// busy with point reads, and never more than one read (``readSize``) of unanswered bytes for
/// one; the limits of ``VarlinkServer/Configuration`` (the peer's message limit, the idle and
/// write timeouts, a call's graceful end at shutdown) apply on NIO's side as before. A
/// connection counts against the connection limits from its admission here until it closes.
///
/// The first thread accepts, admits and serves connections with one call at a time; those that
/// pipeline are dealt to all threads in turn (see ``ServingLoop``). With `answersAtOnce` false
/// every admitted connection is handed over at once.
final class AcceptLoop: Sendable {
    /// Bytes read from a connection at a time.
    static let readSize = 4096
    /// Replies are sent once they fill this much; a connection whose socket does not take
    /// them all is handed over, so the loop holds at most this much (and one reply) for it.
    static let sendSize = 16 << 10

    struct Dependencies: Sendable {
        let registry: ConnectionRegistry
        let dispatcher: VarlinkDispatcher
        let codec: any VarlinkCodec
        /// Answer at once on this loop; false hands every connection over after admission.
        let answersAtOnce: Bool
        /// Longer frames are not parsed here.
        let maxFrameBytes: Int
        /// A connection that sent nothing for this long is handed over, so that its idle time
        /// is measured by NIO's idle timer, with the peer's own rules.
        let quietPeriodNanoseconds: UInt64
        /// Counts the calls answered on the loop.
        let answered: AnswerCounter
        /// Called on the loop for every refused connection (already closed).
        let refused: @Sendable (AcceptedConnection.Refusal) -> Void
        /// Called on the loop for a failure to accept that pauses accepting for a moment.
        let acceptFailed: @Sendable (Int32) -> Void
        /// Takes over a connection; false when nobody takes it any more (it is then closed here).
        let handOver: @Sendable (HandOff) -> Bool
        /// Called once every thread has stopped (with the `errno` of what failed, if something
        /// did): no more hand-overs.
        let stopped: @Sendable (Int32?) -> Void

        /// Closes an admitted connection the loop holds; it no longer counts against the limits.
        func close(_ descriptor: CInt, id: UInt64, uid: UInt32) {
            Glibc.close(descriptor)
            registry.remove(id: id, uid: uid)
        }
    }

    private let listener: CInt
    private let threads: [LoopThread]
    private let dependencies: Dependencies
    private let stopRequested = Atomic<Bool>(false)
    private let running: Atomic<Int>
    private let failure = Mutex<Int32?>(nil)

    /// Takes ownership of the listening socket `listener` (non-blocking) once it returns.
    init(listener: CInt, threads count: Int, dependencies: Dependencies) throws(VarlinkServerError) {
        var threads: [LoopThread] = []
        for index in 0..<max(1, count) {
            do {
                threads.append(try LoopThread(listener: index == 0 ? listener : nil))
            } catch {
                for thread in threads { thread.closeDescriptors() }
                throw error
            }
        }
        self.listener = listener
        self.threads = threads
        self.dependencies = dependencies
        self.running = Atomic(threads.count)
    }

    /// Starts the loop's threads. A thread that cannot be started stops the others, and
    /// ``Dependencies/stopped`` reports the failure.
    func start() {
        for (index, thread) in threads.enumerated() {
            let body = Unmanaged.passRetained(
                LoopBody { [self] in
                    qcredit_name_this_thread("varlink-accept")
                    var loop = ServingLoop(
                        dependencies: dependencies, thread: thread, listener: index == 0 ? listener : nil,
                        threads: threads)
                    threadEnded(thread, failure: loop.run(until: stopRequested))
                })
            var handle = pthread_t()
            let result = pthread_create(
                &handle, nil,
                { raw in
                    Unmanaged<LoopBody>.fromOpaque(raw!).takeRetainedValue().run()
                    return nil
                }, body.toOpaque())
            if result == 0 {
                pthread_detach(handle)
            } else {
                body.release()
                threadEnded(thread, failure: result)
            }
        }
    }

    /// Stops accepting and closes the connections the loop holds (none has a call in progress:
    /// the loop answers what it reads before it waits again). Safe from anywhere, more than once.
    func stop() {
        guard !stopRequested.exchange(true, ordering: .acquiringAndReleasing) else { return }
        for thread in threads { thread.wakeUp() }
    }

    /// The last thread to end closes the listener and reports.
    private func threadEnded(_ thread: LoopThread, failure code: Int32?) {
        for admitted in thread.closeInbox() {
            dependencies.close(admitted.descriptor, id: admitted.id, uid: admitted.credentials.uid)
        }
        thread.closeDescriptors()
        if let code {
            failure.withLock { $0 = $0 ?? code }
            stop()
        }
        guard running.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 else { return }
        close(listener)
        dependencies.stopped(failure.withLock { $0 })
    }
}

/// How many calls the accept loop answered, for ``VarlinkServer/callsAnsweredOnAcceptLoop``.
final class AnswerCounter: Sendable {
    private let count = Atomic<Int>(0)
    func add(_ calls: Int) { count.wrappingAdd(calls, ordering: .relaxed) }
    var value: Int { count.load(ordering: .relaxed) }
}

/// What the other threads know of one of the loop's threads: its epoll set, the descriptor that
/// wakes it, and the connections given to it and not yet taken up.
final class LoopThread: Sendable {
    let epoll: CInt
    let wake: CInt
    private let inbox = Mutex(Inbox())

    private struct Inbox {
        var connections: [AdmittedConnection] = []
        var closed = false
    }

    init(listener: CInt?) throws(VarlinkServerError) {
        let epoll = qcredit_epoll_create()
        guard epoll >= 0 else { throw .socketFile(path: "epoll", operation: "epoll_create1", errno: errno) }
        let wake = qcredit_eventfd()
        guard wake >= 0, qcredit_epoll_add(epoll, wake, qcredit_epoll_readable) == 0,
            listener.map({ qcredit_epoll_add(epoll, $0, qcredit_epoll_readable) == 0 }) ?? true
        else {
            let code = errno
            close(epoll)
            if wake >= 0 { close(wake) }
            throw .socketFile(path: "epoll", operation: "epoll_ctl", errno: code)
        }
        self.epoll = epoll
        self.wake = wake
    }

    /// Gives the thread a connection; false once it has stopped taking them.
    func give(_ connection: AdmittedConnection) -> Bool {
        let taken = inbox.withLock { inbox in
            if inbox.closed { return false }
            inbox.connections.append(connection)
            return true
        }
        if taken { wakeUp() }
        return taken
    }

    /// On the thread: the connections given to it since it last looked.
    func takeConnections() -> [AdmittedConnection] {
        inbox.withLock { inbox in
            defer { inbox.connections = [] }
            return inbox.connections
        }
    }

    /// On the thread, as it stops: takes no more, and returns those it did not take up.
    func closeInbox() -> [AdmittedConnection] {
        inbox.withLock { inbox in
            inbox.closed = true
            defer { inbox.connections = [] }
            return inbox.connections
        }
    }

    func wakeUp() {
        var one: UInt64 = 1
        _ = write(wake, &one, MemoryLayout<UInt64>.size)
    }

    /// On the thread, after a wake-up: resets the descriptor.
    func clearWakeUp() {
        var count: UInt64 = 0
        _ = read(wake, &count, MemoryLayout<UInt64>.size)
    }

    func closeDescriptors() {
        close(epoll)
        close(wake)
    }
}

private final class LoopBody: Sendable {
    let run: @Sendable () -> Void
    init(_ run: @escaping @Sendable () -> Void) { self.run = run }
}
