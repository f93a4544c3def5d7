import NIOCore

/// Holds back what the peer sends until the connection's handlers are in place.
///
/// A connection taken over from the accept loop is made a channel first and given its handlers
/// afterwards, on the event loop. NIO reads nothing meanwhile (autoRead is off), except when the
/// peer has shut down its side: then it reads what is left in the socket and the end of input at
/// once, into a pipeline with nobody to take them (a peer that sent its calls and shut down its
/// side, as `socat` does, lost the calls NIO read so). This first handler keeps both, and
/// ``open(context:readFirst:)`` passes them on once the handlers are there: after the bytes the
/// accept loop had read and not answered, which came before them.
final class InputClosedLatch: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private var isOpen = false
    private var held: [ByteBuffer] = []
    private var inputClosed = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard isOpen else {
            held.append(unwrapInboundIn(data))
            return
        }
        context.fireChannelRead(data)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if isOpen { context.fireChannelReadComplete() }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if !isOpen, case ChannelEvent.inputClosed = event {
            inputClosed = true
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    /// On the event loop, with the handlers in place: `readFirst` (what the accept loop read and
    /// did not answer) goes on, then what was held, in the order it came; from now on everything
    /// passes.
    func open(context: ChannelHandlerContext, readFirst: ByteBuffer) {
        isOpen = true
        let pending = (readFirst.readableBytes > 0 ? [readFirst] : []) + held
        held = []
        for bytes in pending { context.fireChannelRead(wrapInboundOut(bytes)) }
        if !pending.isEmpty { context.fireChannelReadComplete() }
        if inputClosed { context.fireUserInboundEventTriggered(ChannelEvent.inputClosed) }
    }
}
