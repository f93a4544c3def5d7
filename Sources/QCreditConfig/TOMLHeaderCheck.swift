/// Finds table headers whose key starts with a character no key can start with (`[!x]`,
/// `[[ %y]]`), before the text reaches TOMLKit.
///
/// Why: the toml++ inside TOMLKit 0.6 does not report these as syntax errors. Its parser asserts
/// on them, which aborts the whole process (or, built with `NDEBUG`, is undefined behaviour), so a
/// typo in a config or policy file would kill the daemon instead of naming the line.
///
/// The scan follows just enough of TOML to know where a header can start: at the beginning of a
/// line, outside strings, comments and multi-line arrays or inline tables.
enum TOMLHeaderCheck {
    /// The 1-based line and column of the first character after `[` or `[[` (and white space)
    /// that cannot start a key, or nil when every header starts well.
    static func firstMalformedHeader(in text: String) -> (line: Int, column: Int)? {
        let bytes = Array(text.utf8)
        // A byte order mark is skipped by TOMLKit, so the first line starts after it.
        var index = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        var line = 1
        var lineStart = index
        var depth = 0  // open `[` and `{` of values
        var atLineStart = true

        func skipBlanks() {
            while index < bytes.count, bytes[index] == UInt8(ascii: " ") || bytes[index] == UInt8(ascii: "\t") { index += 1 }
        }
        func skipString() {
            let quote = bytes[index]
            let isMultiline = index + 2 < bytes.count && bytes[index + 1] == quote && bytes[index + 2] == quote
            index += isMultiline ? 3 : 1
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\\") && quote == UInt8(ascii: "\"") {
                    index += 2
                    continue
                }
                if byte == UInt8(ascii: "\n") {
                    guard isMultiline else { return }  // an unterminated string: TOMLKit reports it
                    line += 1
                    lineStart = index + 1
                }
                if byte == quote {
                    if !isMultiline {
                        index += 1
                        return
                    }
                    if index + 2 < bytes.count, bytes[index + 1] == quote, bytes[index + 2] == quote {
                        // Up to two more quotes may end the string's content.
                        index += 3
                        while index < bytes.count, bytes[index] == quote { index += 1 }
                        return
                    }
                }
                index += 1
            }
        }

        while index < bytes.count {
            if atLineStart && depth == 0 {
                atLineStart = false
                skipBlanks()
                if index < bytes.count, bytes[index] == UInt8(ascii: "[") {
                    index += 1
                    if index < bytes.count, bytes[index] == UInt8(ascii: "[") { index += 1 }
                    skipBlanks()
                    if index < bytes.count, !canFollowHeaderBracket(bytes[index]) {
                        return (line, String(decoding: bytes[lineStart..<index], as: UTF8.self).count + 1)
                    }
                    // The header's own brackets are not values: scan the rest of its line as keys.
                    depth = -1
                }
                continue
            }
            switch bytes[index] {
            case UInt8(ascii: "\""), UInt8(ascii: "'"):
                skipString()
                continue
            case UInt8(ascii: "#"):
                while index < bytes.count, bytes[index] != UInt8(ascii: "\n") { index += 1 }
                continue
            case UInt8(ascii: "\n"):
                line += 1
                lineStart = index + 1
                atLineStart = true
                if depth < 0 { depth = 0 }
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                if depth >= 0 { depth += 1 }
            case UInt8(ascii: "]"), UInt8(ascii: "}"):
                if depth > 0 { depth -= 1 }
            default:
                break
            }
            index += 1
        }
        return nil
    }

    /// A bare key character (`A–Z a–z 0–9 _ -`), a quote, or the `]` of an empty header
    /// (which TOMLKit reports itself).
    private static func canFollowHeaderBracket(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "]"):
            return true
        default:
            return false
        }
    }
}
