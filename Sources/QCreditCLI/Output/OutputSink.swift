import FileSafety
import Foundation
import QCreditLog

#if canImport(Glibc)
    import Glibc
#endif

/// Standard output, or a file written whole and renamed into place when closed: `qcredit
/// screen`'s output and `qcredit import`'s error file. A write the system refuses (a full disk,
/// a closed pipe) stops the run with the system's reason: results are never cut short silently.
///
/// A device or a pipe (`/dev/null`, `/dev/stdout`, a FIFO) is written as it is, and a symbolic
/// link is followed: only the regular file it names is replaced. Renaming a new file over the
/// path itself would replace the device, the FIFO or the link with a file (run as root,
/// `--errors /dev/null` would have replaced the system's `/dev/null`).
final class OutputSink {
    private let descriptor: Int32
    /// What a refused write names: "the error file PATH", the output's path, or "standard output".
    private let name: String
    /// The regular file replaced on close (a link's target), and the file written beside it.
    private let path: String?
    private let temporary: String?

    /// - Parameter label: how messages name the output (`the error file`), before its path.
    init(path: String?, label: String? = nil) throws(Failure) {
        guard let path else {
            (descriptor, name, self.path, temporary) = (STDOUT_FILENO, "standard output", nil, nil)
            return
        }
        name = label.map { "\($0) \(path)" } ?? path
        var status = stat()
        if stat(path, &status) == 0, status.st_mode & S_IFMT == S_IFDIR { throw .badInput("cannot write \(name): \(systemErrorText(EISDIR))") }
        if let problem = TrustedPath.problem(ofFile: path) {
            throw .badInput("cannot write \(name): \(problem); write it where only you (or root) can change the way to it")
        }
        if let special = Self.specialFile(path) {
            let descriptor = open(special, O_WRONLY | O_CLOEXEC)
            guard descriptor >= 0 else { throw .badInput("cannot write \(name): \(systemErrorText(errno))") }
            (self.descriptor, self.path, self.temporary) = (descriptor, nil, nil)
            return
        }
        let target = Self.regularTarget(path)
        let (descriptor, temporary) = try Self.newFile(beside: target, name: name)
        (self.descriptor, self.path, self.temporary) = (descriptor, target, temporary)
    }

    /// A file made for this run beside `target` (`NAME.partial`, or `NAME.partial-N` when that is
    /// taken): never one already there, which another user may have planted in a shared folder
    /// to be handed the results, nor one a link names. It gets the mode of the file it will
    /// replace (a portfolio kept 0600 stays so), else the umask's.
    private static func newFile(beside target: String, name: String) throws(Failure) -> (Int32, String) {
        var replaced = stat()
        let replacing = stat(target, &replaced) == 0 && (replaced.st_mode & S_IFMT) == S_IFREG
        // Another user's file (planted in a shared folder) is not replaced: its mode and group
        // would hand that user the results, and root would replace what a sticky folder protects.
        if replacing, replaced.st_uid != geteuid() {
            throw .badInput("cannot write \(name): it belongs to another user (uid \(replaced.st_uid)); not replaced: remove it or write elsewhere")
        }
        for attempt in 0..<100 {
            let temporary = target + (attempt == 0 ? ".partial" : ".partial-\(UInt32.random(in: 0...UInt32.max))")
            let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o666)
            guard descriptor >= 0 else {
                if errno == EEXIST { continue }
                throw .badInput("cannot write \(name): cannot make \(temporary) beside it: \(systemErrorText(errno))")
            }
            if replacing {
                // The group first: a chown may clear set-id bits, which the mode then sets again.
                _ = fchown(descriptor, uid_t.max, replaced.st_gid)
                _ = fchmod(descriptor, replaced.st_mode & 0o7777)
            }
            return (descriptor, temporary)
        }
        throw .badInput("cannot write \(name): a hundred files named \(target).partial… are in the way")
    }

    /// The path when it is (or links to) something other than a regular file.
    static func specialFile(_ path: String) -> String? {
        var status = stat()
        return stat(path, &status) == 0 && (status.st_mode & S_IFMT) != S_IFREG ? path : nil
    }

    /// Whether a device or a pipe could be written, without writing it: opening a FIFO would
    /// wait for its reader, and what was written to it could not be taken back.
    /// A directory is refused here as opening it would be (it passes `access(2)`).
    static func checkWritable(special path: String, label: String) throws(Failure) {
        var status = stat()
        if stat(path, &status) == 0, (status.st_mode & S_IFMT) == S_IFDIR {
            throw .badInput("cannot write \(label) \(path): \(systemErrorText(EISDIR))")
        }
        guard access(path, W_OK) == 0 else { throw .badInput("cannot write \(label) \(path): \(systemErrorText(errno))") }
    }

    /// The file a path names: a symbolic link's target, followed to the end (a link to a file
    /// not there yet too: the file is made), else the path itself.
    private static func regularTarget(_ path: String) -> String {
        var current = path
        // The kernel's own bound on links followed in one look-up (ELOOP past it).
        for _ in 0..<40 {
            var status = stat()
            guard lstat(current, &status) == 0, (status.st_mode & S_IFMT) == S_IFLNK,
                let target = try? FileManager.default.destinationOfSymbolicLink(atPath: current)
            else { break }
            current = target.hasPrefix("/") ? target : (FilePaths.parent(of: current) as NSString).appendingPathComponent(target)
        }
        return current
    }

    func write(_ text: String) throws(Failure) {
        if let failure = Console.writeAll(text, to: descriptor) {
            // A reader that went away (`| head -1`, `--output /dev/stdout` into a pipe): SIGPIPE,
            // as for every command's standard output (``StandardOutput``).
            if failure == EPIPE && path == nil { StandardOutput.failed(failure) }
            throw .badInput("cannot write \(name): \(systemErrorText(failure))")
        }
    }

    /// Set once the file is renamed into place (or given up).
    private var finished = false
    private var closed = false

    private func closeDescriptor() -> Int32 {
        guard descriptor != STDOUT_FILENO, !closed else { return 0 }
        closed = true
        return Glibc.close(descriptor)
    }

    /// A run that stopped before ``close()`` (the daemon lost, a call refused, a write refused)
    /// leaves no half-written file beside the output; the output itself was never touched.
    deinit {
        _ = closeDescriptor()
        if let temporary, !finished { unlink(temporary) }
    }

    /// Gives up the output: the file beside it goes, the output stays as it was.
    func discard() {
        _ = closeDescriptor()
        if let temporary { unlink(temporary) }
        finished = true
    }

    func close() throws(Failure) {
        // close(2) can report a write the file system refused late (NFS, a quota).
        if closeDescriptor() != 0 { throw .badInput("cannot write \(name): \(systemErrorText(errno))") }
        guard let path, let temporary else { return }
        finished = true
        // rename(2) replaces what was there in one step: a reader sees the old file or the new.
        guard rename(temporary, path) == 0 else {
            let reason = systemErrorText(errno)
            unlink(temporary)
            throw .badInput("cannot write \(name): \(reason)")
        }
    }
}
