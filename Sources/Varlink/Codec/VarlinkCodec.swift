import NIOCore

/// The server side of the wire format: frames in, replies out.
///
/// A frame is one message without its terminating NUL. Nothing else on the server's request
/// path parses or prints JSON, so a specialised codec can replace ``JSONValueCodec`` without
/// touching the server or the dispatcher.
///
/// ```swift
/// let codec = JSONValueCodec()
/// let call = try codec.decodeCall(ByteBuffer(string: #"{"method":"org.example.ping.Ping"}"#))
/// var out = ByteBuffer()
/// codec.encodeReply(VarlinkReply(parameters: ["pong": true]), into: &out)  // {"parameters":{"pong":true}}\0
/// ```
public protocol VarlinkCodec: Sendable {
    /// Decodes one frame (without the NUL) into a call.
    func decodeCall(_ frame: ByteBuffer) throws(VarlinkDecodeError) -> VarlinkCall
    /// Appends the reply's JSON and the terminating NUL to `buffer`.
    func encodeReply(_ reply: VarlinkReply, into buffer: inout ByteBuffer)
    /// Appends a successful reply whose parameters are already JSON object text (see
    /// ``VarlinkDispatcher/answerImmediately(_:context:)`` and ``VarlinkReply/parametersText``),
    /// and the terminating NUL.
    func encodeReply(parametersText: [UInt8], continues: Bool, into buffer: inout ByteBuffer)
}

extension VarlinkCodec {
    /// `{"parameters":…}` (after `"continues":true,` when more replies follow): what
    /// ``JSONValueCodec`` writes for a reply without error whose parameters are `parametersText`.
    public func encodeReply(parametersText: [UInt8], continues: Bool, into buffer: inout ByteBuffer) {
        // The members in the order the writer sorts them: "continues" before "parameters".
        buffer.writeStaticString(continues ? #"{"continues":true,"parameters":"# : #"{"parameters":"#)
        buffer.writeBytes(parametersText)
        buffer.writeStaticString("}\0")
    }
}

/// The client side of the wire format: calls out, replies in.
public protocol VarlinkClientCodec: Sendable {
    /// Appends the call's JSON and the terminating NUL to `buffer`.
    func encodeCall(_ call: VarlinkCall, into buffer: inout ByteBuffer)
    /// Decodes one frame (without the NUL) into a reply.
    func decodeReply(_ frame: ByteBuffer) throws(VarlinkDecodeError) -> VarlinkReply
}
