extension JSONParser {
    /// Parses a number per RFC 8259's grammar; `position` is at its `-` or first digit.
    ///
    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?` — a literal without fraction and
    /// exponent that fits `Int64` is an ``JSONValue/int(_:)``; every other literal is handed to
    /// the standard library's correctly rounded `Double(String)`, after the grammar check here
    /// (which keeps out the `nan`, `inf`, hex and whitespace forms that initializer accepts).
    mutating func parseNumber() throws(JSONParseError) -> JSONValue {
        let start = position
        var index = start
        let negative = bytes[index] == UInt8(ascii: "-")
        if negative { index += 1 }

        let integerStart = index
        guard index < bytes.count else { throw endOfInput() }
        switch bytes[index] {
        case UInt8(ascii: "0"):
            index += 1
            if index < bytes.count, isDigit(bytes[index]) {
                throw JSONParseError(offset: index - 1, reason: "leading zero in number")
            }
        case UInt8(ascii: "1")...UInt8(ascii: "9"):
            index = endOfDigits(from: index + 1)
        default:
            throw JSONParseError(offset: index, reason: "expected digit")
        }
        let integerEnd = index

        var isInteger = true
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            isInteger = false
            index = try requiredDigits(from: index + 1)
        }
        if index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "e") {
            isInteger = false
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                index += 1
            }
            index = try requiredDigits(from: index)
        }
        position = index

        // Up to 19 digits always fit in UInt64; longer integers cannot fit Int64 anyway.
        if isInteger, integerEnd - integerStart <= 19 {
            var magnitude: UInt64 = 0
            for offset in integerStart..<integerEnd {
                magnitude = magnitude &* 10 &+ UInt64(bytes[offset] &- UInt8(ascii: "0"))
            }
            if negative {
                if magnitude <= UInt64(Int64.max) + 1 { return .int(Int64(bitPattern: 0 &- magnitude)) }
            } else if magnitude <= UInt64(Int64.max) {
                return .int(Int64(magnitude))
            }
        }

        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        guard let double = Double(text), double.isFinite else {
            throw JSONParseError(offset: start, reason: "number out of range")
        }
        return .double(double)
    }

    @inline(__always)
    private func isDigit(_ byte: UInt8) -> Bool {
        byte &- UInt8(ascii: "0") < 10
    }

    private func endOfDigits(from start: Int) -> Int {
        var index = start
        while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        return index
    }

    /// One or more digits (after `.`, and in an exponent).
    private func requiredDigits(from start: Int) throws(JSONParseError) -> Int {
        guard start < bytes.count else { throw endOfInput() }
        guard isDigit(bytes[start]) else { throw JSONParseError(offset: start, reason: "expected digit") }
        return endOfDigits(from: start + 1)
    }
}
