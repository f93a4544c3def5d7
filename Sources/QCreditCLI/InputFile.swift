#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A text file named on the command line, or standard input for `-`, as numbered lines.
struct InputFile {
    /// How messages name the input: the path, or "standard input".
    let name: String
    /// The lines with their 1-based numbers; line ends (LF or CRLF) removed.
    let lines: [(number: Int, text: String)]

    /// Reads all of `path` (`-` for standard input).
    /// - Throws: ``Failure/badInput(_:)`` naming the file and the system's reason.
    init(reading path: String) throws(Failure) {
        name = path == "-" ? "standard input" : path
        let descriptor = path == "-" ? STDIN_FILENO : open(path, O_RDONLY)
        guard descriptor >= 0 else { throw Self.unreadable(path, errno) }
        defer { if path != "-" { close(descriptor) } }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress!, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw Self.unreadable(path, errno)
            }
            if count == 0 { break }
            bytes += chunk[0..<count]
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw .badInput("cannot read \(name): it is not UTF-8 text")
        }
        // Split on the scalar: as Characters, "\r\n" is one grapheme that is not "\n".
        var lines = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).enumerated().map { offset, line in
            (number: offset + 1, text: String(line.last == "\r" ? line.dropLast() : line))
        }
        // A final line end does not start another line.
        if lines.last?.text.isEmpty == true { lines.removeLast() }
        // A UTF-8 byte order mark (as spreadsheet programs write) is not text of the first line.
        if let first = lines.first, first.text.hasPrefix("\u{FEFF}") { lines[0].text = String(first.text.dropFirst()) }
        self.lines = lines
    }

    /// Whether two paths name one existing file (the same inode on the same device).
    static func sameFile(_ one: String, _ other: String) -> Bool {
        var first = stat()
        var second = stat()
        guard one != "-", other != "-", stat(one, &first) == 0, stat(other, &second) == 0 else { return false }
        return first.st_dev == second.st_dev && first.st_ino == second.st_ino
    }

    private static func unreadable(_ path: String, _ code: Int32) -> Failure {
        .badInput("cannot read \(path == "-" ? "standard input" : path): \(systemErrorText(code))")
    }

    /// The lines that carry content: blank lines and `#` comments (whole lines, or the rest of
    /// a line after `#`) are skipped, and surrounding white space is trimmed.
    var contentLines: [(number: Int, text: String)] {
        lines.compactMap { line in
            let beforeComment = line.text.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let trimmed = beforeComment.trimmingWhitespace()
            return trimmed.isEmpty ? nil : (line.number, trimmed)
        }
    }
}

extension StringProtocol {
    /// The text without leading and trailing white space (including U+3000, the ideographic space).
    func trimmingWhitespace() -> String {
        let text = String(self)
        guard let first = text.firstIndex(where: { !$0.isWhitespace }),
            let last = text.lastIndex(where: { !$0.isWhitespace })
        else { return "" }
        return String(text[first...last])
    }
}
