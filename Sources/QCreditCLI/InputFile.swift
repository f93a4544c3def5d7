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

    /// Lines that are not UTF-8 text, by line number: the offset (0-based) of the first byte
    /// that is not. Their `text` holds U+FFFD for what could not be read.
    let linesNotUTF8: [Int: Int]

    /// Reads all of `path` (`-` for standard input).
    ///
    /// Each line is checked on its own, so a file with one badly encoded line (a name pasted
    /// from a GB18030 spreadsheet, say) can still be read when `acceptingLinesNotUTF8` is set:
    /// the caller reports those lines and keeps the rest.
    /// - Throws: ``Failure/badInput(_:)`` naming the file and the system's reason, or the first
    ///   line that is not UTF-8 (with the byte) unless `acceptingLinesNotUTF8`.
    init(reading path: String, acceptingLinesNotUTF8: Bool = false, encoding: InputEncoding? = nil) throws(Failure) {
        try self.init(
            bytes: try Self.bytes(of: path, encoding: encoding), name: Self.name(of: path),
            acceptingLinesNotUTF8: acceptingLinesNotUTF8, offeringEncoding: encoding != nil)
    }

    /// The lines of `bytes` (UTF-8), already read from the input messages call `name`; a
    /// refusal of a line that is not UTF-8 suggests `--encoding` when `offeringEncoding`.
    init(bytes: [UInt8], name: String, acceptingLinesNotUTF8: Bool = false, offeringEncoding: Bool) throws(Failure) {
        self.name = name
        // A line end byte is never part of a multi-byte UTF-8 sequence, so lines can be cut
        // before they are decoded.
        var lines: [(number: Int, text: String)] = []
        var linesNotUTF8: [Int: Int] = [:]
        for (offset, raw) in bytes.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() {
            let line = raw.last == 0x0D ? raw.dropLast() : raw
            if let text = String(validating: line, as: UTF8.self) {
                lines.append((offset + 1, text))
            } else {
                let badByte = Self.firstByteNotUTF8(line)
                guard acceptingLinesNotUTF8 else {
                    throw Self.notUTF8(name, line: offset + 1, byte: badByte, offeringEncoding: offeringEncoding)
                }
                linesNotUTF8[offset + 1] = badByte
                lines.append((offset + 1, String(decoding: line, as: UTF8.self)))
            }
        }
        // A final line end does not start another line.
        if lines.last?.text.isEmpty == true { lines.removeLast() }
        // A UTF-8 byte order mark (as spreadsheet programs write) is not text of the first line.
        if let first = lines.first, first.text.hasPrefix("\u{FEFF}") { lines[0].text = String(first.text.dropFirst()) }
        self.lines = lines
        self.linesNotUTF8 = linesNotUTF8
    }

    /// How messages name `path`.
    static func name(of path: String) -> String { path == "-" ? "standard input" : path }

    /// All of `path`'s bytes (`-` for standard input), as UTF-8 when an encoding is given.
    static func bytes(of path: String, encoding: InputEncoding? = nil) throws(Failure) -> [UInt8] {
        let bytes = try rawBytes(of: path)
        // Excel's "Unicode text" is UTF-16 with a byte order mark: read as UTF-8 or GB18030 it
        // is noise, and the advice to try GB18030 led nowhere.
        if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) {
            let mark = bytes[0] == 0xFF ? "FF FE" : "FE FF"
            throw .badInput(
                "cannot read \(name(of: path)): it is UTF-16 text (its first bytes are the byte order mark \(mark)); save it "
                    + "as UTF-8 (\"CSV UTF-8\" in a spreadsheet) or convert it: iconv -f UTF-16 -t UTF-8")
        }
        let text = try encoding?.utf8(bytes, name: name(of: path)) ?? bytes
        // Lines that end in a carriage return alone (old Macintosh text, "CSV (Macintosh)") read
        // as one line: a CSV's rows became its header, refused as a column missing.
        if let end = text.firstIndex(where: { $0 == 0x0A || $0 == 0x0D }), text[end] == 0x0D,
            end + 1 < text.count, text[end + 1] != 0x0A
        {
            throw .badInput(
                "cannot read \(name(of: path)): its lines end in a carriage return alone (old Macintosh text); save it "
                    + "with LF or CRLF line ends, or convert it: tr '\\r' '\\n' < FILE > NEW")
        }
        return text
    }

    /// All of `path`'s bytes as they are (any file: a letter's PDF too), or a refusal with the
    /// system's reason.
    static func rawBytes(of path: String) throws(Failure) -> [UInt8] {
        let descriptor = path == "-" ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw Self.unreadable(path, errno) }
        defer { if path != "-" { close(descriptor) } }
        var bytes: [UInt8] = []
        // A file's size known ahead is read into one buffer, not one doubled again and again.
        var status = stat()
        if fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG, status.st_size > 0 {
            bytes.reserveCapacity(Int(status.st_size) + 1)
        }
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
        return bytes
    }

    /// The refusal of file `name` for its line `line`, not UTF-8 from the 0-based `byte` on,
    /// with how to fix it (Chinese spreadsheets often save GB18030): `--encoding gb18030` for
    /// a command that offers it, else a conversion.
    static func notUTF8(_ name: String, line: Int, byte: Int, offeringEncoding: Bool = false) -> Failure {
        .badInput(
            "cannot read \(name): line \(line) is not UTF-8 text (byte \(byte + 1) of the line); "
                + (offeringEncoding
                    ? "if the file is GB18030 (GBK), as Chinese spreadsheets save CSV, read it with --encoding gb18030"
                    : "if the file is GB18030 (GBK), convert it first: iconv -f GB18030 -t UTF-8"))
    }

    /// The offset of the first byte of `line` that does not belong to a valid UTF-8 sequence.
    static func firstByteNotUTF8(_ line: ArraySlice<UInt8>) -> Int {
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = line.makeIterator()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let scalar): offset += scalar.count
            case .error: return offset
            case .emptyInput: return offset
            }
        }
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

