/// A named member of a struct, a method's input or output, or an error's parameters.
public struct VarlinkField: Sendable, Hashable, CustomStringConvertible {
    public var name: String
    public var type: VarlinkType

    public init(name: String, type: VarlinkType) {
        self.name = name
        self.type = type
    }

    /// True when the field may be absent or `null` (its type is `?T`).
    public var isOptional: Bool {
        if case .optional = type { return true }
        return false
    }

    public var description: String { "\(name): \(type)" }
}
