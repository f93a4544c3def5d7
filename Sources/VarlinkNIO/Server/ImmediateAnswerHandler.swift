import NIOCore
import NIOPosix
import Varlink

/// Answers on the event loop the calls the dispatcher can answer at once from memory
/// (``VarlinkDispatcher/answerImmediately(_:context:)``), so a point read costs no hand-off to
/// a task; hands the calls it can answer by a blocking read (``VarlinkDispatcher/answerOffLoop(_:context:)``)
/// to `blockingPool`, one hand-off each way; every other frame goes on to the connection's task.
///
/// Replies stay in call order. Only while no call is with the task or the pool is a frame tried
/// here; once one is, later frames queue behind it on the task's path until the task has
/// answered them all. The task marks the end of each call with an empty write (see
/// ``VarlinkServer/callAnsweredMarker``), which comes through here in order with its replies.
/// While the pool works on a call, what the task writes is held here and follows its reply.
/// While the channel is not writable every frame goes to the task, so a peer that stops
/// reading is held to the outbound buffer's high-water mark.
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
    private let blockingPool: NIOThreadPool?
    /// Calls handed to the task and not yet answered by it.
    private var callsWithTask = 0
    private var unflushed = false
    /// A call is with the blocking pool; the task's writes wait in `heldWrites` meanwhile.
    private var withPool = false
    private var heldWrites: [(data: NIOAny, promise: EventLoopPromise<Void>?)] = []
    /// One reply's parameters; reused.
    private var parameters: [UInt8] = []

    init(
        connection: ServerConnection, dispatcher: VarlinkDispatcher, codec: any VarlinkCodec, context: VarlinkCallContext,
        blockingPool: NIOThreadPool? = nil
    ) {
        self.connection = connection
        self.dispatcher = dispatcher
        self.codec = codec
        self.context = context
        self.blockingPool = blockingPool
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        // A peer that stops reading its replies gets no more answers here: once the socket's
        // send buffer and the channel's outbound buffer are full (not writable), its calls go
        // to the task, whose writes wait for the socket and whose reads then stop. Answering
        // here regardless would queue every reply in memory until the write timeout.
        // Longer frames are not even parsed here (``maxFrameBytes``).
        if callsWithTask == 0, !withPool, context.channel.isWritable, frame.readableBytes <= Self.maxFrameBytes,
            answeredHere(frame, context: context)
        {
            return
        }
        callsWithTask += 1
        context.fireChannelRead(data)
    }

    /// Answers `frame` here (from its bytes, or parsed) or gives it to the blocking pool; false
    /// leaves it to the task.
    private func answeredHere(_ frame: ByteBuffer, context: ChannelHandlerContext) -> Bool {
        let call: VarlinkCall
        switch dispatcher.answerAtOnce(frame, codec: codec, context: self.context, parameters: &parameters) {
        case .answered:
            guard connection.beginCall() else { return false }
            sendAnswer(context: context)
            return true
        case .unparsed:
            return false
        case .parsed(let parsed):
            call = parsed
        }
        guard let blockingPool, let work = dispatcher.answerOffLoop(call, context: self.context), connection.beginCall() else {
            return false
        }
        withPool = true
        // The completion runs on this event loop, where the handler and its context live.
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        blockingPool.runIfActive(eventLoop: context.eventLoop) { work() }.whenComplete { result in
            // A pool that stopped (the process is ending) ran nothing: the call still gets its one reply.
            bound.value.handler.poolAnswered(
                (try? result.get()) ?? VarlinkReply(error: .internalError()), context: bound.value.context)
        }
        return true
    }

    /// Writes the reply made of ``parameters``, and ends the call.
    private func sendAnswer(context: ChannelHandlerContext) {
        var reply = context.channel.allocator.buffer(capacity: parameters.count + 16)
        codec.encodeReply(parametersText: parameters, continues: false, into: &reply)
        send(reply, context: context)
    }

    /// Writes the one reply of a call answered here, and ends the call.
    private func send(_ reply: ByteBuffer, context: ChannelHandlerContext) {
        context.write(wrapOutboundOut(reply), promise: nil)
        unflushed = true
        if connection.callAnswered() { closeWhenWritten(context: context) }
    }

    /// Draining, and no call left: the connection closes once what was written is out.
    private func closeWhenWritten(context: ChannelHandlerContext) {
        unflushed = false
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(channel.allocator.buffer(capacity: 0))).whenComplete { _ in
            channel.close(promise: nil)
        }
    }

    /// On the event loop: the pool's reply goes out, then what the task wrote meanwhile.
    private func poolAnswered(_ reply: VarlinkReply, context: ChannelHandlerContext) {
        withPool = false
        var buffer = context.channel.allocator.buffer(capacity: 256)
        codec.encodeReply(reply, into: &buffer)
        send(buffer, context: context)
        let held = heldWrites
        heldWrites = []
        for (data, promise) in held { write(context: context, data: data, promise: promise) }
        unflushed = false
        context.flush()
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if unflushed {
            unflushed = false
            context.flush()
        }
        context.fireChannelReadComplete()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if withPool {
            heldWrites.append((data, promise))
            return
        }
        let buffer = unwrapOutboundIn(data)
        guard buffer.readableBytes > 0 else {
            // The task's call is answered: its replies went into the channel just before this.
            callsWithTask -= 1
            promise?.succeed(())
            if connection.callAnswered() { closeWhenWritten(context: context) }
            return
        }
        context.write(data, promise: promise)
    }
}
