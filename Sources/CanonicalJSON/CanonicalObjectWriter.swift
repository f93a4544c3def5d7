/// Writes one JSON object's RFC 8785 bytes member by member, straight into a byte buffer: for
/// records made often enough that building a ``JSONValue`` dictionary for each, then sorting its
/// keys, is the cost (publishing a million grades).
///
/// The caller names the members in RFC 8785 order (by UTF-16 code units; for ASCII names, byte
/// order), and each name must need no escaping. Debug builds check both; a test that compares
/// the result with ``JSONValue/canonicalBytes()`` of the same value is what proves a writer.
///
/// ```swift
/// var bytes: [UInt8] = []
/// var object = CanonicalObjectWriter(into: &bytes)
/// try object.member("a", integer: 1, into: &bytes)
/// object.member("b", string: "x", into: &bytes)
/// object.member("c", into: &bytes)
/// bytes.append(contentsOf: Array("[]".utf8))   // a value written by the caller
/// object.end(into: &bytes)
/// // {"a":1,"b":"x","c":[]}
/// ```
public struct CanonicalObjectWriter {
    private var wroteMember = false
    #if DEBUG
        private var lastName: String?
    #endif

    /// Opens the object (`{`).
    public init(into output: inout [UInt8]) {
        output.append(UInt8(ascii: "{"))
    }

    /// Starts the next member: its separator, its name and the colon. The value follows.
    public mutating func member(_ name: StaticString, into output: inout [UInt8]) {
        #if DEBUG
            let text = name.description
            assert(!text.utf8.contains { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") })
            if let lastName { assert(RFC8785KeyOrder.precedes(lastName, text), "\(lastName) must come after \(text)") }
            lastName = text
        #endif
        if wroteMember { output.append(UInt8(ascii: ",")) }
        wroteMember = true
        output.append(UInt8(ascii: "\""))
        output.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        // Byte by byte: an array literal here cost twice as much, once for every member written.
        output.append(UInt8(ascii: "\""))
        output.append(UInt8(ascii: ":"))
    }

    /// A member whose value is a string literal (or `null` for nil).
    public mutating func member(_ name: StaticString, string value: String?, into output: inout [UInt8]) {
        member(name, into: &output)
        Self.appendString(value, to: &output)
    }

    /// A member whose value is an integer; see ``appendInteger(_:to:)``.
    public mutating func member(_ name: StaticString, integer value: Int64, into output: inout [UInt8])
        throws(CanonicalJSONError)
    {
        member(name, into: &output)
        try Self.appendInteger(value, to: &output)
    }

    /// A member whose value is an integer or, for nil, `null`.
    public mutating func member(_ name: StaticString, integer value: Int64?, into output: inout [UInt8])
        throws(CanonicalJSONError)
    {
        member(name, into: &output)
        if let value { try Self.appendInteger(value, to: &output) } else { output.append(contentsOf: "null".utf8) }
    }

    /// A member whose value is an array of strings.
    public mutating func member(_ name: StaticString, strings values: [String], into output: inout [UInt8]) {
        member(name, into: &output)
        output.append(UInt8(ascii: "["))
        for (offset, value) in values.enumerated() {
            if offset > 0 { output.append(UInt8(ascii: ",")) }
            Self.appendString(value, to: &output)
        }
        output.append(UInt8(ascii: "]"))
    }

    /// Closes the object (`}`).
    public func end(into output: inout [UInt8]) {
        output.append(UInt8(ascii: "}"))
    }

    /// Appends a string literal as RFC 8785 writes it.
    public static func appendString(_ string: String, to output: inout [UInt8]) {
        JSONStringWriting.append(string, to: &output)
    }

    /// Appends `string` as a literal, or `null` for nil.
    public static func appendString(_ string: String?, to output: inout [UInt8]) {
        if let string { appendString(string, to: &output) } else { output.append(contentsOf: "null".utf8) }
    }

    /// Appends an integer as RFC 8785 writes it.
    ///
    /// - Throws: ``CanonicalJSONError`` outside ±(2^53−1), as ``JSONValue/canonicalBytes()`` does.
    public static func appendInteger(_ value: Int64, to output: inout [UInt8]) throws(CanonicalJSONError) {
        try StrictNumbers.writeInt(value, into: &output)
    }
}
