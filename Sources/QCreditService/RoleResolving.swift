import QCreditDomain
import Varlink

/// Maps a peer's credentials (from SO_PEERCRED) to the roles it holds. The daemon supplies
/// one built from its config file; tests supply fixed ones.
public protocol RoleResolving: Sendable {
    func roles(for credentials: VarlinkPeerCredentials) async -> Set<Role>
    /// The peer's roles if they are known at once, without a look-up that may block (for
    /// answers given on the event loop); nil sends the call down the normal path. The default
    /// is nil.
    func knownRoles(for credentials: VarlinkPeerCredentials) -> Set<Role>?
    /// Whether the peer holds a role as far as is known at once, without a look-up that may
    /// block (asked for every new connection, to keep room for such peers). A peer not known
    /// yet does not. The default asks ``knownRoles(for:)``.
    func isKnownToHoldARole(_ credentials: VarlinkPeerCredentials) -> Bool
    /// Whether the peer holds a role that writes (regulator or operator) as far as is known at
    /// once, without a look-up (asked for every new connection, to keep places for such peers).
    /// The default asks ``knownRoles(for:)``.
    func isKnownToWrite(_ credentials: VarlinkPeerCredentials) -> Bool
}

extension RoleResolving {
    public func knownRoles(for credentials: VarlinkPeerCredentials) -> Set<Role>? { nil }

    public func isKnownToHoldARole(_ credentials: VarlinkPeerCredentials) -> Bool {
        knownRoles(for: credentials).map { !$0.isEmpty } ?? false
    }

    public func isKnownToWrite(_ credentials: VarlinkPeerCredentials) -> Bool {
        knownRoles(for: credentials).map { !$0.isDisjoint(with: Role.writing) } ?? false
    }
}

/// Roles by uid, for tests and embedded use: uids not listed hold `otherwise`.
public struct FixedRoles: RoleResolving {
    public var byUID: [UInt32: Set<Role>]
    public var otherwise: Set<Role>

    public init(byUID: [UInt32: Set<Role>] = [:], otherwise: Set<Role> = []) {
        self.byUID = byUID
        self.otherwise = otherwise
    }

    public func roles(for credentials: VarlinkPeerCredentials) async -> Set<Role> {
        byUID[credentials.uid] ?? otherwise
    }

    public func knownRoles(for credentials: VarlinkPeerCredentials) -> Set<Role>? {
        byUID[credentials.uid] ?? otherwise
    }
}
