import Foundation
import Glibc
import QCreditCrypto

/// A tree size and root the log signed.
public struct SignedTree: Sendable, Hashable, CustomStringConvertible {
    public var size: Int64
    /// 32 bytes.
    public var rootHash: [UInt8]

    public init(size: Int64, rootHash: [UInt8]) {
        self.size = size
        self.rootHash = rootHash
    }

    public var description: String { "size \(size), root \(Base64.encode(rootHash))" }
}

/// Every (size, root) the log signed, one line each (`<size> <base64 root>`), appended and
/// fsynced before a checkpoint is handed out, in files that a database restore does not roll
/// back: the state directory's `checkpoint-history` and the exports directory's.
///
/// A database restored from an older backup can then never make the daemon sign a second root
/// for a size it already signed: the history says how far the log reached, and the daemon
/// refuses to start (or sign) behind it.
///
/// ```swift
/// let history = CheckpointHistory(path: "/var/lib/qcredit/checkpoint-history")
/// try history.append(SignedTree(size: 12, rootHash: root))
/// try history.newest()   // size 12
/// ```
public struct CheckpointHistory: Sendable {
    /// The file name in the state and exports directories.
    public static let fileName = "checkpoint-history"

    public let path: String

    public init(path: String) { self.path = path }

    /// The newest signed tree in the file (its last complete line), or nil when there is no
    /// file or no line yet. Only the end of the file is read: it grows by a line per checkpoint.
    public func newest() throws -> SignedTree? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw failure("open")
        }
        defer { close(fd) }
        let end = lseek(fd, 0, SEEK_END)
        guard end >= 0 else { throw failure("seek") }
        return try newest(in: fd, end: end)
    }

    /// ``newest()`` read from `fd`, open on the file, whose length is `end`.
    private func newest(in fd: Int32, end: off_t) throws -> SignedTree? {
        // A line is at most 20 digits, a space, 44 base64 characters and a newline.
        let tailLength = min(Int(end), 256)
        var tail = [UInt8](repeating: 0, count: tailLength)
        let read = tail.withUnsafeMutableBytes { pread(fd, $0.baseAddress, tailLength, off_t(end) - off_t(tailLength)) }
        guard read == tailLength else { throw failure("read") }
        // A line cut short by a crash (no newline yet) was never acknowledged: skip it.
        guard let lastNewline = tail.lastIndex(of: UInt8(ascii: "\n")) else {
            guard end <= tailLength else { throw corrupt("no complete line in its last \(tailLength) bytes") }
            return nil
        }
        let lineStart = tail[..<lastNewline].lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0
        guard lineStart > 0 || end == tailLength else { throw corrupt("its last line is too long") }
        return try Self.parse(tail[lineStart..<lastNewline])
    }

    /// Every signed tree in the file, oldest first; checks that sizes never decrease and that no
    /// size was signed with two roots.
    public func all() throws -> [SignedTree] {
        guard let data = FileManager.default.contents(atPath: path) else {
            if !FileManager.default.fileExists(atPath: path) { return [] }
            throw failure("read")
        }
        var trees: [SignedTree] = []
        let bytes = [UInt8](data)
        var start = 0
        while let newline = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) {
            let tree = try Self.parse(bytes[start..<newline])
            if let last = trees.last {
                guard tree.size >= last.size else { throw corrupt("size \(tree.size) follows size \(last.size)") }
                guard tree.size > last.size || tree.rootHash == last.rootHash else {
                    throw corrupt("size \(tree.size) was signed with two roots")
                }
            }
            trees.append(tree)
            start = newline + 1
        }
        return trees
    }

    /// Appends `tree` and fsyncs the file (and, when it is new, its directory). A line left
    /// incomplete by a crash is cut off first, so every line stays whole. A tree already on the
    /// last line is not written again: a signature retried after the other history could not be
    /// written (a read-only or full exports directory) leaves one line per tree, not one per try.
    public func append(_ tree: SignedTree) throws {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure("open") }
        defer { close(fd) }
        var end = lseek(fd, 0, SEEK_END)
        guard end >= 0 else { throw failure("seek") }
        if try newest(in: fd, end: end) == tree { return }
        let created = end == 0
        // Sizes and roots of signed checkpoints, public facts: readable by all whatever the
        // daemon's umask (0077), so that restore run by an auditor can read the exports
        // directory's copy.
        if created { _ = fchmod(fd, 0o644) }
        if end > 0 {
            var last: UInt8 = 0
            guard pread(fd, &last, 1, end - 1) == 1 else { throw failure("read") }
            if last != UInt8(ascii: "\n") {
                let complete = try completeLength(fd, end: end)
                guard ftruncate(fd, complete) == 0 else { throw failure("truncate") }
                end = complete
            }
        }
        let line = Array("\(tree.size) \(Base64.encode(tree.rootHash))\n".utf8)
        var written = 0
        while written < line.count {
            let result = line[written...].withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, end + off_t(written)) }
            if result < 0 {
                if errno == EINTR { continue }
                throw failure("write")
            }
            written += result
        }
        guard fsync(fd) == 0 else { throw failure("fsync") }
        if created { try DurableFile.syncDirectory(of: path) }
    }

    /// The length of the file up to and including its last newline.
    private func completeLength(_ fd: Int32, end: off_t) throws -> off_t {
        var position = end
        var byte: UInt8 = 0
        while position > 0 {
            guard pread(fd, &byte, 1, position - 1) == 1 else { throw failure("read") }
            if byte == UInt8(ascii: "\n") { return position }
            position -= 1
        }
        return 0
    }

    static func parse(_ line: ArraySlice<UInt8>) throws -> SignedTree {
        let parts = line.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
        guard parts.count == 2, let size = Int64(String(decoding: parts[0], as: UTF8.self)), size >= 0,
            let root = Base64.decode(utf8: parts[1]), root.count == 32
        else {
            throw CheckpointHistoryError(path: "", reason: "the line '\(String(decoding: line, as: UTF8.self))' is not '<size> <base64 root>'")
        }
        return SignedTree(size: size, rootHash: root)
    }

    private func failure(_ operation: String) -> CheckpointHistoryError {
        CheckpointHistoryError(path: path, reason: "cannot \(operation): \(String(cString: strerror(errno)))")
    }

    private func corrupt(_ reason: String) -> CheckpointHistoryError {
        CheckpointHistoryError(path: path, reason: reason)
    }
}

public struct CheckpointHistoryError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var reason: String
    public var description: String { "checkpoint history \(path): \(reason)" }
}
