import Logging
import NIOCore
import Varlink

extension VarlinkServer {
    /// Serves one connection until the peer leaves, a limit is hit, or the server drains.
    ///
    /// Two tasks: one reads and answers frames in order, the other waits for the channel to
    /// close. Whichever ends first cancels the other, so a handler stuck in a long call (a
    /// monitor stream, say) learns through cancellation that its client has gone away.
    func serve(_ connection: ServerConnection, credentials: VarlinkPeerCredentials) async {
        let channel = connection.channel
        let logger = connection.logger
        let context = VarlinkCallContext(credentials: credentials, connectionID: connection.id)
        logger.debug("connection accepted")
        connection.startIdleTimer()
        defer { connection.finish() }
        let asyncChannel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        do {
            asyncChannel = try await channel.eventLoop.submit {
                let wrapped = try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                try channel.syncOptions?.setOption(ChannelOptions.autoRead, value: true)
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
                            inbound, outbound, channel: channel, connection: connection, context: context, logger: logger)
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
        logger.debug("connection closed", metadata: connection.closedForIdleness ? ["reason": "idle"] : [:])
    }

    private func answerFrames(
        _ inbound: NIOAsyncChannelInboundStream<ByteBuffer>,
        _ outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>,
        channel: any Channel,
        connection: ServerConnection,
        context: VarlinkCallContext,
        logger: Logger
    ) async {
        let codec = self.codec
        let allocator = channel.allocator
        let sink: VarlinkReplyWriter.Sink = { reply in
            var buffer = allocator.buffer(capacity: 256)
            codec.encodeReply(reply, into: &buffer)
            try await outbound.write(buffer)
        }
        do {
            for try await frame in inbound {
                guard connection.beginCall() else { break }
                let keepGoing = await answer(frame, context: context, sink: sink, logger: logger)
                guard connection.endCall(), keepGoing else { break }
            }
        } catch is VarlinkFrameTooLargeError {
            logger.notice("message too large; closing connection", metadata: ["limit": "\(configuration.maxMessageBytes)"])
            return
        } catch {
            logger.debug("read failed", metadata: ["error": "\(error)"])
            return
        }
        // Half-close after the replies already queued have reached the socket, so the last
        // reply is not lost when the connection closes right after it.
        try? await channel.close(mode: .output).get()
    }

    /// Answers one frame; false when the connection must close.
    private func answer(
        _ frame: ByteBuffer,
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
                try await sink(VarlinkReply(error: .invalidParameter(field)))
                return true
            } catch {
                return false
            }
        } catch {
            logger.notice("malformed message; closing connection", metadata: ["error": "\(error)"])
            return false
        }
        do {
            try await dispatcher.dispatch(call, context: context, sink: sink)
            return true
        } catch {
            logger.debug("cannot deliver reply", metadata: ["method": "\(call.method)", "error": "\(error)"])
            return false
        }
    }
}
