import NIOCore
import NIOPosix
import Synchronization

/// A peer that sends but reads only when told to: reading is off (`autoRead` false), so what
/// the server writes piles up in the socket buffers, as with a client that stopped reading.
/// Each read takes at most 2 KiB, so a slow reader does not make the server stream flat out.
final class StalledPeer: Sendable {
    private let channel: any Channel
    private let received: ReceivedBytes

    init(socketPath: String) async throws {
        let received = ReceivedBytes()
        self.received = received
        channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.autoRead, value: false)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 2048))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteCounter(received: received))
                }
            }
            .connect(unixDomainSocketPath: socketPath).get()
    }

    func send(_ text: String) async throws {
        try await channel.writeAndFlush(ByteBuffer(string: text))
    }

    /// Reads once: at most 2 KiB.
    func readOnce() {
        channel.read()
    }

    /// Reads 2 KiB every `interval` on the connection's own event loop until the returned task
    /// is cancelled: a steady slow reader that keeps reading however busy the test's tasks are.
    func readSteadily(every interval: TimeAmount) -> RepeatedTask {
        let channel = self.channel
        return channel.eventLoop.scheduleRepeatedTask(initialDelay: .zero, delay: interval) { _ in channel.read() }
    }

    /// Bytes read so far.
    var bytesReceived: Int { received.count.load(ordering: .relaxed) }

    func close() async {
        try? await channel.close()
    }
}

private final class ReceivedBytes: Sendable {
    let count = Atomic(0)
}

private final class ByteCounter: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    private let received: ReceivedBytes

    init(received: ReceivedBytes) { self.received = received }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        received.count.add(unwrapInboundIn(data).readableBytes, ordering: .relaxed)
    }
}
