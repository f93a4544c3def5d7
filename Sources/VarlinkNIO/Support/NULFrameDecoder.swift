import Glibc
import NIOCore

/// Splits a byte stream into NUL-terminated varlink messages (the NUL is dropped).
///
/// A peer that sends more than `maxFrameLength` bytes without a NUL, or a message longer than
/// that, gets ``VarlinkFrameTooLargeError`` and the channel is torn down. Bytes left without a
/// terminator when the peer closes are discarded: an incomplete message is never a call.
///
/// ```swift
/// try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(NULFrameDecoder(maxFrameLength: 1 << 20)))
/// ```
public struct NULFrameDecoder: ByteToMessageDecoder {
    public typealias InboundOut = ByteBuffer

    public let maxFrameLength: Int
    /// Bytes at the front of the buffer already known to hold no NUL, so a message that
    /// arrives in many reads is scanned once, not once per read.
    private var scanned = 0

    public init(maxFrameLength: Int) {
        precondition(maxFrameLength > 0)
        self.maxFrameLength = maxFrameLength
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        let start = scanned
        let terminator: Int? = buffer.withUnsafeReadableBytes { bytes in
            guard start < bytes.count, let base = bytes.baseAddress else { return nil }
            guard let found = memchr(base + start, 0, bytes.count - start) else { return nil }
            return UnsafeRawPointer(found) - base
        }
        guard let length = terminator else {
            scanned = buffer.readableBytes
            if scanned > maxFrameLength { throw VarlinkFrameTooLargeError(limit: maxFrameLength) }
            return .needMoreData
        }
        guard length <= maxFrameLength else { throw VarlinkFrameTooLargeError(limit: maxFrameLength) }
        let frame = buffer.readSlice(length: length)!
        buffer.moveReaderIndex(forwardBy: 1)
        scanned = 0
        context.fireChannelRead(Self.wrapInboundOut(frame))
        return .continue
    }

    public mutating func decodeLast(
        context: ChannelHandlerContext,
        buffer: inout ByteBuffer,
        seenEOF: Bool
    ) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        buffer.moveReaderIndex(to: buffer.writerIndex)
        scanned = 0
        return .needMoreData
    }
}
