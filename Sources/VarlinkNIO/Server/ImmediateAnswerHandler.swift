import NIOCore
import Varlink

/// Answers on the event loop the calls the dispatcher can answer at once from memory
/// (``VarlinkDispatcher/answerImmediately(_:context:)``), so a point read costs no hand-off to
/// a task; every other frame goes on to the connection's task as before.
///
/// Replies stay in call order. Only while no call is with the task is a frame tried here;
/// once one is, later frames queue behind it on the task's path until the task has answered
/// them all. The task marks the end of each call with an empty write (see
/// ``VarlinkServer/callAnsweredMarker``), which comes through here in order with its replies.
final class ImmediateAnswerHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Longer frames are not even parsed here: a point read is a few dozen bytes, and a big
    /// message would hold up every other connection on the loop.
    static let maxFrameBytes = 1024

    private let connection: ServerConnection
    private let dispatcher: VarlinkDispatcher
    private let codec: any VarlinkCodec
    private let context: VarlinkCallContext
    /// Calls handed to the task and not yet answered by it.
    private var callsWithTask = 0
    private var unflushed = false

    init(connection: ServerConnection, dispatcher: VarlinkDispatcher, codec: any VarlinkCodec, context: VarlinkCallContext) {
        self.connection = connection
        self.dispatcher = dispatcher
        self.codec = codec
        self.context = context
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        if callsWithTask == 0, let parameters = immediateAnswer(to: frame), connection.beginCall() {
            var reply = context.channel.allocator.buffer(capacity: parameters.count + 16)
            codec.encodeReply(parametersText: parameters, into: &reply)
            guard connection.endCall() else {
                // Draining: this was the call in progress; the connection closes once it is out.
                unflushed = false
                let channel = context.channel
                context.writeAndFlush(wrapOutboundOut(reply)).whenComplete { _ in channel.close(promise: nil) }
                return
            }
            context.write(wrapOutboundOut(reply), promise: nil)
            unflushed = true
            return
        }
        callsWithTask += 1
        context.fireChannelRead(data)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if unflushed {
            unflushed = false
            context.flush()
        }
        context.fireChannelReadComplete()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let buffer = unwrapOutboundIn(data)
        guard buffer.readableBytes > 0 else {
            callsWithTask -= 1
            promise?.succeed(())
            return
        }
        context.write(data, promise: promise)
    }

    private func immediateAnswer(to frame: ByteBuffer) -> [UInt8]? {
        guard frame.readableBytes <= Self.maxFrameBytes, let call = try? codec.decodeCall(frame) else { return nil }
        return dispatcher.answerImmediately(call, context: context)
    }
}
