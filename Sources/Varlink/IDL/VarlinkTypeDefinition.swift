/// A `type Name (...)` declaration: a named struct or enum.
public struct VarlinkTypeDefinition: Sendable, Hashable {
    public var name: String
    /// Always a ``VarlinkType/structure(_:)`` or ``VarlinkType/enumeration(_:)``.
    public var type: VarlinkType
    /// The comment lines directly above the declaration, without their `#`.
    public var documentation: String

    public init(name: String, type: VarlinkType, documentation: String = "") {
        self.name = name
        self.type = type
        self.documentation = documentation
    }
}
