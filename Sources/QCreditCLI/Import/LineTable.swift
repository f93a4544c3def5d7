#if canImport(Glibc)
    import Glibc
#endif
import QCreditCrypto

/// A data file's lines, cut as ``InputFile`` cuts them (LF or CRLF ends, a final line end
/// starting no line, a UTF-8 byte order mark dropped) but made text only when read: an import
/// reads a million-line file a batch at a time, and making every line a string first took
/// most of the second before its first batch.
struct LineTable {
    /// How messages name the file: the path, or "standard input".
    let name: String
    private let bytes: [UInt8]
    /// Each line's bytes, without its line end; line `n` (from 1) is `ranges[n - 1]`.
    private let ranges: [Range<Int>]
    /// Lines that are not UTF-8 text, by line number: the offset (0-based) of the first byte
    /// that is not. Their text holds U+FFFD for what could not be read.
    let linesNotUTF8: [Int: Int]

    init(reading path: String, encoding: InputEncoding = .utf8) throws(Failure) {
        self.init(bytes: try InputFile.bytes(of: path, encoding: encoding), name: InputFile.name(of: path))
    }

    /// The lines of `bytes` (UTF-8), already read from the file messages call `name`.
    init(bytes: [UInt8], name: String) {
        self.name = name
        var ranges: [Range<Int>] = []
        bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            var start = 0
            while start <= buffer.count {
                var end = buffer.count
                if start < buffer.count, let found = memchr(base + start, 0x0A, buffer.count - start) {
                    end = UnsafeRawPointer(base).distance(to: UnsafeRawPointer(found))
                }
                ranges.append(start..<(end > start && buffer[end - 1] == 0x0D ? end - 1 : end))
                start = end + 1
            }
        }
        // A final line end does not start another line; a byte order mark (as spreadsheet
        // programs write) is not text of the first line.
        if ranges.last?.isEmpty == true { ranges.removeLast() }
        // Most files are UTF-8 throughout: one check of the whole, not one per line. A byte is
        // counted from the line's start, its byte order mark included, as InputFile counts it.
        var linesNotUTF8: [Int: Int] = [:]
        if String(validating: bytes, as: UTF8.self) == nil {
            // A line end byte is never part of a multi-byte UTF-8 sequence, so lines are checked alone.
            for (index, range) in ranges.enumerated() where String(validating: bytes[range], as: UTF8.self) == nil {
                linesNotUTF8[index + 1] = InputFile.firstByteNotUTF8(bytes[range])
            }
        }
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { ranges[0] = 3..<max(3, ranges[0].upperBound) }
        self.bytes = bytes
        self.ranges = ranges
        self.linesNotUTF8 = linesNotUTF8
    }

    /// How many lines the file has.
    var count: Int { ranges.count }

    /// The text of the line at `index` (0-based; its number is `index + 1`).
    func text(_ index: Int) -> String {
        String(decoding: bytes[ranges[index]], as: UTF8.self)
    }

    /// Whether the line at `index` holds nothing but white space.
    func isBlank(_ index: Int) -> Bool {
        let range = ranges[index]
        // Text with a byte that is neither an ASCII space nor a tab is checked as text.
        if bytes[range].allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return true }
        if let first = bytes[range].first, first > 0x20, first < 0x7F { return false }
        return text(index).trimmingWhitespace().isEmpty
    }

    /// SHA-256 of the lines' text joined by line feeds (the text with U+FFFD where a line is not
    /// UTF-8), without copying them into one text. A blank line counts as an empty one and those
    /// at the end are left out: a file saved again with an extra blank line at its end, or spaces
    /// on a blank line, is the same import (its rows keep their lines), not a new one that would
    /// record every event a second time; a blank line added or removed before a row moves the
    /// rows' lines, which an import's batches are named by, so that file is a new import.
    func digest() -> [UInt8] {
        let digest = DigestStream.sha256()
        var first = true
        var blankLinesBefore = 0
        for (index, range) in ranges.enumerated() {
            if isBlank(index) {
                blankLinesBefore += 1
                continue
            }
            for _ in 0..<(blankLinesBefore + (first ? 0 : 1)) { digest.update(Self.lineFeed) }
            (first, blankLinesBefore) = (false, 0)
            if linesNotUTF8.isEmpty || linesNotUTF8[index + 1] == nil {
                digest.update(bytes[range])
            } else {
                digest.update(text(index).utf8)
            }
        }
        return digest.finalize()
    }

    private static let lineFeed: [UInt8] = [0x0A]
}
