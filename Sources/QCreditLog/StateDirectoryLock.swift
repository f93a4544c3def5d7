import Foundation
import Glibc

/// An exclusive lock on a state directory (`flock` on its `qcreditd.lock`), held by a running
/// daemon for its whole life, so that a second daemon, or `qcredit restore`, cannot work on the
/// same registry at the same time. The kernel drops it when the process ends, however it ends.
///
/// ```swift
/// let lock = try StateDirectoryLock(directory: "/var/lib/qcredit")   // throws if taken
/// ```
public final class StateDirectoryLock: Sendable {
    public static let fileName = "qcreditd.lock"
    private let descriptor: Int32
    public let directory: String
    private let path: String
    /// Taking the lock made its file: a start or a restore refused afterwards removes it again
    /// (``removeItsFileIfMade()``), since it changed nothing.
    public let madeItsFile: Bool

    /// Takes the lock, or throws ``StateDirectoryLockError`` naming the holder's pid if another
    /// process has it.
    public init(directory: String) throws {
        let path = (directory as NSString).appendingPathComponent(Self.fileName)
        let existed = access(path, F_OK) == 0
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            let code = errno
            throw StateDirectoryLockError(
                directory: directory, held: false,
                reason: "cannot open \(path): \(String(cString: strerror(code)))"
                    + (code == EACCES ? " (the directory or the file belongs to another user: run as its owner, or chown it)" : ""))
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            close(fd)
            throw StateDirectoryLockError(directory: directory, held: true, reason: Self.heldBy(pid: holder))
        }
        // Who holds it, for the message above; informative only, the lock is the flock.
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        descriptor = fd
        self.directory = directory
        self.path = path
        madeItsFile = !existed
    }

    /// Who holds the lock, and what to do: a daemon is stopped, `qcredit restore` (or backup's
    /// helper, any other program) is waited for (audit: a restore was called a qcreditd).
    static func heldBy(pid: String) -> String {
        let program = pid.isEmpty ? nil : (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
        guard let program, !program.isEmpty, program != "qcreditd" else {
            return "another process (pid \(pid.isEmpty ? "unknown" : pid)) is using it; stop qcreditd first"
        }
        return "another process (pid \(pid), \(program)) is using it; wait until it ends"
    }

    /// Removes what a process killed while working in the directory left behind, and returns
    /// the names: a backup's staged copy (`.backup-…`, as large as the database), a restore's
    /// staging (`.restore-<pid>`), a durable file's temporary (`NAME.tmp-<pid>`). Each belongs to
    /// a process that held this lock, so none is in use while it is held.
    public func removeLeftovers() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        var removed: [String] = []
        // A restore killed between moving the database aside and putting its own in place left
        // its staged copy as the only one: kept for `qcredit restore` to be run again.
        let hasDatabase = names.contains("registry.sqlite")
        for name in names.sorted() where Self.isLeftover(name) && (hasDatabase || !name.hasPrefix(".restore-")) {
            if (try? FileManager.default.removeItem(atPath: (directory as NSString).appendingPathComponent(name))) != nil {
                removed.append(name)
            }
        }
        return removed
    }

    /// Removes the lock file when taking the lock made it (the lock itself is held until this
    /// object goes).
    public func removeItsFileIfMade() {
        if madeItsFile { unlink(path) }
    }

    static func isLeftover(_ name: String) -> Bool {
        if name.hasPrefix(".backup-") || name.hasPrefix(".restore-") { return true }
        guard let range = name.range(of: ".tmp-", options: .backwards), range.lowerBound > name.startIndex else { return false }
        let pid = name[range.upperBound...]
        return !pid.isEmpty && pid.allSatisfy(\.isASCII) && pid.allSatisfy(\.isNumber)
    }

    deinit { close(descriptor) }
}

public struct StateDirectoryLockError: Error, Sendable, CustomStringConvertible {
    public var directory: String
    /// Whether another process holds the lock (else the lock file could not be opened at all).
    public var held: Bool
    public var reason: String
    public var description: String {
        held ? "the state directory \(directory) is locked: \(reason)" : "the state directory \(directory) cannot be locked: \(reason)"
    }
}
