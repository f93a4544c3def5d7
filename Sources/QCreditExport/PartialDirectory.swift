#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A directory being written under its temporary name `.<name>.partial` (``ExportFormat``), and
/// renamed to `<name>` once complete. Its owner holds the exports directory's lock.
final class PartialDirectory {
    let name: String
    private let partialName: String
    private let parent: Int32
    private let parentPath: String
    /// The partial directory, open.
    let descriptor: Int32
    /// Its path, for messages.
    let path: String
    private var renamed = false

    /// Creates `.<name>.partial` in `parent` with exactly `mode` (and `group`), replacing one a
    /// crash left (no one else writes while the lock is held).
    init(for name: String, in parent: Int32, parentPath: String, mode: mode_t, group: RestrictedGroup?) throws(ExportError) {
        self.name = name
        partialName = ExportFormat.partialName(for: name)
        self.parent = parent
        self.parentPath = parentPath
        path = FileSystem.join(parentPath, partialName)
        try FileSystem.removeDirectory(partialName, in: parent, parentPath: parentPath)
        guard mkdirat(parent, partialName, mode) == 0 else { throw FileSystem.failure("create directory", path) }
        descriptor = openat(parent, partialName, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW)
        guard descriptor >= 0 else {
            let failure = FileSystem.failure("open directory", path)
            try? FileSystem.removeDirectory(partialName, in: parent, parentPath: parentPath)
            throw failure
        }
        do throws(ExportError) {
            // A chmod by a user outside the directory's group clears the setgid bit it inherited
            // from a setgid `restricted/` (chmod(2)), and with it the group the files would
            // inherit: so only when mkdir's mode (the umask) is not already the one wanted.
            var status = stat()
            guard fstat(descriptor, &status) == 0 else { throw FileSystem.failure("stat", path) }
            if status.st_mode & 0o777 != mode { try setMode(mode) }
            if let group { try FileSystem.giveToGroup(descriptor, group: group, path: path) }
        } catch {
            removeUnlessRenamed()
            throw error
        }
    }

    deinit { close(descriptor) }

    /// Sets exactly `mode` (the mode given to mkdir is filtered by the umask).
    func setMode(_ mode: mode_t) throws(ExportError) {
        guard fchmod(descriptor, mode) == 0 else { throw FileSystem.failure("chmod", path) }
    }

    /// `fsync`s the directory, renames it to its name (never replacing anything) and `fsync`s
    /// the parent.
    func rename() throws(ExportError) {
        try FileSystem.sync(descriptor, path: path)
        try FileSystem.renameWithoutReplacing(partialName, to: name, in: parent, path: parentPath)
        renamed = true
        try FileSystem.sync(parent, path: parentPath)
    }

    /// Removes the partial directory unless it was renamed into place (after a failure).
    func removeUnlessRenamed() {
        if !renamed { try? FileSystem.removeDirectory(partialName, in: parent, parentPath: parentPath) }
    }
}

/// The exports directory's `restricted/`, which holds the restricted parts.
enum RestrictedDirectory {
    /// Opens `restricted/` in the exports directory, creating it (mode 0750, `group`) if missing.
    /// An existing one keeps its mode (systemd's tmpfiles.d makes it 2750, setgid, so that parts
    /// inherit its group), but never grants others any access.
    static func open(in exports: Int32, exportsDirectory: String, group: RestrictedGroup?) throws(ExportError) -> Int32 {
        let name = ExportFormat.restrictedDirectory
        let path = FileSystem.join(exportsDirectory, name)
        var created = false
        switch FileSystem.type(of: name, in: exports) {
        case nil:
            guard mkdirat(exports, name, 0o700) == 0 else { throw FileSystem.failure("create directory", path) }
            created = true
        case .directory:
            break
        default:
            throw .fileSystem(operation: "use", path: path, reason: "not a directory")
        }
        let descriptor = openat(exports, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW)
        guard descriptor >= 0 else { throw FileSystem.failure("open directory", path) }
        do throws(ExportError) {
            if let group { try FileSystem.giveToGroup(descriptor, group: group, path: path) }
            var status = stat()
            guard fstat(descriptor, &status) == 0 else { throw FileSystem.failure("stat", path) }
            // Its owner may chmod it open again, or rename and remove the auditors' parts.
            guard status.st_uid == geteuid() || status.st_uid == 0 else {
                throw .fileSystem(
                    operation: "use", path: path,
                    reason: "it belongs to uid \(status.st_uid), who could open it again or remove the auditors' parts; give it to the daemon's user")
            }
            let mode = created ? ExportFormat.restrictedDirectoryMode : status.st_mode & 0o7770
            if created || status.st_mode & 0o007 != 0 {
                guard fchmod(descriptor, mode) == 0 else { throw FileSystem.failure("chmod", path) }
            }
            if created { try FileSystem.sync(exports, path: exportsDirectory) }
        } catch {
            close(descriptor)
            throw error
        }
        return descriptor
    }

    /// Opens `restricted/` if the exports directory has one (for prune); nil otherwise.
    static func openIfPresent(in exports: Int32, exportsDirectory: String) throws(ExportError) -> Int32? {
        let name = ExportFormat.restrictedDirectory
        guard FileSystem.type(of: name, in: exports) == .directory else { return nil }
        let descriptor = openat(exports, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW)
        guard descriptor >= 0 else { throw FileSystem.failure("open directory", FileSystem.join(exportsDirectory, name)) }
        return descriptor
    }
}
