import CanonicalJSON

/// One method call as it arrives on (or leaves for) the wire.
///
/// ```swift
/// let call = VarlinkCall(method: "org.example.ping.Ping", parameters: ["text": "hello"])
/// call.interfaceName  // "org.example.ping"
/// call.methodName     // "Ping"
/// ```
public struct VarlinkCall: Sendable, Hashable {
    /// The fully qualified method name, `interface.Method`.
    public var method: String
    /// The input parameters; an absent or `null` `parameters` member decodes as empty.
    public var parameters: [String: JSONValue]
    /// The client accepts several replies (`continues: true` … final reply).
    public var more: Bool
    /// The client wants no reply at all.
    public var oneway: Bool
    /// The client asks to take the connection over after the reply. Passed through to the
    /// handler untouched; the generic server implements no protocol upgrade.
    public var upgrade: Bool

    public init(
        method: String,
        parameters: [String: JSONValue] = [:],
        more: Bool = false,
        oneway: Bool = false,
        upgrade: Bool = false
    ) {
        self.method = method
        self.parameters = parameters
        self.more = more
        self.oneway = oneway
        self.upgrade = upgrade
    }

    /// Everything before the last dot (`"org.example.ping"`), or `""` when there is no dot.
    public var interfaceName: String {
        // Bytes, not Characters: a dot is ASCII, and this runs for every call.
        guard let dot = method.utf8.lastIndex(of: UInt8(ascii: ".")) else { return "" }
        return String(method[..<dot])
    }

    /// Everything after the last dot (`"Ping"`), or the whole name when there is no dot.
    public var methodName: String {
        guard let dot = method.utf8.lastIndex(of: UInt8(ascii: ".")) else { return method }
        return String(method[method.utf8.index(after: dot)...])
    }

    /// Whether `method` is a fully qualified method name as the varlink grammar has it: an
    /// interface name (`org.example.ping`) and a member name (`Ping`) after its last dot.
    public var isQualified: Bool {
        IDLParser.isInterfaceName(interfaceName) && IDLParser.isMemberName(methodName)
    }
}
