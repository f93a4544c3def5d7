#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QCreditCrypto

/// A new file written through a 64 KiB buffer, its SHA-256 and SM3 computed from the same
/// buffers as they go to disk: no file is ever held in memory, and no file is read back.
final class HashingFileWriter {
    static let bufferSize = 64 * 1024

    let name: String
    private let path: String
    private var descriptor: Int32
    private var buffer: [UInt8] = []
    private let sha256 = DigestStream.sha256()
    private let sm3 = DigestStream.sm3()
    private(set) var byteCount: Int64 = 0

    /// Creates `name` in `directory` (which must not hold it yet), with exactly `mode` and, when
    /// `group` is given, that group.
    init(creating name: String, in directory: Int32, directoryPath: String, mode: mode_t, group: RestrictedGroup?) throws(ExportError) {
        self.name = name
        path = FileSystem.join(directoryPath, name)
        descriptor = openat(directory, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode)
        guard descriptor >= 0 else { throw FileSystem.failure("create", path) }
        // Why fchmod: the mode given to open is filtered by the umask.
        guard fchmod(descriptor, mode) == 0 else { throw FileSystem.failure("chmod", path) }
        if let group { try FileSystem.giveToGroup(descriptor, group: group, path: path) }
        buffer.reserveCapacity(Self.bufferSize)
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
    }

    func write(_ bytes: some Collection<UInt8>) throws(ExportError) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= Self.bufferSize { try flush() }
    }

    func write(_ text: String) throws(ExportError) {
        try write(text.utf8)
    }

    /// Writes `bytes` and a newline.
    func writeLine(_ bytes: some Collection<UInt8>) throws(ExportError) {
        buffer.append(contentsOf: bytes)
        buffer.append(UInt8(ascii: "\n"))
        if buffer.count >= Self.bufferSize { try flush() }
    }

    private func flush() throws(ExportError) {
        guard !buffer.isEmpty else { return }
        // Array.withUnsafeBytes rethrows untyped errors, so the failure is passed out as a value.
        let failure: ExportError? = buffer.withUnsafeBytes { raw in
            do throws(ExportError) {
                try FileSystem.writeAll(descriptor, raw, path: path)
            } catch {
                return error
            }
            sha256.update(raw)
            sm3.update(raw)
            return nil
        }
        if let failure { throw failure }
        byteCount += Int64(buffer.count)
        buffer.removeAll(keepingCapacity: buffer.capacity <= 4 * Self.bufferSize)
    }

    /// Flushes, `fsync`s and closes the file; returns its MANIFEST entry.
    func finish() throws(ExportError) -> ExportManifest.FileEntry {
        try flush()
        try FileSystem.sync(descriptor, path: path)
        let closed = close(descriptor)
        descriptor = -1
        guard closed == 0 else { throw FileSystem.failure("close", path) }
        return ExportManifest.FileEntry(name: name, size: byteCount, sha256: sha256.finalize(), sm3: sm3.finalize())
    }
}
