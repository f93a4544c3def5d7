import NIOCore

/// Holds back the peer's end of input until the connection's handlers are in place.
///
/// A connection taken over from the accept loop is made a channel first and given its handlers
/// afterwards, on the event loop; a peer that sent its calls and shut down its side at once
/// (`socat`, a one-shot script) may have its end of input seen in between, into a pipeline with
/// nobody to tell. This first handler keeps it, and passes it on once ``open(context:)`` is
/// called, after the calls read before it.
final class InputClosedLatch: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private var isOpen = false
    private var inputClosed = false

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if !isOpen, case ChannelEvent.inputClosed = event {
            inputClosed = true
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    /// On the event loop, with the handlers in place: events pass from now on, and an end of
    /// input seen before goes on now.
    func open(context: ChannelHandlerContext) {
        isOpen = true
        if inputClosed { context.fireUserInboundEventTriggered(ChannelEvent.inputClosed) }
    }
}
