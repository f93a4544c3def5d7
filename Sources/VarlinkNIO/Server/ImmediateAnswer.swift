import NIOCore
import Varlink

/// What the dispatcher's answers at once made of one frame: both places that answer on the
/// spot (the accept loop, ``ServingLoop``, and ``ImmediateAnswerHandler`` on the event loops)
/// try them in the same order, here.
enum ImmediateAnswer {
    /// The reply's parameters are in the buffer given.
    case answered
    /// Not answered at once; the call as parsed.
    case parsed(VarlinkCall)
    /// Not a call the codec reads.
    case unparsed
}

extension VarlinkDispatcher {
    /// Tries `frame` (one message, without its NUL) by its bytes
    /// (``answerFrameImmediately(_:context:parameters:)``), then parsed (``answerImmediately(_:context:)``);
    /// an answer's parameters replace what `parameters` held.
    func answerAtOnce(
        _ frame: ByteBuffer, codec: any VarlinkCodec, context: VarlinkCallContext, parameters: inout [UInt8]
    ) -> ImmediateAnswer {
        parameters.removeAll(keepingCapacity: true)
        if frame.withUnsafeReadableBytes({ answerFrameImmediately($0, context: context, parameters: &parameters) }) {
            return .answered
        }
        guard let call = try? codec.decodeCall(frame) else { return .unparsed }
        guard let text = answerImmediately(call, context: context) else { return .parsed(call) }
        parameters = text
        return .answered
    }
}
