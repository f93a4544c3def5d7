import Glibc
import NIOCore
import Varlink

/// Glibc's `struct ucred`, which it declares only under `_GNU_SOURCE` (invisible to Swift).
/// Layout per `socket(7)`: `pid_t pid; uid_t uid; gid_t gid;`.
struct UnixCredentials: Sendable {
    var pid: Int32 = 0
    var uid: UInt32 = 0
    var gid: UInt32 = 0
}

extension VarlinkPeerCredentials {
    /// Reads `SO_PEERCRED` of a connected Unix-socket channel. The kernel fixes the values at
    /// `connect(2)`, so once per connection is enough.
    static func read(from channel: any Channel) -> EventLoopFuture<VarlinkPeerCredentials> {
        guard let provider = channel as? any SocketOptionProvider else {
            return channel.eventLoop.makeFailedFuture(ChannelError.operationUnsupported)
        }
        let future: EventLoopFuture<UnixCredentials> = provider.unsafeGetSocketOption(
            level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(SO_PEERCRED))
        return future.map { VarlinkPeerCredentials(pid: $0.pid, uid: $0.uid, gid: $0.gid) }
    }
}
