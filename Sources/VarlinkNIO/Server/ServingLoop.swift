import CEpoll
import Glibc
import NIOCore
import Synchronization
import Varlink

/// A connection a ``ServingLoop`` holds.
final class LoopConnection {
    let descriptor: CInt
    let id: UInt64
    let context: VarlinkCallContext
    var input: ByteBuffer
    var lastActive: UInt64
    /// It pipelines, and has been given its thread among all of the loop's.
    let spread: Bool

    init(_ admitted: AdmittedConnection, now: UInt64) {
        self.descriptor = admitted.descriptor
        self.id = admitted.id
        self.context = VarlinkCallContext(credentials: admitted.credentials, connectionID: admitted.id)
        self.input = admitted.unread
        self.lastActive = now
        self.spread = admitted.spread
    }
}

/// One thread of the ``AcceptLoop``: its connections and its epoll loop, confined to the thread.
struct ServingLoop {
    let dependencies: AcceptLoop.Dependencies
    let thread: LoopThread
    let epoll: CInt
    /// On the first thread only.
    let listener: CInt?
    /// Every thread of the loop, which get new connections in turn.
    let threads: [LoopThread]
    /// The thread the next connection that pipelines goes to.
    var nextThread = 0
    var connections: [CInt: LoopConnection] = [:]
    /// Replies made in one pass over a connection's input; reused.
    var output = ByteBuffer()
    /// One reply's parameters; reused.
    var parameters: [UInt8] = []
    /// Accepting paused after a failure (no descriptors left, say) until this time.
    var acceptPausedUntil: UInt64?
    var lastSweep: UInt64 = 0

    static let sweepNanoseconds: UInt64 = 100_000_000

    init(dependencies: AcceptLoop.Dependencies, thread: LoopThread, listener: CInt?, threads: [LoopThread]) {
        self.dependencies = dependencies
        self.thread = thread
        self.epoll = thread.epoll
        self.listener = listener
        self.threads = threads
    }

    /// Serves until a stop is requested; returns the `errno` of a failed `epoll_wait`.
    mutating func run(until stopRequested: borrowing Atomic<Bool>) -> Int32? {
        var failure: Int32?
        var ready = [Int32](repeating: 0, count: 256)
        var events = [UInt32](repeating: 0, count: 256)
        while !stopRequested.load(ordering: .acquiring) {
            let timeout: Int32 = connections.isEmpty && acceptPausedUntil == nil ? -1 : 100
            let count = qcredit_epoll_wait(epoll, &ready, &events, 256, timeout)
            if count < 0 && errno != EINTR {
                failure = errno
                break
            }
            let now = NIODeadline.now().uptimeNanoseconds
            for index in 0..<Int(max(count, 0)) {
                let descriptor = ready[index]
                if descriptor == thread.wake {
                    thread.clearWakeUp()
                    for connection in thread.takeConnections() { takeUp(connection, now: now) }
                } else if descriptor == listener {
                    acceptAll(now: now)
                } else if let connection = connections[descriptor] {
                    serve(connection, now: now)
                }
            }
            if now &- lastSweep >= Self.sweepNanoseconds {
                lastSweep = now
                sweep(now: now)
            }
        }
        for connection in connections.values { closeConnection(connection) }
        return failure
    }

    // MARK: Accepting

    private mutating func acceptAll(now: UInt64) {
        guard let listener else { return }
        for _ in 0..<64 {
            let descriptor = qcredit_accept(listener)
            if descriptor < 0 {
                switch errno {
                case EAGAIN: return
                case EINTR, ECONNABORTED, EPROTO: continue
                case let code:
                    // Out of descriptors or memory: stop listening for a moment instead of spinning.
                    _ = qcredit_epoll_remove(epoll, listener)
                    acceptPausedUntil = now + Self.sweepNanoseconds
                    dependencies.acceptFailed(code)
                    return
                }
            }
            guard let credentials = ListeningSocket.peerCredentials(of: descriptor) else {
                close(descriptor)
                dependencies.refused(.noCredentials)
                continue
            }
            let id = dependencies.registry.makeID()
            if let refusal = dependencies.registry.admit(id: id, credentials: credentials) {
                close(descriptor)
                dependencies.refused(refusal)
                continue
            }
            guard dependencies.answersAtOnce else {
                handOver(HandOff(descriptor: descriptor, id: id, credentials: credentials))
                continue
            }
            takeUp(AdmittedConnection(descriptor: descriptor, id: id, credentials: credentials), now: now)
        }
    }

    /// Starts serving a connection on this thread.
    private mutating func takeUp(_ admitted: AdmittedConnection, now: UInt64) {
        guard qcredit_epoll_add(epoll, admitted.descriptor, qcredit_epoll_readable) == 0 else {
            return handOver(HandOff(descriptor: admitted.descriptor, id: admitted.id, credentials: admitted.credentials))
        }
        connections[admitted.descriptor] = LoopConnection(admitted, now: now)
    }

    /// Connections with one call at a time stay on the first thread: spread over threads they
    /// only add wake-ups, each thread finding fewer calls ready per `epoll_wait` (on two vCPUs
    /// shared with the clients, 50 such connections answered 170,000 calls/s on two threads
    /// and 208,000/s on one). A connection that pipelines brings many calls per wake-up; those
    /// are dealt to all threads in turn, so that pipelined work uses every core.
    private mutating func spreadIfPipelining(_ connection: LoopConnection, answered: Int, now: UInt64) {
        guard answered >= Self.pipelinedCalls, !connection.spread, threads.count > 1 else { return }
        let target = threads[nextThread]
        nextThread = (nextThread + 1) % threads.count
        var moving = AdmittedConnection(
            descriptor: connection.descriptor, id: connection.id, credentials: connection.context.credentials)
        moving.unread = connection.input
        moving.spread = true
        forget(connection)
        if target === thread || !target.give(moving) { takeUp(moving, now: now) }
    }

    /// Calls in one read that mark a connection as pipelining.
    static let pipelinedCalls = 4

    /// Hands over connections that went quiet, and resumes accepting after a pause.
    private mutating func sweep(now: UInt64) {
        if let until = acceptPausedUntil, now >= until {
            acceptPausedUntil = nil
            if let listener { _ = qcredit_epoll_add(epoll, listener, qcredit_epoll_readable) }
        }
        for connection in connections.values where now &- connection.lastActive >= dependencies.quietPeriodNanoseconds {
            give(connection, unwritten: ByteBuffer(), unread: connection.input)
        }
    }

    // MARK: Serving

    /// One read from `connection`, the calls in it answered and the replies sent, or the
    /// connection handed over or closed.
    private mutating func serve(_ connection: LoopConnection, now: UInt64) {
        let descriptor = connection.descriptor
        var result = 0
        var readError: Int32 = 0
        connection.input.writeWithUnsafeMutableBytes(minimumWritableBytes: AcceptLoop.readSize) { buffer in
            result = read(descriptor, buffer.baseAddress, AcceptLoop.readSize)
            readError = errno
            return max(result, 0)
        }
        if result == 0 { return closeConnection(connection) }  // the peer closed
        if result < 0 {
            if readError == EAGAIN || readError == EINTR { return }
            return closeConnection(connection)
        }
        output.clear()
        var handOver = false
        var answered = 0
        while let length = frameLength(in: connection.input) {
            guard length <= dependencies.maxFrameBytes, answer(frameOfLength: length, on: connection) else {
                handOver = true
                break
            }
            dependencies.codec.encodeReply(parametersText: parameters, continues: false, into: &output)
            connection.input.moveReaderIndex(forwardBy: length + 1)
            answered += 1
            // Replies go out 16 KiB at a time, so a read full of calls with long replies never
            // makes the loop hold more than that (and one reply) for a peer that is not reading.
            if output.readableBytes >= AcceptLoop.sendSize {
                guard sendOutput(connection) else { return }
                if output.readableBytes > 0 {
                    handOver = true
                    break
                }
                output.clear()
            }
        }
        if !handOver, connection.input.readableBytes > dependencies.maxFrameBytes { handOver = true }
        if answered > 0 {
            dependencies.answered.add(answered)
            connection.lastActive = now
        }
        if output.readableBytes > 0 {
            guard sendOutput(connection) else { return }
            if output.readableBytes > 0 { handOver = true }
        }
        if handOver {
            // A slice: the loop's next `clear()` finds the storage shared and takes new storage.
            give(connection, unwritten: output.slice(), unread: connection.input)
            return
        }
        if connection.input.readableBytes == 0 {
            connection.input.clear()
        } else if connection.input.readerIndex > 0 {
            connection.input.discardReadBytes()
        }
        spreadIfPipelining(connection, answered: answered, now: now)
    }

    /// Puts into ``parameters`` the answer to the frame at the front of the connection's input;
    /// false when the call is not one answered at once.
    private mutating func answer(frameOfLength length: Int, on connection: LoopConnection) -> Bool {
        let frame = connection.input.getSlice(at: connection.input.readerIndex, length: length)!
        if case .answered = dependencies.dispatcher.answerAtOnce(
            frame, codec: dependencies.codec, context: connection.context, parameters: &parameters)
        {
            return true
        }
        return false
    }

    /// Sends what `output` holds, as far as the socket takes it; false when the peer is gone
    /// (the connection is then closed).
    private mutating func sendOutput(_ connection: LoopConnection) -> Bool {
        let sent = output.withUnsafeReadableBytes { send(connection.descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        if sent > 0 {
            output.moveReaderIndex(forwardBy: sent)
        } else if errno != EAGAIN && errno != EINTR {
            closeConnection(connection)
            return false
        }
        return true
    }

    /// The length of the first complete frame in `input` (without its NUL), if there is one.
    private func frameLength(in input: ByteBuffer) -> Int? {
        input.withUnsafeReadableBytes { bytes in
            guard let base = bytes.baseAddress, let found = memchr(base, 0, bytes.count) else { return nil }
            return UnsafeRawPointer(found) - base
        }
    }

    // MARK: Letting go

    /// The loop no longer watches or holds `connection`.
    private mutating func forget(_ connection: LoopConnection) {
        _ = qcredit_epoll_remove(epoll, connection.descriptor)
        connections[connection.descriptor] = nil
    }

    private mutating func give(_ connection: LoopConnection, unwritten: ByteBuffer, unread: ByteBuffer) {
        forget(connection)
        handOver(
            HandOff(
                descriptor: connection.descriptor, id: connection.id, credentials: connection.context.credentials,
                unwritten: unwritten, unread: unread))
    }

    private func handOver(_ handOff: HandOff) {
        if !dependencies.handOver(handOff) {
            dependencies.close(handOff.descriptor, id: handOff.id, uid: handOff.credentials.uid)
        }
    }

    private mutating func closeConnection(_ connection: LoopConnection) {
        forget(connection)
        dependencies.close(connection.descriptor, id: connection.id, uid: connection.context.credentials.uid)
    }
}
