import Logging
import NIOCore
import NIOPosix
import Varlink

extension VarlinkServer {
    /// Takes a connection over from the accept loop onto an event loop and serves it there until
    /// it closes; what the loop had not written goes out first, what it had not answered is
    /// read first.
    func serve(_ handOff: HandOff) async {
        defer { registry.remove(id: handOff.id, uid: handOff.credentials.uid) }
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: configuration.eventLoopGroup)
                .channelOption(.autoRead, value: false)
                // One socket read (64 KiB at most) per readiness event: the serving task's inbound
                // backpressure is checked between events, so this bounds what a peer that pipelines
                // calls and never reads its replies makes the daemon hold per connection.
                .channelOption(.maxMessagesPerRead, value: 1)
                .channelOption(.writeBufferWaterMark, value: .init(low: 8 << 10, high: 16 << 10))
                // A peer's end of input ends its calls, not its replies (FrameArrivalHandler).
                .channelOption(.allowRemoteHalfClosure, value: true)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(InputClosedLatch()) }
                }
                .withConnectedSocket(handOff.descriptor).get()
        } catch {
            // NIO owns the descriptor once it made a channel of it, and closed it with the channel.
            logger.debug("cannot serve connection", metadata: ["error": "\(error)"])
            return
        }
        var logger = self.logger
        logger[metadataKey: "varlink.connection"] = "\(handOff.id)"
        logger[metadataKey: "varlink.peer"] = "\(handOff.credentials)"
        let connection = ServerConnection(
            id: handOff.id, channel: channel, credentials: handOff.credentials,
            idleTimeout: configuration.idleTimeout.map(TimeAmount.init), logger: logger)
        guard registry.handedOver(connection) else {
            // Shutting down: the replies the loop made go out, nothing more is read.
            if handOff.unwritten.readableBytes > 0 { try? await channel.writeAndFlush(handOff.unwritten).get() }
            try? await channel.close()
            return
        }
        await serve(connection, carrying: handOff)
    }

    /// Serves one connection until the peer leaves, a limit is hit, or the server drains.
    ///
    /// Two tasks: one reads and answers frames in order, the other waits for the channel to
    /// close. Whichever ends first cancels the other, so a handler stuck in a long call (a
    /// monitor stream, say) learns through cancellation that the connection closed. A peer
    /// that shuts down its side still gets the replies to the calls it sent (an endless feed
    /// excepted: see ``ServerConnection/peerStoppedSending()``).
    private func serve(_ connection: ServerConnection, carrying handOff: HandOff) async {
        let channel = connection.channel
        let logger = connection.logger
        let context = VarlinkCallContext(credentials: connection.credentials, connectionID: connection.id)
        logger.debug("connection accepted")
        defer { connection.finish() }
        // Nothing has been read yet (autoRead is off): what the peer sends while its limit is
        // looked up stays in the kernel's buffer, so no peer can make us hold more than its limit.
        let peerLimit = await configuration.maxMessageBytesForPeer?(connection.credentials)
        if let callsKeep = configuration.callsKeepPeerConnected, await !callsKeep(connection.credentials) {
            connection.callsDoNotCountAsActivity()
        }
        let maxMessageBytes = max(1, peerLimit ?? configuration.maxMessageBytes)
        let writeTimeout = configuration.writeTimeout.map(TimeAmount.init)
        let asyncChannel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        do {
            asyncChannel = try await channel.eventLoop.submit {
                let pipeline = channel.pipeline.syncOperations
                try pipeline.addHandlers(
                    ByteToMessageHandler(NULFrameDecoder(maxFrameLength: maxMessageBytes)),
                    FrameArrivalHandler(connection: connection))
                if let writeTimeout {
                    try pipeline.addHandler(WriteTimeoutHandler(timeout: writeTimeout, connection: connection))
                }
                let immediateAnswers = ImmediateAnswerHandler(
                    connection: connection, dispatcher: self.dispatcher, codec: self.codec, context: context,
                    blockingPool: self.configuration.blockingPool)
                try pipeline.addHandler(immediateAnswers)
                let wrapped = try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                if handOff.unwritten.readableBytes > 0 {
                    // Under the write timeout, ahead of any reply made here. Written once the task's
                    // writer is in place, which starts out writable and learns otherwise only from a
                    // change: written before, a peer not reading left the channel unwritable unknown
                    // to it, and its replies piled up without bound.
                    try pipeline.context(handler: immediateAnswers).writeAndFlush(NIOAny(handOff.unwritten), promise: nil)
                }
                // What the accept loop read and did not answer, then what NIO read before the
                // handlers were here (only when the peer had shut down its side) and that end.
                try pipeline.handler(type: InputClosedLatch.self).open(
                    context: pipeline.context(handlerType: InputClosedLatch.self), readFirst: handOff.unread)
                try channel.syncOptions?.setOption(ChannelOptions.autoRead, value: true)
                // Idle means the peer sent nothing while we were reading: the time this task
                // took to get here (a starved machine, a slow limit lookup) is ours, not its.
                connection.startIdleTimer()
                return wrapped
            }.get()
        } catch {
            logger.debug("connection closed before it was served", metadata: ["error": "\(error)"])
            channel.close(promise: nil)
            return
        }
        do {
            try await asyncChannel.executeThenClose { inbound, outbound in
                await withTaskGroup(of: Void.self) { group in
                    group.addTask {
                        await self.answerFrames(
                            inbound, outbound, channel: channel, connection: connection, context: context,
                            maxMessageBytes: maxMessageBytes, logger: logger)
                        channel.close(promise: nil)
                    }
                    group.addTask {
                        try? await channel.closeFuture.get()
                    }
                    await group.next()
                    group.cancelAll()
                }
            }
        } catch {
            logger.debug("connection closed with error", metadata: ["error": "\(error)"])
        }
        let cause = connection.closeCause
        if cause == .writeTimeout {
            logThrottled(
                .writeTimeout, "peer stopped reading its replies; closed connection", logger: logger,
                metadata: ["writeTimeout": "\(configuration.writeTimeout.map { "\($0)" } ?? "-")"])
        }
        logger.debug("connection closed", metadata: cause.map { ["reason": "\($0.rawValue)"] } ?? [:])
    }

    private func answerFrames(
        _ inbound: NIOAsyncChannelInboundStream<ByteBuffer>,
        _ outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>,
        channel: any Channel,
        connection: ServerConnection,
        context: VarlinkCallContext,
        maxMessageBytes: Int,
        logger: Logger
    ) async {
        let codec = self.codec
        let allocator = channel.allocator
        let sink: VarlinkReplyWriter.Sink = { replies in
            var buffer = allocator.buffer(capacity: 256 * replies.count)
            for reply in replies { codec.encodeReply(reply, into: &buffer) }
            try await outbound.write(buffer)
        }
        // The loop ended because the peer stopped sending, not for a reason of the server's.
        var inputEnded = true
        do {
            for try await frame in inbound {
                guard connection.beginCall() else {
                    inputEnded = false
                    break
                }
                var keepGoing = await answer(frame, connection: connection, context: context, sink: sink, logger: logger)
                // Tells the event loop this call is answered: a frame behind it may be answered there now.
                if keepGoing { keepGoing = (try? await outbound.write(Self.callAnsweredMarker)) != nil }
                guard connection.endCall(), keepGoing else {
                    inputEnded = false
                    break
                }
            }
        } catch is VarlinkFrameTooLargeError {
            logThrottled(
                .messageTooLarge, "message too large; closed connection", logger: logger,
                metadata: ["limit": "\(maxMessageBytes)"])
            return
        } catch {
            logger.debug("read failed", metadata: ["error": "\(error)"])
            return
        }
        // The peer stopped sending: a call it sent may still be with the blocking pool, whose
        // reply comes on the event loop. (Cancelled when the channel closes.)
        while inputEnded, connection.hasUnansweredCalls, channel.isActive { try? await Task.sleep(for: .milliseconds(5)) }
        // Replies the socket has not taken yet (a peer reading slowly) go out before the output
        // closes: closing it drops them, and with the input already closed it closes all. A peer
        // that stops reading is closed by the write timeout meanwhile.
        while channel.isActive, let buffered = try? await channel.getOption(ChannelOptions.bufferedWritableBytes).get(), buffered > 0 {
            try? await Task.sleep(for: .milliseconds(5))
        }
        // Half-close after the replies already queued have reached the socket, so the last
        // reply is not lost when the connection closes right after it.
        try? await channel.close(mode: .output).get()
    }

    /// Written after the replies to each call the task answered (and dropped before the socket):
    /// ``ImmediateAnswerHandler`` counts these to keep replies in call order.
    static let callAnsweredMarker = ByteBuffer()

    /// Answers one frame; false when the connection must close.
    private func answer(
        _ frame: ByteBuffer,
        connection: ServerConnection,
        context: VarlinkCallContext,
        sink: @escaping VarlinkReplyWriter.Sink,
        logger: Logger
    ) async -> Bool {
        let call: VarlinkCall
        do {
            call = try codec.decodeCall(frame)
        } catch .notACall(let field) {
            logger.debug("message is not a call", metadata: ["field": "\(field)"])
            do {
                try await sink([VarlinkReply(error: .invalidParameter(field))])
                return true
            } catch {
                return false
            }
        } catch {
            logThrottled(
                .malformedMessage, "malformed message; closed connection", logger: logger,
                metadata: ["error": "\(error)"])
            return false
        }
        // A oneway call runs no stream (the dispatcher ignores its `more`).
        var callSink = sink
        if call.more && !call.oneway && configuration.endlessMethods.contains(call.method) {
            switch connection.beginEndlessCall() {
            case .draining:
                // Draining closes at once.
                connection.close(because: .shutdown)
                return false
            case .peerStoppedSending:
                // A feed that would wait silently for its first change is closed, as when the
                // end of input comes while it runs.
                connection.closeIfStillSilent()
            case nil:
                break
            }
            // A peer that stopped sending (before the call, or while it was checked): the call
            // is still checked, and one that fails is answered with its error like any other
            // call; one that would begin the feed ends serving instead (the replies before it
            // still go out with the output's half-close).
            callSink = { replies in
                if replies.contains(where: \.continues), !connection.feedBegins() { throw EndlessFeedNotBegun() }
                try await sink(replies)
            }
        }
        do {
            try await dispatcher.dispatch(call, context: context, sink: callSink)
            return true
        } catch is EndlessFeedNotBegun {
            return false
        } catch {
            logger.debug("cannot deliver reply", metadata: ["method": "\(call.method)", "error": "\(error)"])
            return false
        }
    }
}

/// Thrown by the sink of an endless feed that may not begin (its peer stopped sending) when the
/// call's first replies would begin it.
private struct EndlessFeedNotBegun: Error {}
