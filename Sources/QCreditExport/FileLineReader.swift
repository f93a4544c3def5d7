#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a file's `\n`-terminated lines one at a time, on demand, in 64 KiB chunks: for reading
/// one file alongside another being scanned (the leaves an `openings.jsonl` opens), with flat
/// memory.
final class FileLineReader {
    private let descriptor: Int32
    private var buffer: [UInt8] = []
    private var position = 0
    private var atEnd = false
    /// Lines read so far.
    private(set) var count: Int64 = 0

    /// Opens `name` in `directory` (never following a symbolic link); nil if it cannot be opened.
    init?(_ name: String, in directory: Int32) {
        descriptor = FileSystem.openFile(name, in: directory)
        guard descriptor >= 0 else { return nil }
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
    }

    /// The next line without its newline (the last one even without); nil at the end, on a read
    /// error, or for a line longer than ``FileScanner/maximumLineLength``.
    func next() -> [UInt8]? {
        while true {
            if let newline = buffer[position...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(buffer[position..<newline])
                position = newline + 1
                count += 1
                return line
            }
            if atEnd {
                guard position < buffer.count else { return nil }
                let line = Array(buffer[position...])
                position = buffer.count
                count += 1
                return line
            }
            guard buffer.count - position <= FileScanner.maximumLineLength else { return nil }
            buffer.removeFirst(position)
            position = 0
            var chunk = [UInt8](repeating: 0, count: FileScanner.chunkSize)
            let got = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if got < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if got == 0 { atEnd = true } else { buffer += chunk[0..<got] }
        }
    }

    /// Line `number` (1-based), reading forward; nil if the file has no such line or it lies
    /// behind what was read.
    func line(_ number: Int64) -> [UInt8]? {
        guard number > count else { return nil }
        while count < number - 1 {
            guard next() != nil else { return nil }
        }
        return next()
    }
}
