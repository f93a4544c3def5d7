import NIOCore

/// Closes the connection when its replies have made no progress into the socket for
/// `timeout`: the peer stopped reading, the kernel's buffer is full and writes queue up.
///
/// A write counts as finished once all its bytes are in the socket (its promise completes).
/// While any write is unfinished, the time since the last one finished (or since the first of
/// them was queued) is the stall; one timer per stall re-arms itself from that moment, so a
/// peer that reads slowly but steadily keeps its connection. Event-loop confined, no locks.
final class WriteTimeoutHandler: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let timeout: TimeAmount
    private let connection: ServerConnection
    private var unfinishedWrites = 0
    private var lastProgress = NIODeadline.now()
    private var check: Scheduled<Void>?

    init(timeout: TimeAmount, connection: ServerConnection) {
        self.timeout = timeout
        self.connection = connection
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let promise = promise ?? context.eventLoop.makePromise()
        if unfinishedWrites == 0 {
            lastProgress = .now()
            if check == nil { scheduleCheck(in: timeout, on: context.eventLoop) }
        }
        unfinishedWrites += 1
        promise.futureResult.assumeIsolated().whenComplete { _ in
            self.unfinishedWrites -= 1
            self.lastProgress = .now()
        }
        context.write(data, promise: promise)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        check?.cancel()
        check = nil
    }

    private func scheduleCheck(in delay: TimeAmount, on eventLoop: any EventLoop) {
        check = eventLoop.assumeIsolated().scheduleTask(in: delay) { self.checkProgress(on: eventLoop) }
    }

    private func checkProgress(on eventLoop: any EventLoop) {
        check = nil
        guard unfinishedWrites > 0 else { return }  // the next write re-arms the timer
        let stalled = NIODeadline.now() - lastProgress
        if stalled >= timeout {
            connection.close(because: .writeTimeout)
        } else {
            scheduleCheck(in: timeout - stalled, on: eventLoop)
        }
    }
}
