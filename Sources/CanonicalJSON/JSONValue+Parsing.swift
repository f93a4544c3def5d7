extension JSONValue {
    /// Parses one JSON text strictly: RFC 8259 grammar plus the I-JSON (RFC 7493) rules that
    /// RFC 8785 relies on.
    ///
    /// The input must be exactly one value with optional space, tab, LF or CR around it. Rejected:
    /// invalid UTF-8 anywhere, unescaped control characters in strings, lone surrogates in `\u`
    /// escapes, numbers outside the grammar (`01`, `+1`, `.5`, `1.`, `NaN`) or beyond the double
    /// range, duplicate member names, and more than `maxDepth` nested arrays and objects.
    /// Numbers without fraction or exponent that fit in 64 bits become ``int(_:)``, all others
    /// ``double(_:)``.
    ///
    /// ```swift
    /// let request = try JSONValue.parse(#"{"method":"org.qcredit.query.GetGrade","parameters":{"code":"91350100M000100Y43"}}"#)
    /// request["parameters"]?["code"]?.stringValue   // "91350100M000100Y43"
    ///
    /// try JSONValue.parse(#"{"a":1,"a":2}"#)          // throws: duplicate key at byte 7
    /// ```
    ///
    /// - Parameters:
    ///   - bytes: The UTF-8 encoded JSON text.
    ///   - maxDepth: How many arrays and objects may be nested; one more is an error. The parser
    ///     does not recurse, so any limit is safe for the stack.
    /// - Throws: ``JSONParseError`` with the byte offset of the first problem.
    public static func parse(_ bytes: UnsafeRawBufferPointer, maxDepth: Int = 64) throws(JSONParseError) -> JSONValue {
        let result = bytes.withMemoryRebound(to: UInt8.self) { typed in
            parseResult(typed, maxDepth: maxDepth)
        }
        return try result.get()
    }

    /// Parses one JSON text strictly from any byte collection (`[UInt8]`, `ArraySlice<UInt8>`,
    /// `Data`, …); see the `UnsafeRawBufferPointer` overload.
    ///
    /// Contiguous collections are parsed in place; others are copied into an array first.
    public static func parse(_ bytes: some Collection<UInt8>, maxDepth: Int = 64) throws(JSONParseError) -> JSONValue {
        let result =
            bytes.withContiguousStorageIfAvailable { parseResult($0, maxDepth: maxDepth) }
            ?? Array(bytes).withUnsafeBufferPointer { parseResult($0, maxDepth: maxDepth) }
        return try result.get()
    }

    /// Parses one JSON text strictly from a string's UTF-8; see
    /// the `UnsafeRawBufferPointer` overload.
    ///
    /// ```swift
    /// let value = try JSONValue.parse("[1, 2.5, \"three\"]")   // [.int(1), .double(2.5), .string("three")]
    /// ```
    public static func parse(_ text: String, maxDepth: Int = 64) throws(JSONParseError) -> JSONValue {
        var text = text
        let result = text.withUTF8 { parseResult($0, maxDepth: maxDepth) }
        return try result.get()
    }

    private static func parseResult(_ bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int) -> Result<JSONValue, JSONParseError> {
        var parser = JSONParser(bytes: bytes, maxDepth: maxDepth)
        do {
            return .success(try parser.parseDocument())
        } catch {
            return .failure(error)
        }
    }
}
