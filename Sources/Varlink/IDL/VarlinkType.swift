/// A type in an interface definition.
///
/// `?T` is ``optional(_:)``, `[]T` ``array(_:)``, `[string]T` ``dictionary(_:)``; inline
/// `(a: int, b: string)` is ``structure(_:)`` and `(one, two)` ``enumeration(_:)``;
/// `MyType` is ``named(_:)`` and refers to a `type` declaration of the same interface.
public indirect enum VarlinkType: Sendable, Hashable, CustomStringConvertible {
    case bool
    case int
    case float
    case string
    /// Any JSON object ("foreign object"); its members are not checked.
    case object
    case named(String)
    case optional(VarlinkType)
    case array(VarlinkType)
    case dictionary(VarlinkType)
    case structure([VarlinkField])
    case enumeration([String])

    /// The type as the interface definition language writes it.
    public var description: String {
        switch self {
        case .bool: return "bool"
        case .int: return "int"
        case .float: return "float"
        case .string: return "string"
        case .object: return "object"
        case .named(let name): return name
        case .optional(let wrapped): return "?" + wrapped.description
        case .array(let element): return "[]" + element.description
        case .dictionary(let value): return "[string]" + value.description
        case .structure(let fields): return "(" + fields.map(\.description).joined(separator: ", ") + ")"
        case .enumeration(let values): return "(" + values.joined(separator: ", ") + ")"
        }
    }
}
