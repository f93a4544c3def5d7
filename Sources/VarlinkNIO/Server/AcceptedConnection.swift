import NIOCore
import Varlink

/// A connection as the listener hands it over. Nothing here is logged: the initializer runs
/// on an event loop, so the accept loop and the connection's task do the logging.
enum AcceptedConnection: Sendable {
    enum Refusal: Sendable {
        case noCredentials
        case limit
    }

    /// Counted against the limit; to be served.
    case admitted(ServerConnection, VarlinkPeerCredentials)
    /// To be closed unserved.
    case refused(any Channel, Refusal)
}
