/// An `error Name (parameters)` declaration.
public struct VarlinkErrorDefinition: Sendable, Hashable {
    public var name: String
    public var parameters: [VarlinkField]
    public var documentation: String

    public init(name: String, parameters: [VarlinkField], documentation: String = "") {
        self.name = name
        self.parameters = parameters
        self.documentation = documentation
    }
}
