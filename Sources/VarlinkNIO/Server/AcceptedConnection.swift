import NIOCore
import Varlink

/// A connection as the listener hands it over. Nothing here is logged: the initializer runs
/// on an event loop, so the accept loop and the connection's task do the logging.
enum AcceptedConnection: Sendable {
    enum Refusal: Sendable, Hashable {
        case noCredentials
        /// ``VarlinkServer/Configuration/maxConnections`` reached.
        case limit
        /// ``VarlinkServer/Configuration/maxConnectionsPerUser`` reached for this uid.
        case userLimit(VarlinkPeerCredentials)
        /// ``VarlinkServer/Configuration/maxConnectionsOfOtherPeers`` reached by peers not vouched for.
        case othersLimit(VarlinkPeerCredentials)
        /// Only the places ``VarlinkServer/Configuration/keptConnections`` keeps are left, and
        /// this peer may not take them.
        case keptPlaces(VarlinkPeerCredentials)
        case shuttingDown
    }

    /// Counted against the limits; to be served.
    case admitted(ServerConnection)
    /// To be closed unserved.
    case refused(any Channel, Refusal)
}
