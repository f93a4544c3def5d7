#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import QCreditCrypto
import Synchronization

/// A new file written through a 256 KiB buffer, its SHA-256 and SM3 computed from the same
/// buffers as they go to disk: no file is ever held in memory, and no file is read back.
///
/// The caller fills a buffer while the ones before it are written and hashed on a queue of
/// the file's own, at most ``buffersInFlight`` at a time: an export spends about as long in the
/// kernel's copy into new page-cache pages and in the two digests as in reading the database and
/// making lines, and on two cores the two now overlap (BENCHMARKS.md). The bytes, their order
/// and the digests are the same; a write that fails is reported by the next call or by
/// ``finish()``.
final class HashingFileWriter {
    static let bufferSize = 256 * 1024
    static let buffersInFlight = 4

    let name: String
    private var buffer: [UInt8] = []
    private let sink: Sink
    private let queue: DispatchQueue
    private let slots = DispatchSemaphore(value: HashingFileWriter.buffersInFlight)

    /// The file's descriptor and digests, used only on the writer's queue until ``finish()``
    /// has waited for it.
    private final class Sink: @unchecked Sendable {
        let path: String
        var descriptor: Int32
        let sha256 = DigestStream.sha256()
        let sm3 = DigestStream.sm3()
        var byteCount: Int64 = 0
        let failure = Mutex<ExportError?>(nil)

        init(path: String, descriptor: Int32) {
            self.path = path
            self.descriptor = descriptor
        }

        func consume(_ chunk: [UInt8]) {
            guard failure.withLock({ $0 == nil }) else { return }
            // Array.withUnsafeBytes rethrows untyped errors, so the failure is passed out as a value.
            let failed: ExportError? = chunk.withUnsafeBytes { raw in
                do throws(ExportError) {
                    try FileSystem.writeAll(descriptor, raw, path: path)
                } catch {
                    return error
                }
                sha256.update(raw)
                sm3.update(raw)
                return nil
            }
            if let failed {
                failure.withLock { $0 = failed }
                return
            }
            byteCount += Int64(chunk.count)
        }

        deinit {
            if descriptor >= 0 { close(descriptor) }
        }
    }

    /// Creates `name` in `directory` (which must not hold it yet), with exactly `mode` and, when
    /// `group` is given, that group.
    init(creating name: String, in directory: Int32, directoryPath: String, mode: mode_t, group: RestrictedGroup?) throws(ExportError) {
        self.name = name
        let path = FileSystem.join(directoryPath, name)
        let descriptor = openat(directory, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode)
        guard descriptor >= 0 else { throw FileSystem.failure("create", path) }
        sink = Sink(path: path, descriptor: descriptor)
        queue = DispatchQueue(label: "qcredit.export.\(name)")
        // Why fchmod: the mode given to open is filtered by the umask.
        guard fchmod(descriptor, mode) == 0 else { throw FileSystem.failure("chmod", path) }
        if let group { try FileSystem.giveToGroup(descriptor, group: group, path: path) }
        buffer.reserveCapacity(Self.bufferSize)
    }

    deinit {
        // Nothing may still be writing when the sink closes the descriptor.
        queue.sync {}
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

    /// Hands the buffer to the queue (waiting while ``buffersInFlight`` are there already).
    private func flush() throws(ExportError) {
        if let failure = sink.failure.withLock({ $0 }) { throw failure }
        guard !buffer.isEmpty else { return }
        let chunk = buffer
        buffer = []
        buffer.reserveCapacity(Self.bufferSize)
        slots.wait()
        queue.async { [sink, slots] in
            sink.consume(chunk)
            slots.signal()
        }
    }

    /// Flushes, waits for every buffer to be written, `fsync`s and closes the file; returns its
    /// MANIFEST entry.
    func finish() throws(ExportError) -> ExportManifest.FileEntry {
        try flush()
        queue.sync {}
        if let failure = sink.failure.withLock({ $0 }) { throw failure }
        try FileSystem.sync(sink.descriptor, path: sink.path)
        let closed = close(sink.descriptor)
        sink.descriptor = -1
        guard closed == 0 else { throw FileSystem.failure("close", sink.path) }
        return ExportManifest.FileEntry(name: name, size: sink.byteCount, sha256: sink.sha256.finalize(), sm3: sink.sm3.finalize())
    }
}
