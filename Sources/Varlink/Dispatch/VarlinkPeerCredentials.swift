/// Who is on the other end of a Unix socket, as the kernel recorded it at connect time
/// (`SO_PEERCRED`): the ids of the connecting process, not of whoever holds the socket later.
public struct VarlinkPeerCredentials: Sendable, Hashable, CustomStringConvertible {
    public var pid: Int32
    public var uid: UInt32
    public var gid: UInt32

    public init(pid: Int32, uid: UInt32, gid: UInt32) {
        self.pid = pid
        self.uid = uid
        self.gid = gid
    }

    public var description: String { "pid=\(pid) uid=\(uid) gid=\(gid)" }
}
