import NIOCore
import Varlink

/// A connection the accept loop has admitted and gives up to NIO's event loops, with the replies
/// it has not written and the bytes it has not answered yet.
struct HandOff: Sendable {
    let descriptor: CInt
    let id: UInt64
    let credentials: VarlinkPeerCredentials
    /// Replies already made, to be written before anything else.
    var unwritten = ByteBuffer()
    /// Bytes read and not answered: the start of the next call or calls.
    var unread = ByteBuffer()
}

/// A connection admitted on the accept loop, as one of its threads gives it to another.
struct AdmittedConnection: Sendable {
    let descriptor: CInt
    let id: UInt64
    let credentials: VarlinkPeerCredentials
    /// Bytes read and not answered yet.
    var unread = ByteBuffer()
    /// See ``LoopConnection/spread``.
    var spread = false
}
