import NIOCore
import NIOPosix
import VarlinkNIO

/// A test connection that writes raw bytes and reads raw NUL-terminated frames, to send
/// what a well-behaved client never would.
final class RawConnection: Sendable {
    private let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
    private let frames: AsyncThrowingStream<ByteBuffer, any Error>
    private let reader: Task<Void, Never>

    /// `firstBytes` are written by the event loop the moment the connection is up, so a test of
    /// the idle timer does not depend on how soon a busy test process gets round to sending.
    init(socketPath: String, firstBytes: [UInt8] = []) async throws {
        channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(unixDomainSocketPath: socketPath) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if !firstBytes.isEmpty {
                        try channel.pipeline.syncOperations.addHandler(WriteWhenActive(bytes: firstBytes))
                    }
                    try channel.pipeline.syncOperations.addHandler(
                        ByteToMessageHandler(NULFrameDecoder(maxFrameLength: 64 << 20)))
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        let (frames, continuation) = AsyncThrowingStream<ByteBuffer, any Error>.makeStream()
        self.frames = frames
        let channel = self.channel
        reader = Task {
            do {
                try await channel.executeThenClose { inbound, _ in
                    for try await frame in inbound { continuation.yield(frame) }
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
    }

    func send(_ text: String) async throws {
        try await send(Array(text.utf8))
    }

    func send(_ bytes: [UInt8]) async throws {
        try await channel.channel.writeAndFlush(ByteBuffer(bytes: bytes))
    }

    /// The next frame as text, or nil once the server has closed the connection.
    func nextFrame(timeout: Double = 90) async throws -> String? {
        let frames = self.frames
        return try await withTimeout(timeout) {
            var iterator = frames.makeAsyncIterator()
            do {
                return try await iterator.next().map { String(buffer: $0) }
            } catch {
                return nil  // a reset counts as closed
            }
        }
    }

    /// Waits until the server closes the connection; fails if a frame arrives instead.
    func expectClosed(timeout: Double = 90) async throws -> Bool {
        try await nextFrame(timeout: timeout) == nil
    }

    /// Shuts down the sending side only (`shutdown(SHUT_WR)`), as `socat` does after its input.
    func shutdownSending() async throws {
        try await channel.channel.close(mode: .output)
    }

    func close() async {
        try? await channel.channel.close()
        reader.cancel()
    }
}

/// Writes its bytes as soon as the channel becomes active, on the event loop.
private final class WriteWhenActive: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    private let bytes: [UInt8]

    init(bytes: [UInt8]) { self.bytes = bytes }

    func channelActive(context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: bytes)), promise: nil)
        context.fireChannelActive()
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
}
