import CanonicalJSON

/// The strict JSON parser and the RFC 8785 writer.
///
/// Checked: a refusal points inside the input; an accepted value's compact text parses back to
/// the same value (numbers by value, strings by bytes) and prints the same text again; where the
/// value is in RFC 8785's data model, its canonical bytes are that text.
enum JSONTarget {
    static let target = FuzzTarget(
        name: "json", summary: "JSON parser, then writer round trip and RFC 8785 canonical form", body: run)

    static func run(_ input: UnsafeRawBufferPointer) throws(InvariantViolation) {
        let value: JSONValue
        do {
            value = try JSONValue.parse(input)
        } catch {
            try require((0...input.count).contains(error.offset), "error offset \(error.offset) outside \(input.count) bytes")
            return
        }
        let text = value.encoded()
        let reparsed: JSONValue
        do {
            reparsed = try JSONValue.parse(text)
        } catch {
            throw InvariantViolation("the writer's text does not parse: \(error); text \(String(decoding: text, as: UTF8.self))")
        }
        try require(reparsed.isSameJSON(as: value), "the value changed through its text \(String(decoding: text, as: UTF8.self))")
        try require(reparsed.encoded() == text, "the text is not stable: \(String(decoding: text, as: UTF8.self))")
        // The message text keeps a fraction on a whole double of 2^53 or more, which RFC 8785
        // writes as bare digits (a reader would take them for the exact integer): only there may
        // the two differ.
        if let canonical = try? value.canonicalBytes(), !JSONValue.holdsWholeDoubleBeyondExactIntegers(value) {
            try require(canonical == text, "canonical bytes differ from the compact text")
        }
    }
}

extension JSONValue {
    /// Equality as JSON text carries it: numbers as the doubles they denote (the writer prints
    /// `1.0` as `1`, which reads back as an integer; `-0.0` as `0`), strings and member names by
    /// their bytes.
    func isSameJSON(as other: JSONValue) -> Bool {
        switch (self, other) {
        case (.null, .null): return true
        case (.bool(let left), .bool(let right)): return left == right
        case (.string(let left), .string(let right)): return left.hasSameUTF8(as: right)
        case (.array(let left), .array(let right)):
            return left.count == right.count && zip(left, right).allSatisfy { $0.isSameJSON(as: $1) }
        case (.object(let left), .object(let right)):
            guard left.count == right.count else { return false }
            return left.allSatisfy { key, value in
                guard let index = right.index(forKey: key), right[index].key.hasSameUTF8(as: key) else { return false }
                return value.isSameJSON(as: right[index].value)
            }
        case (.int(let left), .int(let right)): return left == right
        case (.double(let left), .double(let right)): return left == right
        case (.int(let integer), .double(let double)), (.double(let double), .int(let integer)):
            // RFC 8785 numbers are IEEE doubles: a double of 2^53 or more may be written as an
            // integer literal that denotes it without being it exactly (9009935477580922368 is
            // written 9009935477580922000, which reads back as that integer).
            return Double(integer) == double
        default: return false
        }
    }

    /// Whether a whole double of 2^53 or more (below 1e21, where ECMAScript turns to exponents)
    /// is anywhere in `value`: its message text then keeps a fraction its RFC 8785 text has not.
    static func holdsWholeDoubleBeyondExactIntegers(_ value: JSONValue) -> Bool {
        switch value {
        case .double(let number): return abs(number) >= 0x1p53 && abs(number) < 1e21 && number == number.rounded()
        case .array(let elements): return elements.contains(where: holdsWholeDoubleBeyondExactIntegers)
        case .object(let members): return members.values.contains(where: holdsWholeDoubleBeyondExactIntegers)
        default: return false
        }
    }
}
