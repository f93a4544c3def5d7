import Glibc

/// User and group look-ups through NSS (passwd, group), for mapping peers to roles.
/// They may block briefly (a directory service), so they are called from Swift concurrency,
/// never from an event loop, and their results are cached by the caller.
enum SystemAccounts {
    static func userName(uid: UInt32) -> String? {
        withBuffer { buffer in
            var entry = passwd()
            var result: UnsafeMutablePointer<passwd>?
            let status = getpwuid_r(uid, &entry, buffer.baseAddress!, buffer.count, &result)
            return (status, result.map { String(cString: $0.pointee.pw_name) })
        }
    }

    static func uid(userName: String) -> UInt32? {
        withBuffer { buffer in
            var entry = passwd()
            var result: UnsafeMutablePointer<passwd>?
            let status = getpwnam_r(userName, &entry, buffer.baseAddress!, buffer.count, &result)
            return (status, result.map { $0.pointee.pw_uid })
        }
    }

    static func gid(groupName: String) -> UInt32? {
        withBuffer { buffer in
            var entry = group()
            var result: UnsafeMutablePointer<group>?
            let status = getgrnam_r(groupName, &entry, buffer.baseAddress!, buffer.count, &result)
            return (status, result.map { $0.pointee.gr_gid })
        }
    }

    /// The user names a group lists as its members (not the users whose primary group it is).
    static func members(ofGroup groupName: String) -> [String] {
        withBuffer { buffer in
            var entry = group()
            var result: UnsafeMutablePointer<group>?
            let status = getgrnam_r(groupName, &entry, buffer.baseAddress!, buffer.count, &result)
            guard let found = result, var member = found.pointee.gr_mem else { return (status, [String]()) }
            var names: [String] = []
            while let name = member.pointee {
                names.append(String(cString: name))
                member += 1
            }
            return (status, names)
        }
    ?? []
    }

    /// Every group `userName` belongs to, its primary group included.
    static func groups(userName: String, primaryGID: UInt32) -> [UInt32] {
        var count: Int32 = 64
        while true {
            var groups = [gid_t](repeating: 0, count: Int(count))
            var found = count
            if getgrouplist(userName, primaryGID, &groups, &found) >= 0 {
                return Array(groups.prefix(Int(found)))
            }
            guard found > count else { return [primaryGID] }
            count = found
        }
    }

    /// Runs a reentrant look-up, growing its buffer while it reports ERANGE.
    private static func withBuffer<T>(_ lookup: (UnsafeMutableBufferPointer<CChar>) -> (Int32, T?)) -> T? {
        var size = 1024
        while size <= 1 << 20 {
            let buffer = UnsafeMutableBufferPointer<CChar>.allocate(capacity: size)
            defer { buffer.deallocate() }
            let (status, value) = lookup(buffer)
            if status == ERANGE {
                size *= 4
                continue
            }
            return status == 0 ? value : nil
        }
        return nil
    }
}
