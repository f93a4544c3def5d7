extension JSONParser {
    /// Parses a string literal; `position` is at its opening quote.
    ///
    /// Fast path: a string without escapes becomes a `String` straight from its byte range.
    mutating func parseString() throws(JSONParseError) -> String {
        let contentStart = position + 1
        var index = contentStart
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                position = index + 1
                return String(decoding: UnsafeBufferPointer(rebasing: bytes[contentStart..<index]), as: UTF8.self)
            } else if byte == UInt8(ascii: "\\") {
                return try parseEscapedString(from: contentStart, firstEscape: index)
            } else if byte < 0x20 {
                throw controlCharacter(at: index)
            } else if byte < 0x80 {
                index += 1
            } else {
                index = try endOfUTF8Sequence(at: index)
            }
        }
        throw unterminatedString()
    }

    /// The slow path: copies unescaped runs and decoded escapes into `scratch`.
    private mutating func parseEscapedString(from contentStart: Int, firstEscape: Int) throws(JSONParseError) -> String {
        scratch.removeAll(keepingCapacity: true)
        var runStart = contentStart
        var index = firstEscape
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
                position = index + 1
                return String(decoding: scratch, as: UTF8.self)
            } else if byte == UInt8(ascii: "\\") {
                scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
                index = try decodeEscape(at: index)
                runStart = index
            } else if byte < 0x20 {
                throw controlCharacter(at: index)
            } else if byte < 0x80 {
                index += 1
            } else {
                index = try endOfUTF8Sequence(at: index)
            }
        }
        throw unterminatedString()
    }

    /// Decodes the escape at `index` (a backslash) into `scratch`; returns the index after it.
    private mutating func decodeEscape(at index: Int) throws(JSONParseError) -> Int {
        guard index + 1 < bytes.count else { throw unterminatedString() }
        let replacement: UInt8
        switch bytes[index + 1] {
        case UInt8(ascii: "\""): replacement = UInt8(ascii: "\"")
        case UInt8(ascii: "\\"): replacement = UInt8(ascii: "\\")
        case UInt8(ascii: "/"): replacement = UInt8(ascii: "/")
        case UInt8(ascii: "b"): replacement = 0x08
        case UInt8(ascii: "f"): replacement = 0x0C
        case UInt8(ascii: "n"): replacement = 0x0A
        case UInt8(ascii: "r"): replacement = 0x0D
        case UInt8(ascii: "t"): replacement = 0x09
        case UInt8(ascii: "u"):
            return try decodeUnicodeEscape(at: index)
        default:
            throw JSONParseError(offset: index, reason: "invalid escape")
        }
        scratch.append(replacement)
        return index + 2
    }

    /// `\uXXXX`, or a `\uD8xx\uDCxx` surrogate pair. A surrogate that is not half of a pair
    /// has no Unicode scalar value, so it cannot be represented in a `String`: error.
    private mutating func decodeUnicodeEscape(at index: Int) throws(JSONParseError) -> Int {
        let unit = try hexQuad(at: index + 2, escapeAt: index)
        var scalarValue = UInt32(unit)
        var end = index + 6
        switch unit {
        case 0xD800..<0xDC00:
            // A high surrogate must be followed at once by `\u` and a low surrogate.
            guard end < bytes.count, bytes[end] != UInt8(ascii: "\\") || end + 1 < bytes.count else {
                throw unterminatedString()
            }
            guard bytes[end] == UInt8(ascii: "\\"), bytes[end + 1] == UInt8(ascii: "u") else {
                throw JSONParseError(offset: index, reason: "lone surrogate")
            }
            let low = try hexQuad(at: end + 2, escapeAt: end)
            guard (0xDC00..<0xE000).contains(low) else {
                throw JSONParseError(offset: index, reason: "lone surrogate")
            }
            scalarValue = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
            end += 6
        case 0xDC00..<0xE000:
            throw JSONParseError(offset: index, reason: "lone surrogate")
        default:
            break
        }
        appendUTF8(scalarValue)
        return end
    }

    private func hexQuad(at start: Int, escapeAt: Int) throws(JSONParseError) -> UInt16 {
        var result: UInt16 = 0
        for offset in start..<(start + 4) {
            guard offset < bytes.count else { throw unterminatedString() }
            let byte = bytes[offset]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte &- UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte &- UInt8(ascii: "a") &+ 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte &- UInt8(ascii: "A") &+ 10
            default: throw JSONParseError(offset: escapeAt, reason: "invalid \\u escape")
            }
            result = result << 4 | UInt16(digit)
        }
        return result
    }

    private mutating func appendUTF8(_ scalar: UInt32) {
        switch scalar {
        case 0..<0x80:
            scratch.append(UInt8(scalar))
        case 0x80..<0x800:
            scratch.append(0xC0 | UInt8(scalar >> 6))
            scratch.append(0x80 | UInt8(scalar & 0x3F))
        case 0x800..<0x10000:
            scratch.append(0xE0 | UInt8(scalar >> 12))
            scratch.append(0x80 | UInt8((scalar >> 6) & 0x3F))
            scratch.append(0x80 | UInt8(scalar & 0x3F))
        default:
            scratch.append(0xF0 | UInt8(scalar >> 18))
            scratch.append(0x80 | UInt8((scalar >> 12) & 0x3F))
            scratch.append(0x80 | UInt8((scalar >> 6) & 0x3F))
            scratch.append(0x80 | UInt8(scalar & 0x3F))
        }
    }

    /// Validates the multi-byte UTF-8 sequence at `index` (see ``UTF8Sequence/end(in:at:)``)
    /// and returns the index after it.
    func endOfUTF8Sequence(at index: Int) throws(JSONParseError) -> Int {
        guard let end = UTF8Sequence.end(in: bytes, at: index) else { throw invalidUTF8(at: index) }
        return end
    }

    private func invalidUTF8(at offset: Int) -> JSONParseError {
        JSONParseError(offset: offset, reason: "invalid UTF-8")
    }

    private func controlCharacter(at offset: Int) -> JSONParseError {
        JSONParseError(offset: offset, reason: "unescaped control character in string")
    }

    private func unterminatedString() -> JSONParseError {
        JSONParseError(offset: bytes.count, reason: "unterminated string")
    }
}
