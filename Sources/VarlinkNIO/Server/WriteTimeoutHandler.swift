import NIOCore

/// Closes the connection when its replies have made no progress into the socket for
/// `timeout`: the peer stopped reading, the kernel's buffer is full and writes queue up.
///
/// Progress is seen once per flush, not once per write (a reply over 16 KiB counts each 16 KiB
/// slice of it): each flush that leaves something
/// buffered is followed by an empty write whose promise completes when everything before it is
/// in the socket (a stream's writes complete in order). While any flushed batch is unfinished, the
/// time since the last one finished (or since the first of them was flushed) is the stall; one
/// timer per stall re-arms itself from that moment, so a peer that reads slowly but steadily
/// keeps its connection. Event-loop confined, no locks.
final class WriteTimeoutHandler: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let timeout: TimeAmount
    private let connection: ServerConnection
    private var unfinishedBatches = 0
    private var writtenSinceFlush = false
    private var lastProgress = NIODeadline.now()
    private var check: Scheduled<Void>?
    /// When the pending check was due.
    private var checkDue = NIODeadline.now()

    init(timeout: TimeAmount, connection: ServerConnection) {
        self.timeout = timeout
        self.connection = connection
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        writtenSinceFlush = true
        var buffer = unwrapOutboundIn(data)
        guard buffer.readableBytes > Self.progressStep else { return context.write(data, promise: promise) }
        // A reply larger than the socket's buffers (a backup's chunk) goes in slices, each
        // noting its progress when it is in the socket: a peer draining one large reply slowly
        // but steadily is making progress all along, not only when the reply's last byte is sent.
        while buffer.readableBytes > Self.progressStep, let slice = buffer.readSlice(length: Self.progressStep) {
            let sent = context.eventLoop.makePromise(of: Void.self)
            sent.futureResult.assumeIsolated().whenSuccess { self.lastProgress = .now() }
            context.write(wrapOutboundOut(slice), promise: sent)
        }
        let last = context.eventLoop.makePromise(of: Void.self)
        last.futureResult.assumeIsolated().whenSuccess { self.lastProgress = .now() }
        if let promise { last.futureResult.cascade(to: promise) }
        context.write(wrapOutboundOut(buffer), promise: last)
    }

    /// Replies larger than this are watched slice by slice.
    static let progressStep = 16 << 10

    func flush(context: ChannelHandlerContext) {
        context.flush()
        guard writtenSinceFlush else { return }
        writtenSinceFlush = false
        // Most flushes go into the socket at once, leaving nothing to watch: a promise, a marker
        // and a clock read for each were a few percent of a point read's CPU. What a flush leaves
        // buffered (the peer is slow, or stopped reading) is watched.
        if let buffered = try? context.channel.syncOptions?.getOption(ChannelOptions.bufferedWritableBytes), buffered == 0 {
            return
        }
        if unfinishedBatches == 0 {
            lastProgress = .now()
            if check == nil { scheduleCheck(in: timeout, on: context.eventLoop) }
        }
        unfinishedBatches += 1
        let batchSent = context.eventLoop.makePromise(of: Void.self)
        batchSent.futureResult.assumeIsolated().whenComplete { _ in
            self.unfinishedBatches -= 1
            self.lastProgress = .now()
        }
        context.write(wrapOutboundOut(Self.batchMarker), promise: batchSent)
        context.flush()
    }

    private static let batchMarker = ByteBuffer()

    func handlerRemoved(context: ChannelHandlerContext) {
        check?.cancel()
        check = nil
    }

    private func scheduleCheck(in delay: TimeAmount, on eventLoop: any EventLoop) {
        checkDue = .now() + delay
        check = eventLoop.assumeIsolated().scheduleTask(in: delay) { self.checkProgress(on: eventLoop) }
    }

    private func checkProgress(on eventLoop: any EventLoop) {
        check = nil
        guard unfinishedBatches > 0 else { return }  // the next flush re-arms the timer
        let now = NIODeadline.now()
        // A check that runs well after it was due means the server itself was not running (a
        // paused machine, a starved process), and the peer may not have had its turn either:
        // the time is not the peer's stall, so the count starts again.
        if now - checkDue > .nanoseconds(timeout.nanoseconds / 4) { lastProgress = now }
        let stalled = now - lastProgress
        if stalled >= timeout {
            connection.close(because: .writeTimeout)
        } else {
            scheduleCheck(in: timeout - stalled, on: eventLoop)
        }
    }
}
