import Glibc
import QCreditConfig
import QCreditDomain
import QCreditService
import QCreditStore
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
    /// Uids and primary gids some grant names, resolved once at start (a user's uid, a
    /// group's gid and its listed members): who holds a role is then known for a new
    /// connection without a look-up, even on its first connection.
    private let grantedUIDs: Set<UInt32>
    private let grantedGIDs: Set<UInt32>
    /// The same for the grants of roles that write (``Role/writing``).
    private let writerUIDs: Set<UInt32>
    private let writerGIDs: Set<UInt32>
    /// Grants naming a user or group this system did not know at start, as `role`, `user:NAME`
    /// or `group:NAME`, in role order: most often a typing error (they still apply once the
    /// name exists).
    let unknownGrants: [(role: Role, principal: String)]

    init(grants: [Role: [Principal]]) {
        self.grants = grants
        var (uids, gids, writerUIDs, writerGIDs): (Set<UInt32>, Set<UInt32>, Set<UInt32>, Set<UInt32>) = ([], [], [], [])
        var unknown: [(role: Role, principal: String)] = []
        // Each grant looked up once (NSS, maybe a directory server): its uids and gids count for
        // every role, and for the roles that write.
        for (role, principals) in grants.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            for principal in principals {
                guard let (named, namedGIDs) = Self.resolve(principal) else {
                    unknown.append((role, "\(principal)"))
                    continue
                }
                uids.formUnion(named)
                gids.formUnion(namedGIDs)
                if Role.writing.contains(role) {
                    writerUIDs.formUnion(named)
                    writerGIDs.formUnion(namedGIDs)
                }
            }
        }
        (grantedUIDs, grantedGIDs, self.writerUIDs, self.writerGIDs, unknownGrants) = (uids, gids, writerUIDs, writerGIDs, unknown)
    }

    /// The uids and primary gids `principal` names on this system (a user's uid, a group's gid
    /// and its listed members'), or nil for a user or group it does not know.
    private static func resolve(_ principal: Principal) -> (uids: Set<UInt32>, gids: Set<UInt32>)? {
        switch principal {
        case .uid(let uid): return ([uid], [])
        case .user(let name): return SystemAccounts.uid(userName: name).map { ([$0], []) }
        case .group(let name):
            guard let gid = SystemAccounts.gid(groupName: name) else { return nil }
            return (Set(SystemAccounts.members(ofGroup: name).compactMap { SystemAccounts.uid(userName: $0) }), [gid])
        }
    }

    /// A peer a grant names (by uid, user, primary group or listed membership), or whose roles
    /// were looked up before (however long ago: a change of membership shows at its next look-up).
    func isKnownToHoldARole(_ credentials: VarlinkPeerCredentials) -> Bool {
        if grantedUIDs.contains(credentials.uid) || grantedGIDs.contains(credentials.gid) { return true }
        return cache.withLock { $0[Self.key(credentials)].map { !$0.roles.isEmpty } } ?? false
    }

    func isKnownToWrite(_ credentials: VarlinkPeerCredentials) -> Bool {
        if writerUIDs.contains(credentials.uid) || writerGIDs.contains(credentials.gid) { return true }
        return cache.withLock { $0[Self.key(credentials)].map { !$0.roles.isDisjoint(with: Role.writing) } } ?? false
    }

    func roles(for credentials: VarlinkPeerCredentials) async -> Set<Role> {
        if let known = knownRoles(for: credentials) { return known }
        // NSS may ask a directory server (sssd, LDAP) and wait seconds: not on one of the few
        // cooperative threads every connection's task shares.
        let roles = (try? await blocking { [self] in resolve(uid: credentials.uid, gid: credentials.gid) }) ?? []
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
