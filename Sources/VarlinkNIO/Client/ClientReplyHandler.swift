import NIOCore
import Varlink

/// Decodes reply frames and hands them to the waiting calls; fails them all when the
/// connection ends.
final class ClientReplyHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let codec: any VarlinkClientCodec
    private let pending: PendingCalls

    init(codec: any VarlinkClientCodec, pending: PendingCalls) {
        self.codec = codec
        self.pending = pending
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = Self.unwrapInboundIn(data)
        let reply: VarlinkReply
        do {
            reply = try codec.decodeReply(frame)
        } catch {
            fail(context: context, VarlinkClientError.protocolViolation("\(error)"))
            return
        }
        if !pending.deliver(reply) {
            fail(context: context, VarlinkClientError.protocolViolation("unexpected reply"))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        pending.close(with: VarlinkClientError.connectionClosed)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(context: context, error)
    }

    private func fail(context: ChannelHandlerContext, _ error: any Error) {
        pending.close(with: error)
        context.close(promise: nil)
    }
}
