/// The strict RFC 8259 + I-JSON (RFC 7493) parser behind `JSONValue.parse`.
///
/// It is iterative: containers under construction live on an explicit stack of frames, so the
/// only bound on nesting is `maxDepth` (checked before a frame is pushed), never the thread's
/// stack. It reads the input once, validates UTF-8 as it goes, and builds strings straight from
/// byte ranges; only strings with escapes go through a scratch buffer.
struct JSONParser: ~Copyable {
    let bytes: UnsafeBufferPointer<UInt8>
    let maxDepth: Int
    var position = 0
    /// Reused for strings that contain escapes, so each such string costs one `String` and no
    /// intermediate arrays.
    var scratch: [UInt8] = []

    init(bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = max(0, maxDepth)
    }

    /// An array or object that has been opened but not closed yet. Its elements (or member
    /// values) wait on the shared `values` stack from `valueBase` on, its member names on the
    /// shared `names` stack from `nameBase` on; closing it builds the container at its exact
    /// size in one go, which is cheaper than growing a dictionary member by member.
    private struct Frame {
        var isObject: Bool
        var valueBase: Int
        var nameBase: Int
    }

    /// A member name waiting on the `names` stack for its object to close.
    private struct MemberName {
        var name: String
        /// Where the name's opening quote is, for the duplicate-key error.
        var offset: Int
    }

    /// Parses exactly one value surrounded by optional whitespace.
    mutating func parseDocument() throws(JSONParseError) -> JSONValue {
        var stack: [Frame] = []
        var values: [JSONValue] = []
        var names: [MemberName] = []
        // Room for a typical request without regrowing; the arrays grow as needed beyond.
        stack.reserveCapacity(min(maxDepth, 8))
        values.reserveCapacity(8)
        names.reserveCapacity(8)
        var value: JSONValue

        parsing: while true {
            // Start of a value.
            skipWhitespace()
            guard position < bytes.count else { throw endOfInput() }
            let start = position
            switch bytes[start] {
            case UInt8(ascii: "{"):
                guard stack.count < maxDepth else { throw tooDeep(at: start) }
                position += 1
                skipWhitespace()
                if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
                    position += 1
                    value = .object([:])
                } else {
                    stack.append(Frame(isObject: true, valueBase: values.count, nameBase: names.count))
                    names.append(try parseMemberName())
                    continue parsing
                }
            case UInt8(ascii: "["):
                guard stack.count < maxDepth else { throw tooDeep(at: start) }
                position += 1
                skipWhitespace()
                if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
                    position += 1
                    value = .array([])
                } else {
                    stack.append(Frame(isObject: false, valueBase: values.count, nameBase: names.count))
                    continue parsing
                }
            case UInt8(ascii: "\""):
                value = .string(try parseString())
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                value = try parseNumber()
            case UInt8(ascii: "t"):
                try expectLiteral("true")
                value = .bool(true)
            case UInt8(ascii: "f"):
                try expectLiteral("false")
                value = .bool(false)
            case UInt8(ascii: "n"):
                try expectLiteral("null")
                value = .null
            default:
                throw unexpectedByte(at: start)
            }

            // A value is complete: hand it to the enclosing container, closing containers as
            // long as their closing bracket follows.
            while let frame = stack.last {
                values.append(value)
                skipWhitespace()
                guard position < bytes.count else { throw endOfInput() }
                let byte = bytes[position]
                position += 1
                if byte == UInt8(ascii: ",") {
                    if frame.isObject {
                        skipWhitespace()
                        names.append(try parseMemberName())
                    }
                    continue parsing
                }
                if frame.isObject {
                    guard byte == UInt8(ascii: "}") else {
                        throw JSONParseError(offset: position - 1, reason: "expected ',' or '}'")
                    }
                    value = .object(try Self.closeObject(frame, values: &values, names: &names))
                } else {
                    guard byte == UInt8(ascii: "]") else {
                        throw JSONParseError(offset: position - 1, reason: "expected ',' or ']'")
                    }
                    value = .array(Array(values[frame.valueBase...]))
                    values.removeLast(values.count - frame.valueBase)
                }
                stack.removeLast()
            }

            skipWhitespace()
            guard position == bytes.count else {
                throw JSONParseError(offset: position, reason: "unexpected data after the value")
            }
            return value
        }
    }

    /// Builds the dictionary of a closed object. Rejects a repeated member name (I-JSON; RFC 8785
    /// needs it too, as an object with two equal names has no canonical form), reporting the
    /// offset of the repetition.
    private static func closeObject(
        _ frame: Frame, values: inout [JSONValue], names: inout [MemberName]
    ) throws(JSONParseError) -> [String: JSONValue] {
        let count = values.count - frame.valueBase
        var members = [String: JSONValue](minimumCapacity: count)
        for index in 0..<count {
            let name = names[frame.nameBase + index]
            if members.updateValue(values[frame.valueBase + index], forKey: name.name) != nil {
                throw JSONParseError(offset: name.offset, reason: "duplicate key")
            }
        }
        values.removeLast(count)
        names.removeLast(count)
        return members
    }

    /// Parses `"name"` and the `:` after it; returns the name and the offset of its quote.
    private mutating func parseMemberName() throws(JSONParseError) -> MemberName {
        guard position < bytes.count else { throw endOfInput() }
        let start = position
        guard bytes[start] == UInt8(ascii: "\"") else {
            throw JSONParseError(offset: start, reason: "expected a string as member name")
        }
        let name = try parseString()
        skipWhitespace()
        guard position < bytes.count else { throw endOfInput() }
        guard bytes[position] == UInt8(ascii: ":") else {
            throw JSONParseError(offset: position, reason: "expected ':'")
        }
        position += 1
        return MemberName(name: name, offset: start)
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
        let start = position
        let count = literal.utf8CodeUnitCount
        let text = literal.utf8Start
        for index in 0..<count {
            guard start + index < bytes.count else { throw endOfInput() }
            guard bytes[start + index] == text[index] else {
                throw JSONParseError(offset: start, reason: "invalid literal")
            }
        }
        position = start + count
    }

    // Only the four RFC 8259 whitespace bytes; no BOM, no NBSP, no form feed.
    @inline(__always)
    mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x0A, 0x0D, 0x09: position += 1
            default: return
            }
        }
    }

    // MARK: Errors

    func endOfInput() -> JSONParseError {
        JSONParseError(offset: bytes.count, reason: "unexpected end of input")
    }

    private func tooDeep(at offset: Int) -> JSONParseError {
        JSONParseError(offset: offset, reason: "nesting deeper than \(maxDepth)")
    }

    /// A byte that cannot start a value. Non-ASCII bytes are reported as invalid UTF-8 when
    /// they are, so "invalid UTF-8 anywhere" gets the same reason inside and outside strings.
    private func unexpectedByte(at offset: Int) -> JSONParseError {
        if bytes[offset] >= 0x80, (try? endOfUTF8Sequence(at: offset)) == nil {
            return JSONParseError(offset: offset, reason: "invalid UTF-8")
        }
        return JSONParseError(offset: offset, reason: "unexpected character")
    }
}
