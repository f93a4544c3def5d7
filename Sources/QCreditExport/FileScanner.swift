#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QCreditCrypto

/// Reads a file of an export once, in 64 KiB chunks: its size, SHA-256 and SM3 from the chunks
/// as they are read, and, for the checks that need them, its lines (streamed) or its whole
/// content (small files only). Memory stays flat whatever the file's size.
enum FileScanner {
    static let chunkSize = 64 * 1024
    /// Longer lines are reported (as nil) rather than buffered: no record comes near this.
    static let maximumLineLength = 16 * 1024 * 1024

    struct Result {
        var size: Int64
        var sha256: [UInt8]
        var sm3: [UInt8]
        /// The whole content when asked for and within the limit; nil otherwise.
        var content: [UInt8]?
        /// Whether the file is empty or its last byte is a newline.
        var endsWithNewline: Bool
    }

    /// Reads `name` in `directory` (never following a symbolic link).
    ///
    /// - Parameters:
    ///   - contentLimit: keep the content if it is at most this many bytes (0: never).
    ///   - line: called with each line's 1-based number and bytes (without the newline; nil for
    ///     a line longer than ``maximumLineLength``), the last line included even without a newline.
    static func scan(
        _ name: String, in directory: Int32, path: String, contentLimit: Int = 0,
        line: ((Int64, UnsafeRawBufferPointer?) -> Void)? = nil
    ) throws(ExportError) -> Result {
        let filePath = FileSystem.join(path, name)
        let descriptor = FileSystem.openFile(name, in: directory)
        guard descriptor >= 0 else { throw FileSystem.failure("open", filePath) }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw FileSystem.failure("stat", filePath) }
        guard status.st_mode & S_IFMT == S_IFREG else {
            throw .fileSystem(operation: "read", path: filePath, reason: "not a regular file")
        }

        let sha256 = DigestStream.sha256()
        let sm3 = DigestStream.sm3()
        var size: Int64 = 0
        var content: [UInt8]? = contentLimit > 0 ? [] : nil
        var splitter = LineSplitter(maximumLength: maximumLineLength)
        var lastByte: UInt8?
        var chunk = [UInt8](repeating: 0, count: chunkSize)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw FileSystem.failure("read", filePath)
            }
            if count == 0 { break }
            chunk.withUnsafeBytes { raw in
                let piece = UnsafeRawBufferPointer(rebasing: raw[0..<count])
                sha256.update(piece)
                sm3.update(piece)
                if let line { splitter.feed(piece, line) }
            }
            size += Int64(count)
            lastByte = chunk[count - 1]
            if content != nil {
                if content!.count + count <= contentLimit { content! += chunk[0..<count] } else { content = nil }
            }
        }
        if let line { splitter.finish(line) }
        return Result(
            size: size, sha256: sha256.finalize(), sm3: sm3.finalize(), content: content,
            endsWithNewline: lastByte == nil || lastByte == UInt8(ascii: "\n"))
    }
}
