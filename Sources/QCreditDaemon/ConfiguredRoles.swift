import Glibc
import QCreditConfig
import QCreditDomain
import QCreditService
import Synchronization
import Varlink

/// Roles from the config file's `[roles]` grants: `user:NAME`, `group:NAME` (primary or
/// supplementary membership) and `uid:N`.
///
/// Look-ups go through NSS, so a peer's roles are cached for a minute: a change of group
/// membership takes effect within that time without restarting the daemon.
final class ConfiguredRoles: RoleResolving {
    private let grants: [Role: [Principal]]
    private let cache = Mutex<[UInt64: (roles: Set<Role>, expires: ContinuousClock.Instant)]>([:])
    private static let lifetime = Duration.seconds(60)

    init(grants: [Role: [Principal]]) {
        self.grants = grants
    }

    func roles(for credentials: VarlinkPeerCredentials) async -> Set<Role> {
        if let known = knownRoles(for: credentials) { return known }
        let roles = resolve(uid: credentials.uid, gid: credentials.gid)
        cache.withLock { $0[Self.key(credentials)] = (roles, ContinuousClock.now + Self.lifetime) }
        return roles
    }

    /// The cached roles while they are fresh: NSS look-ups may block, so never on the event loop.
    func knownRoles(for credentials: VarlinkPeerCredentials) -> Set<Role>? {
        let now = ContinuousClock.now
        guard let cached = cache.withLock({ $0[Self.key(credentials)] }), cached.expires > now else { return nil }
        return cached.roles
    }

    private static func key(_ credentials: VarlinkPeerCredentials) -> UInt64 {
        UInt64(credentials.uid) << 32 | UInt64(credentials.gid)
    }

    private func resolve(uid: UInt32, gid: UInt32) -> Set<Role> {
        let name = SystemAccounts.userName(uid: uid)
        var groups: Set<UInt32> = [gid]
        if let name { groups.formUnion(SystemAccounts.groups(userName: name, primaryGID: gid)) }
        var roles: Set<Role> = []
        for (role, principals) in grants {
            let granted = principals.contains { principal in
                switch principal {
                case .uid(let granted): return granted == uid
                case .user(let user): return user == name
                case .group(let group): return SystemAccounts.gid(groupName: group).map(groups.contains) ?? false
                }
            }
            if granted { roles.insert(role) }
        }
        return roles
    }
}
