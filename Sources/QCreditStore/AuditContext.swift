import QCreditDomain

/// Who is writing and why, recorded as the first row of every write transaction.
public struct AuditContext: Sendable {
    /// The peer's credentials from SO_PEERCRED; nil for the registry's own work.
    public struct Peer: Sendable, Hashable {
        public var uid: UInt32
        public var gid: UInt32
        public var pid: Int32

        public init(uid: UInt32, gid: UInt32, pid: Int32) {
            self.uid = uid
            self.gid = gid
            self.pid = pid
        }
    }

    public var method: String
    public var peer: Peer?
    /// The call's parameters as JSON text.
    public var parameters: String
    public var at: Instant
    /// The registry's civil time zone: the writer's today is `at`'s date there.
    public var utcOffset: UTCOffset

    public init(method: String, peer: Peer?, parameters: String, at: Instant, utcOffset: UTCOffset = .beijing) {
        self.method = method
        self.peer = peer
        self.parameters = parameters
        self.at = at
        self.utcOffset = utcOffset
    }
}
