/// Finds the syntax errors that TOMLKit cannot report, before the text reaches it: a table
/// header whose key starts with a character no key can start with (`[!x]`, `[[ %y]]`), `}` or a
/// Unicode line separator where an array expects an element (`[1, }`), a date followed by a space
/// and one digit (`d = 2024-01-01 9`), and a date followed by `T` and no time (`2024-01-01T:`).
///
/// Why: the toml++ inside TOMLKit 0.6 does not report these as syntax errors. Its parser asserts
/// on them, which aborts the whole process (or, built with `NDEBUG`, is undefined behaviour), so a
/// typo in a config or policy file would kill the daemon instead of naming the line. All were
/// found by `Scripts/fuzz config`.
///
/// The scan follows just enough of TOML to know where headers and array elements start: outside
/// strings and comments, headers at the beginning of a line outside arrays and inline tables.
struct TOMLAbortCheck {
    struct Finding: Equatable {
        var line: Int
        var column: Int
        var reason: String
    }

    static let headerReason = "a table header's key must start with A–Z, a–z, 0–9, _, - or a quote"
    static let arrayReason = "'}' cannot be an array element"
    static let arraySeparatorReason = "a Unicode line or paragraph separator cannot start an array element"
    static let dateReason = "a date followed by a space must be followed by a time (HH:MM:SS)"
    static let dateTimeReason = "a date followed by 'T' must be followed by a time (HH:MM:SS)"
    static let nulEscapeReason = "a NUL character (\\u0000) in a string"

    private let bytes: [UInt8]
    private var index: Int
    private var line = 1
    private var lineStart: Int

    /// The first construct TOMLKit would abort on, or nil when there is none.
    static func firstFinding(in text: String) -> Finding? {
        var check = TOMLAbortCheck(text)
        return check.scan()
    }

    private init(_ text: String) {
        bytes = Array(text.utf8)
        // A byte order mark is skipped by TOMLKit, so the first line starts after it.
        index = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        lineStart = index
    }

    private mutating func scan() -> Finding? {
        var open: [UInt8] = []  // the `[` and `{` of values not closed yet
        var inHeader = false
        var atLineStart = true
        var expectingElement = false
        while index < bytes.count {
            if atLineStart && open.isEmpty {
                atLineStart = false
                skipBlanks()
                if index < bytes.count, bytes[index] == UInt8(ascii: "[") {
                    index += 1
                    if index < bytes.count, bytes[index] == UInt8(ascii: "[") { index += 1 }
                    skipBlanks()
                    if index < bytes.count, !Self.canFollowHeaderBracket(bytes[index]) {
                        return finding(Self.headerReason)
                    }
                    inHeader = true
                }
                continue
            }
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
                index += 1
                continue
            case UInt8(ascii: "#"):
                while index < bytes.count, bytes[index] != UInt8(ascii: "\n") { index += 1 }
                continue
            case UInt8(ascii: "\n"):
                index += 1
                line += 1
                lineStart = index
                atLineStart = true
                inHeader = false
                continue
            default:
                break
            }
            if expectingElement && byte == UInt8(ascii: "}") { return finding(Self.arrayReason) }
            if expectingElement && [0x85, 0x2028, 0x2029].contains(scalar(at: index).scalar.value) {
                return finding(Self.arraySeparatorReason)
            }
            if startsToken(), isDateThenOneDigit() { return finding(Self.dateReason) }
            if startsToken(), isDateThenTWithoutTime() { return finding(Self.dateTimeReason) }
            expectingElement = false
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "'"):
                if let nul = skipString() { return nul }
                continue
            case UInt8(ascii: "[") where !inHeader, UInt8(ascii: "{"):
                open.append(byte)
                expectingElement = byte == UInt8(ascii: "[")
            case UInt8(ascii: "]") where !inHeader, UInt8(ascii: "}"):
                if !open.isEmpty { open.removeLast() }
            case UInt8(ascii: ","):
                expectingElement = open.last == UInt8(ascii: "[")
            default:
                break
            }
            index += 1
        }
        return nil
    }

    /// Whether the current byte starts a key or value: toml++ scans a value from there.
    private func startsToken() -> Bool {
        guard index > lineStart else { return true }
        var start = index - 1
        while start > lineStart, (bytes[start] & 0xC0) == 0x80 { start -= 1 }
        let previous = scalar(at: start).scalar
        return previous == "=" || previous == "[" || previous == "{" || previous == "," || Self.isWhitespace(previous.value)
    }

    /// toml++ reads ten characters shaped like a date (`dddd-dd-dd`, with `_` not counted), a space and
    /// one digit as the start of a date-time, then asserts when a value terminator follows the digit.
    /// Such text is never valid TOML (a time after a date has the form HH:MM:SS), so refusing it
    /// anywhere outside strings and comments is safe. Characters are Unicode scalars, and the
    /// terminators are toml++'s, Unicode white space included (`6838-w'-w\u{FFFD} 9#` and
    /// `6838-w'-ws 9\u{FEFF}` too made it abort).
    private func isDateThenOneDigit() -> Bool {
        var characters: [Unicode.Scalar] = []
        var position = index
        while position < bytes.count, characters.count < 10 {
            let (character, length) = scalar(at: position)
            if Self.isValueTerminator(character.value) { return false }
            // `_` is skipped by toml++.
            if character != "_" { characters.append(character) }
            position += length
        }
        guard characters.count == 10, Self.isDigit(characters[0]), characters[4] == "-", characters[7] == "-",
            position + 2 < bytes.count, bytes[position] == UInt8(ascii: " "), Self.isDigit(bytes[position + 1])
        else { return false }
        return Self.isValueTerminator(scalar(at: position + 2).scalar.value)
    }

    /// The Unicode scalar starting at byte `position` and its length in bytes (the text is valid UTF-8).
    private func scalar(at position: Int) -> (scalar: Unicode.Scalar, length: Int) {
        var iterator = bytes[position...].makeIterator()
        var decoder = UTF8()
        guard case .scalarValue(let scalar) = decoder.decode(&iterator) else { return ("\u{FFFD}", 1) }
        return (scalar, UTF8.width(scalar))
    }

    /// toml++ takes a value with digits, `-`, `t` and `:` for a date-time, parses `YYYY-MM-DD` and
    /// the `T`, then asserts that a digit follows (`6838-09-04t:` aborted it). A time always
    /// starts with a digit, so such text is never valid TOML.
    private func isDateThenTWithoutTime() -> Bool {
        guard index + 11 <= bytes.count else { return false }
        let date = bytes[index..<index + 10]
        let shaped = date.indices.allSatisfy { position in
            let offset = position - index
            return offset == 4 || offset == 7 ? bytes[position] == UInt8(ascii: "-") : Self.isDigit(bytes[position])
        }
        guard shaped, bytes[index + 10] | 0x20 == UInt8(ascii: "t") else { return false }
        return index + 11 == bytes.count || !Self.isDigit(bytes[index + 11])
    }

    private static func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }

    private static func isDigit(_ character: Unicode.Scalar) -> Bool { ("0"..."9").contains(character) }

    /// toml++'s `is_value_terminator`: white space as it defines it, `]`, `}`, `,` and `#`.
    private static func isValueTerminator(_ value: UInt32) -> Bool {
        isWhitespace(value) || value == 0x5D || value == 0x7D || value == 0x2C || value == 0x23
    }

    /// toml++'s `is_whitespace`: tab, space, U+000A–U+000D, and the Unicode horizontal and vertical spaces.
    private static func isWhitespace(_ value: UInt32) -> Bool {
        switch value {
        case 0x09, 0x20, 0x0A...0x0D, 0x85, 0xA0, 0x1680, 0x180E, 0x2000...0x200B, 0x2028, 0x2029, 0x202F, 0x205F, 0x2060,
            0x3000, 0xFEFF:
            return true
        default:
            return false
        }
    }

    /// The finding at the current byte; columns count characters, as TOMLKit's do.
    private func finding(_ reason: String) -> Finding {
        Finding(line: line, column: String(decoding: bytes[lineStart..<index], as: UTF8.self).count + 1, reason: reason)
    }

    private mutating func skipBlanks() {
        while index < bytes.count, bytes[index] == UInt8(ascii: " ") || bytes[index] == UInt8(ascii: "\t") { index += 1 }
    }

    /// Skips a basic or literal string, single- or multi-line, from its opening quote; stops at
    /// a NUL escaped in it (`\u0000`), which toml++ would keep as the end of the string (a group
    /// `"a\u0000b"` read as `a`), and returns that finding.
    private mutating func skipString() -> Finding? {
        let quote = bytes[index]
        let isMultiline = index + 2 < bytes.count && bytes[index + 1] == quote && bytes[index + 2] == quote
        index += isMultiline ? 3 : 1
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\\") && quote == UInt8(ascii: "\"") {
                if isNULEscape(at: index + 1) { return finding(Self.nulEscapeReason) }
                index += 2
                continue
            }
            if byte == UInt8(ascii: "\n") {
                guard isMultiline else { return nil }  // an unterminated string: TOMLKit reports it
                line += 1
                lineStart = index + 1
            }
            if byte == quote {
                guard isMultiline else {
                    index += 1
                    return nil
                }
                if index + 2 < bytes.count, bytes[index + 1] == quote, bytes[index + 2] == quote {
                    // Up to two more quotes may end the string's content.
                    index += 3
                    while index < bytes.count, bytes[index] == quote { index += 1 }
                    return nil
                }
            }
            index += 1
        }
        return nil
    }

    /// Whether `u0000` or `U00000000` starts at `start` (after a backslash).
    private func isNULEscape(at start: Int) -> Bool {
        guard start < bytes.count else { return false }
        let digits = bytes[start] == UInt8(ascii: "u") ? 4 : bytes[start] == UInt8(ascii: "U") ? 8 : 0
        guard digits > 0, start + digits < bytes.count else { return false }
        return bytes[(start + 1)...(start + digits)].allSatisfy { $0 == UInt8(ascii: "0") }
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
