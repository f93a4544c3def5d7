import NIOCore

/// Tells the connection, on the event loop, that a complete frame has arrived, so the idle timer
/// sees a call as soon as it is received rather than when the serving task reads it.
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
}
