import Foundation
import Glibc

/// Small files replaced atomically and durably: written to a temporary name beside the target,
/// fsynced, renamed over it, and the directory fsynced, so after a crash the file holds either
/// the old contents or the new, never a mixture.
public enum DurableFile {
    public static func replace(_ path: String, with contents: [UInt8], mode: mode_t = 0o644) throws {
        let temporary = "\(path).tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw failure("create", temporary) }
        var written = 0
        while written < contents.count {
            let result = contents[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if result < 0 {
                if errno == EINTR { continue }
                let error = failure("write", temporary)
                close(fd)
                unlink(temporary)
                throw error
            }
            written += result
        }
        guard fsync(fd) == 0 else {
            let error = failure("fsync", temporary)
            close(fd)
            unlink(temporary)
            throw error
        }
        close(fd)
        guard rename(temporary, path) == 0 else {
            let error = failure("rename", path)
            unlink(temporary)
            throw error
        }
        try syncDirectory(of: path)
    }

    /// Fsyncs the directory holding `path`, so that a file created or renamed there survives a
    /// power cut.
    public static func syncDirectory(of path: String) throws {
        let directory = FilePaths.parent(of: path)
        let directoryFD = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard directoryFD >= 0 else { throw failure("open", directory) }
        defer { close(directoryFD) }
        guard fsync(directoryFD) == 0 else { throw failure("fsync", directory) }
    }

    /// The file's contents, or nil if it does not exist.
    public static func read(_ path: String) throws -> [UInt8]? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else { throw failure("read", path) }
        return [UInt8](data)
    }

    private static func failure(_ operation: String, _ path: String) -> DurableFileError {
        DurableFileError(operation: operation, path: path, reason: String(cString: strerror(errno)))
    }
}

public struct DurableFileError: Error, Sendable, CustomStringConvertible {
    public var operation: String
    public var path: String
    public var reason: String
    public var description: String { "cannot \(operation) \(path): \(reason)" }
}
