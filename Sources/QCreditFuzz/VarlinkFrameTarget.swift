import CanonicalJSON
import NIOCore
import NIOEmbedded
import Varlink
import VarlinkNIO

/// The server's request path: bytes from a socket through ``NULFrameDecoder`` into frames, each
/// frame through ``JSONValueCodec/decodeCall(_:)``.
///
/// Input: byte 0 sets the frame limit, byte 1 the size of the reads the stream arrives in, the
/// rest is the stream. Checked: the frames are exactly the NUL-separated segments, in order, up to
/// the first segment longer than the limit, which (terminated or not) is an error; no frame is
/// longer than the limit; an unterminated tail within the limit is dropped silently; a frame the
/// codec refuses as malformed is not JSON; a decoded call has the method and parameters its JSON
/// holds, and encodes and decodes back to itself.
enum VarlinkFrameTarget {
    static let target = FuzzTarget(
        name: "varlink-frame",
        summary: "NUL frame decoder over chunked reads, then the varlink call and reply decoders",
        body: run)

    static func run(_ input: UnsafeRawBufferPointer) throws(InvariantViolation) {
        guard input.count >= 2 else { return }
        // Limits of 1…128 make oversized frames common; with the high bit, 16…2048 fit real calls.
        let limitByte = Int(input[0])
        let limit = limitByte & 0x80 == 0 ? limitByte + 1 : ((limitByte & 0x7F) + 1) * 16
        // Reads of 1…256 bytes: small ones split messages anywhere, large ones keep runs fast.
        let readSize = Int(input[1]) + 1
        let stream = Array(input.dropFirst(2))

        let outcome = decodeFrames(stream, limit: limit, readSize: readSize)
        let segments = stream.split(separator: 0, omittingEmptySubsequences: false)
        // The last piece has no NUL after it (it is empty when the stream ends with one).
        let terminated = segments.dropLast()
        let firstOversized = segments.firstIndex { $0.count > limit }
        let expectedFrames = terminated.prefix(firstOversized ?? terminated.count)

        try require(
            outcome.frames.count == expectedFrames.count && zip(outcome.frames, expectedFrames).allSatisfy { $0.elementsEqual($1) },
            "limit \(limit), reads of \(readSize): \(outcome.frames.count) frames, expected \(expectedFrames.count)")
        try require(
            outcome.refusedAsTooLarge == (firstOversized != nil),
            "limit \(limit): oversized segment \(firstOversized.map(String.init) ?? "none"), refused \(outcome.refusedAsTooLarge)")

        for frame in outcome.frames {
            try checkCallDecoding(frame)
            try checkReplyDecoding(frame)
        }
    }

    private struct Outcome {
        var frames: [[UInt8]] = []
        var refusedAsTooLarge = false
    }

    private static func decodeFrames(_ stream: [UInt8], limit: Int, readSize: Int) -> Outcome {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(NULFrameDecoder(maxFrameLength: limit)))
        var outcome = Outcome()
        var offset = 0
        do {
            while offset < stream.count {
                let end = min(stream.count, offset + readSize)
                try channel.writeInbound(ByteBuffer(bytes: stream[offset..<end]))
                offset = end
                collect(from: channel, into: &outcome)
            }
            _ = try channel.finish()
        } catch is VarlinkFrameTooLargeError {
            outcome.refusedAsTooLarge = true
            // Closing breaks the channel's reference cycle with its pipeline, as the server's close does.
            _ = try? channel.finish()
        } catch {
            // Any other error is a failure of its own: recorded as a frame count that cannot match.
            outcome.frames.append(Array("unexpected error \(error)".utf8))
        }
        collect(from: channel, into: &outcome)
        return outcome
    }

    private static func collect(from channel: EmbeddedChannel, into outcome: inout Outcome) {
        while let frame = try? channel.readInbound(as: ByteBuffer.self) {
            outcome.frames.append(Array(frame.readableBytesView))
        }
    }

    private static func checkCallDecoding(_ frame: [UInt8]) throws(InvariantViolation) {
        let codec = JSONValueCodec()
        let call: VarlinkCall
        do {
            call = try codec.decodeCall(ByteBuffer(bytes: frame))
        } catch {
            if case .malformed = error {
                try require((try? JSONValue.parse(frame)) == nil, "a frame that parses as JSON was refused as malformed")
            }
            return
        }
        // Whatever shortcut decoded it, the call is what the JSON says.
        guard case .object(let message)? = try? JSONValue.parse(frame) else {
            throw InvariantViolation("a frame that is not a JSON object decoded as a call: \(call)")
        }
        try require(
            message["method"] == .string(call.method) && (message["parameters"]?.objectValue ?? [:]) == call.parameters,
            "a call decoded otherwise than its JSON says: \(call)")
        var encoded = ByteBuffer()
        codec.encodeCall(call, into: &encoded)
        try require(encoded.readableBytesView.last == 0, "an encoded call does not end with NUL")
        encoded.moveWriterIndex(to: encoded.writerIndex - 1)
        let again = try? codec.decodeCall(encoded)
        try require(
            again.map { sameCall($0, call) } == true, "a decoded call does not survive encoding: \(call)")
    }

    private static func checkReplyDecoding(_ frame: [UInt8]) throws(InvariantViolation) {
        let codec = JSONValueCodec()
        guard let reply = try? codec.decodeReply(ByteBuffer(bytes: frame)) else { return }
        var encoded = ByteBuffer()
        codec.encodeReply(reply, into: &encoded)
        encoded.moveWriterIndex(to: encoded.writerIndex - 1)
        let again = try? codec.decodeReply(encoded)
        try require(
            again.map { sameReply($0, reply) } == true, "a decoded reply does not survive encoding: \(reply)")
    }

    // Numbers compare by value: `1.0` is written `1` and read back as an integer.
    private static func sameCall(_ lhs: VarlinkCall, _ rhs: VarlinkCall) -> Bool {
        lhs.method.hasSameUTF8(as: rhs.method) && lhs.more == rhs.more && lhs.oneway == rhs.oneway
            && lhs.upgrade == rhs.upgrade && JSONValue.object(lhs.parameters).isSameJSON(as: .object(rhs.parameters))
    }

    private static func sameReply(_ lhs: VarlinkReply, _ rhs: VarlinkReply) -> Bool {
        let sameError: Bool
        switch (lhs.error, rhs.error) {
        case (nil, nil): sameError = true
        case (let left?, let right?): sameError = left.hasSameUTF8(as: right)
        default: sameError = false
        }
        return sameError && lhs.continues == rhs.continues
            && JSONValue.object(lhs.parameters).isSameJSON(as: .object(rhs.parameters))
    }
}
