/// What a handler knows about the connection a call came in on.
public struct VarlinkCallContext: Sendable, Hashable {
    /// The peer's credentials; the server never dispatches a call without them.
    public var credentials: VarlinkPeerCredentials
    /// Unique per connection for the life of the server (for logs and per-connection state).
    public var connectionID: UInt64

    public init(credentials: VarlinkPeerCredentials, connectionID: UInt64) {
        self.credentials = credentials
        self.connectionID = connectionID
    }

    /// The peer's user id.
    public var uid: UInt32 { credentials.uid }
    /// The peer's primary group id.
    public var gid: UInt32 { credentials.gid }
    /// The peer's process id (at connect time).
    public var pid: Int32 { credentials.pid }
}
