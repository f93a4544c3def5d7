/// A JSON value as the registry and the wire protocol see it.
///
/// Numbers keep the distinction the wire needs: a literal without fraction or exponent that fits
/// in 64 bits is an ``int``, everything else a ``double``. Objects are dictionaries: key order is
/// not significant anywhere in qcredit, and every writer sorts keys (RFC 8785 order).
///
/// ```swift
/// let value: JSONValue = ["code": "91350100M000100Y43", "more": true]
/// value["code"]?.stringValue   // "91350100M000100Y43"
/// ```
public enum JSONValue: Sendable, Hashable {
    /// 2^53 − 1, the largest integer n such that every integer in ±n is an exact double: the
    /// integers canonical JSON (RFC 8785) can hold.
    public static let largestExactInteger: Int64 = (1 << 53) - 1

    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])
}

extension JSONValue {
    /// The member named `key` when this is an object, otherwise nil.
    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The integer value; a ``double`` with an exact integral value in range also counts,
    /// because other JSON writers may print `3` as `3.0`.
    public var intValue: Int64? {
        switch self {
        case .int(let value): return value
        case .double(let value):
            // From 2^53 on a double no longer tells which integer was written (RFC 7493, I-JSON):
            // 9007199254740993.0 reads as 2^53, -9223372036854775809 as Int64.min.
            guard value.rounded(.towardZero) == value, value.magnitude < 9_007_199_254_740_992, let exact = Int64(exactly: value)
            else { return nil }
            return exact
        default: return nil
        }
    }

    public var doubleValue: Double? {
        switch self {
        case .int(let value): return Double(value)
        case .double(let value): return value
        default: return nil
        }
    }

    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    public var objectValue: [String: JSONValue]? {
        if case .object(let value) = self { return value }
        return nil
    }

    /// The JSON type's name as error messages use it: "null", "boolean", "integer",
    /// "number", "string", "array" or "object".
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .int: return "integer"
        case .double: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }
}

extension JSONValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{
    public init(nilLiteral: ()) { self = .null }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}

extension JSONValue {
    /// An optional string as JSON: the string, or null.
    public init(_ string: String?) { self = string.map(JSONValue.string) ?? .null }
    /// An optional integer as JSON: the number, or null.
    public init(_ int: Int64?) { self = int.map(JSONValue.int) ?? .null }
    public init(_ int: Int?) { self = int.map { .int(Int64($0)) } ?? .null }
}
