import NIOCore

/// Tells the connection, on the event loop, that a complete frame has arrived, so the idle timer
/// sees a call as soon as it is received rather than when the serving task reads it.
///
/// A framing error (a message over the peer's limit) closes the connection right here, once the
/// serving task has been told: waiting for the task would let the peer go on sending meanwhile.
/// The peer's end of input is passed on as the end of its calls.
final class FrameArrivalHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let connection: ServerConnection

    init(connection: ServerConnection) {
        self.connection = connection
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        connection.frameReceived()
        context.fireChannelRead(data)
    }

    /// The peer shut down its side: the frames before it are answered (the serving task's
    /// input ends after them), unless an endless feed is running, which ends now.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event {
            let channel = context.channel
            switch connection.peerStoppedSending() {
            case .answerTheRest:
                break
            case .closeNow:
                // As a task of the loop's, after those that deliver the replies the serving task
                // made before the feed began (closed here at once, a loaded run lost one).
                context.eventLoop.execute { channel.close(promise: nil) }
                return
            case .closeIfStillSilent:
                // Closed at once, the error a failing feed call was writing (and the replies to
                // the calls after it) were lost on a loaded machine: the end of input goes on to
                // the task, and a feed that began meanwhile refuses to (its sink sees the peer gone).
                connection.closeIfStillSilent()
            }
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.fireErrorCaught(error)
        context.close(promise: nil)
    }
}
