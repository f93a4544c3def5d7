#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Whether another user could change what a path leads to: the check a program running for one
/// user (often root) makes before it writes secrets or results under a path, or reads keys from
/// one, in the manner of OpenSSH's `safe_path`.
///
/// Every directory from `/` down to the path's own directory, through every symbolic link on
/// the way, must belong to the caller or root and must not be writable by group or others
/// unless it has the sticky bit (then others may add names there but not replace the caller's);
/// every symbolic link followed must belong to the caller, root, or the owner of the directory
/// holding it. Checking only the last directory let an attacker who owned a directory higher
/// up swap what lay below it between the check and the write.
///
/// ```swift
/// if let problem = TrustedPath.problem(ofDirectory: "/var/lib/qcredit/keys") { throw Refusal(problem) }
/// ```
public enum TrustedPath {
    /// Why another user could change what `directory` leads to, or nil when none can. A
    /// directory that does not exist yet is judged by the part of the path that does.
    /// `alsoTrusted` are owners trusted besides the caller and root (the daemon's user, for a
    /// restore run as root).
    ///
    /// `judgingItself` false leaves the directory's own owner and mode to the caller (who may
    /// take an empty one over and make it private), judging only the way to it.
    public static func problem(ofDirectory directory: String, judgingItself: Bool = true, alsoTrusted: Set<uid_t> = []) -> String? {
        problem(of: directory, lastIsFile: false, judgingLast: judgingItself, alsoTrusted: alsoTrusted)
    }

    /// Why another user could change what the file at `path` is, or nil: the directories to it
    /// judged as ``problem(ofDirectory:alsoTrusted:)`` does, and the file's own name, when it is a
    /// symbolic link, followed the same way. The file itself (there or not yet) is the caller's
    /// to judge.
    public static func problem(ofFile path: String, alsoTrusted: Set<uid_t> = []) -> String? {
        problem(of: path, lastIsFile: true, judgingLast: true, alsoTrusted: alsoTrusted)
    }

    private static func problem(of given: String, lastIsFile: Bool, judgingLast: Bool, alsoTrusted: Set<uid_t>) -> String? {
        let trusted: Set<uid_t> = alsoTrusted.union([geteuid(), 0])
        let absolute = given.hasPrefix("/") ? given : currentDirectory() + "/" + given
        var pending = components(absolute)
        var resolved: [String] = []
        var linksFollowed = 0
        if let problem = judgeDirectory("/", trusted: trusted) { return problem }
        while !pending.isEmpty {
            let name = pending.removeFirst()
            if name == "." || name.isEmpty { continue }
            if name == ".." {
                if !resolved.isEmpty { resolved.removeLast() }
                continue
            }
            let path = "/" + (resolved + [name]).joined(separator: "/")
            var status = stat()
            guard lstat(path, &status) == 0 else {
                if errno == ENOENT { return nil }  // not made yet: what exists above was judged
                return "cannot look at \(path): \(String(cString: strerror(errno)))"
            }
            if (status.st_mode & S_IFMT) == S_IFLNK {
                linksFollowed += 1
                guard linksFollowed <= 40 else { return "\(path): too many symbolic links" }
                let parentOwner = owner(of: "/" + resolved.joined(separator: "/"))
                guard trusted.contains(status.st_uid) || status.st_uid == parentOwner else {
                    return "\(path) is a symbolic link of another user (uid \(status.st_uid))"
                }
                guard let target = linkTarget(path) else { return "cannot read the symbolic link \(path)" }
                if target.hasPrefix("/") { resolved = [] }
                pending = components(target) + pending
                continue
            }
            guard (status.st_mode & S_IFMT) == S_IFDIR else {
                if pending.isEmpty && lastIsFile { return nil }
                return pending.isEmpty ? "\(path) is not a directory" : "\(path), on the way, is not a directory"
            }
            if pending.isEmpty && lastIsFile { return "\(path) is a directory" }
            if !pending.isEmpty || judgingLast, let problem = judgeDirectory(path, trusted: trusted) { return problem }
            resolved.append(name)
        }
        return nil
    }

    private static func judgeDirectory(_ path: String, trusted: Set<uid_t>) -> String? {
        var status = stat()
        guard stat(path, &status) == 0 else { return "cannot look at \(path): \(String(cString: strerror(errno)))" }
        guard trusted.contains(status.st_uid) else {
            return "\(path) belongs to another user (uid \(status.st_uid)), who could replace what is in it"
        }
        let mode = status.st_mode & 0o7777
        if mode & 0o022 != 0, mode & S_ISVTX == 0 {
            return "\(path) may be written by group or others (mode \(String(mode, radix: 8))) and has no sticky bit"
        }
        return nil
    }

    private static func owner(of path: String) -> uid_t? {
        var status = stat()
        return stat(path.isEmpty ? "/" : path, &status) == 0 ? status.st_uid : nil
    }

    private static func components(_ path: String) -> [String] {
        path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
    }

    private static func linkTarget(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink(path, &buffer, buffer.count - 1)
        guard count >= 0 else { return nil }
        return String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func currentDirectory() -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return "/" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
