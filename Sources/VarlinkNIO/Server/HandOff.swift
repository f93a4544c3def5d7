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

/// A connection admitted on the accepting thread and given to one of the loop's threads.
struct AdmittedConnection: Sendable {
    let descriptor: CInt
    let id: UInt64
    let credentials: VarlinkPeerCredentials
}
