/// Why a byte sequence is not acceptable JSON, and where the parser noticed.
///
/// `offset` is a byte offset into the input (0-based). For input that ends too early it is the
/// input's length; for a bad token it is the token's first byte (the `0` of a leading zero, the
/// `\` of a bad escape, the lead byte of an invalid UTF-8 sequence, the `"` of a duplicate key,
/// the bracket that nests too deep).
///
/// ```swift
/// do { _ = try JSONValue.parse("[1,]") } catch {
///     print(error)   // unexpected character at byte 3
/// }
/// ```
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Byte offset where the problem was found.
    public var offset: Int
    /// What is wrong, in lower-case prose, e.g. "unterminated string", "invalid UTF-8",
    /// "nesting deeper than 64".
    public var reason: String

    public init(offset: Int, reason: String) {
        self.offset = offset
        self.reason = reason
    }

    public var description: String { "\(reason) at byte \(offset)" }
}

/// Why a value has no RFC 8785 canonical form: a non-finite double, or an integer that an IEEE
/// double cannot hold exactly.
public struct CanonicalJSONError: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String

    public init(reason: String) { self.reason = reason }

    public var description: String { reason }
}
