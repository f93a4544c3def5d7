#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The POSIX calls the writer, the verifier and prune share. Everything inside a directory is
/// addressed relative to an open descriptor of it (`openat`, `fstatat`, …), so a name is always
/// resolved in the directory that was checked, and names never need joining into paths.
enum FileSystem {
    enum FileType: Equatable {
        case regular(size: Int64)
        case directory
        case symbolicLink
        case other
    }

    static func reason(_ code: Int32) -> String { String(cString: strerror(code)) }

    static func failure(_ operation: String, _ path: String, _ code: Int32 = errno) -> ExportError {
        .fileSystem(operation: operation, path: path, reason: reason(code))
    }

    /// `directory/name`, for messages.
    static func join(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }

    /// Opens a directory for `*at` calls, `fsync` and `flock`.
    static func openDirectory(_ path: String) throws(ExportError) -> Int32 {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw failure("open directory", path) }
        return descriptor
    }

    /// Opens `name` inside `directory` for reading, refusing to follow a symbolic link.
    static func openFile(_ name: String, in directory: Int32) -> Int32 {
        openat(directory, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK)
    }

    /// What `name` in `directory` is (not following a symbolic link), or nil if it does not exist.
    static func type(of name: String, in directory: Int32) -> FileType? {
        var status = stat()
        guard fstatat(directory, name, &status, AT_SYMLINK_NOFOLLOW) == 0 else { return nil }
        switch status.st_mode & S_IFMT {
        case S_IFREG: return .regular(size: Int64(status.st_size))
        case S_IFDIR: return .directory
        case S_IFLNK: return .symbolicLink
        default: return .other
        }
    }

    /// The names in a directory, `.` and `..` excluded, in byte order. Names that are not valid
    /// UTF-8 come back with replacement characters (and so match nothing an export lists).
    static func names(in directory: Int32, path: String) throws(ExportError) -> [String] {
        let copy = dup(directory)
        guard copy >= 0, let stream = fdopendir(copy) else {
            if copy >= 0 { close(copy) }
            throw failure("list", path)
        }
        defer { closedir(stream) }
        // fdopendir shares the file offset with `directory`: start from the beginning.
        rewinddir(stream)
        var names: [String] = []
        while true {
            errno = 0
            guard let entry = readdir(stream) else {
                if errno != 0 { throw failure("list", path) }
                break
            }
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// Gives an open file or directory to `group`, unless it has that group already (inherited
    /// from a setgid directory: under systemd's filter the daemon may not call chown at all).
    static func giveToGroup(_ descriptor: Int32, group: RestrictedGroup, path: String) throws(ExportError) {
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw failure("stat", path) }
        guard status.st_gid != group.id else { return }
        guard fchown(descriptor, uid_t.max, group.id) == 0 else {
            throw .fileSystem(
                operation: "give to group \(group.name) (\(group.id))", path: path,
                reason: reason(errno) + " (the daemon's user must be a member of the group, or the restricted directory must "
                    + "have the group and be setgid, as systemd/tmpfiles.d/qcredit.conf makes it)")
        }
    }

    static func sync(_ descriptor: Int32, path: String) throws(ExportError) {
        guard fsync(descriptor) == 0 else { throw failure("fsync", path) }
    }

    /// Writes all of `buffer`, retrying on partial writes and EINTR.
    static func writeAll(_ descriptor: Int32, _ buffer: UnsafeRawBufferPointer, path: String) throws(ExportError) {
        var offset = 0
        while offset < buffer.count {
            let count = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
            if count < 0 {
                if errno == EINTR { continue }
                throw failure("write", path)
            }
            offset += count
        }
    }

    /// Takes the exclusive `flock` of an exports directory without waiting; false if another
    /// writer or prune holds it. Why `flock` on the directory: it is released by the kernel when
    /// the holder exits or crashes, so a crash never leaves the directory locked, and it works
    /// between descriptors of one process as between processes.
    ///
    /// A lock found held is tried again for half a second: a process spawned by another
    /// thread holds every descriptor of its parent from its fork until its exec (close-on-exec
    /// or not), the lock among them, and lets go at once. An export or prune holds it far longer.
    static func tryLock(_ directory: Int32, path: String) throws(ExportError) -> Bool {
        var waits = 0
        while flock(directory, LOCK_EX | LOCK_NB) != 0 {
            if errno == EINTR { continue }
            if errno == EWOULDBLOCK {
                guard waits < 50 else { return false }
                waits += 1
                usleep(10_000)
                continue
            }
            throw failure("lock", path)
        }
        return true
    }

    /// Renames `from` to `to` inside `directory`, failing with EEXIST rather than replacing
    /// anything at `to`.
    ///
    /// Why not plain `rename`: it silently replaces an empty directory. `renameat2` with
    /// `RENAME_NOREPLACE` is looked up at run time (Swift's Glibc module does not declare it);
    /// where it is missing or the file system does not support the flag, an existence check under
    /// the exports directory's lock stands in.
    static func renameWithoutReplacing(_ from: String, to: String, in directory: Int32, path: String) throws(ExportError) {
        typealias RenameAt2 = @convention(c) (Int32, UnsafePointer<CChar>?, Int32, UnsafePointer<CChar>?, UInt32) -> Int32
        let renameNoReplace: UInt32 = 1
        if let symbol = dlsym(nil, "renameat2") {
            let renameat2 = unsafeBitCast(symbol, to: RenameAt2.self)
            if renameat2(directory, from, directory, to, renameNoReplace) == 0 { return }
            let code = errno
            guard code == EINVAL || code == ENOSYS else {
                throw code == EEXIST || code == ENOTEMPTY
                    ? .exportExists(path: join(path, to)) : failure("rename \(from) to", join(path, to), code)
            }
        }
        guard type(of: to, in: directory) == nil else { throw .exportExists(path: join(path, to)) }
        guard renameat(directory, from, directory, to) == 0 else { throw failure("rename \(from) to", join(path, to)) }
    }

    /// Removes the directory `name` inside `parent` and the files directly in it. Refuses (and
    /// leaves in place) anything else inside: exports have no subdirectories.
    static func removeDirectory(_ name: String, in parent: Int32, parentPath: String) throws(ExportError) {
        let path = join(parentPath, name)
        let descriptor = openat(parent, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW)
        guard descriptor >= 0 else {
            if errno == ENOENT { return }
            throw failure("open directory", path)
        }
        defer { close(descriptor) }
        for entry in try names(in: descriptor, path: path) {
            guard unlinkat(descriptor, entry, 0) == 0 || errno == ENOENT else { throw failure("remove", join(path, entry)) }
        }
        guard unlinkat(parent, name, AT_REMOVEDIR) == 0 || errno == ENOENT else { throw failure("remove", path) }
    }

    /// Reads a whole small file inside `directory`; nil if it does not exist or is not a regular
    /// file; throws if it is larger than `limit`.
    static func readSmallFile(_ name: String, in directory: Int32, path: String, limit: Int) throws(ExportError) -> [UInt8]? {
        let descriptor = openFile(name, in: directory)
        guard descriptor >= 0 else {
            if errno == ENOENT || errno == ELOOP { return nil }
            throw failure("open", join(path, name))
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw failure("stat", join(path, name)) }
        guard status.st_mode & S_IFMT == S_IFREG else { return nil }
        var contents: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw failure("read", join(path, name))
            }
            if count == 0 { return contents }
            contents += chunk.prefix(count)
            guard contents.count <= limit else {
                throw .fileSystem(operation: "read", path: join(path, name), reason: "larger than \(limit) bytes")
            }
        }
    }
}
