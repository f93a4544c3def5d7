/// A parsed interface definition (the text of a `.varlink` file).
///
/// The original text is kept verbatim in ``text``: `GetInterfaceDescription` returns it.
///
/// ```swift
/// let interface = try VarlinkInterface(parsing: """
///     # Answers pings.
///     interface org.example.ping
///
///     method Ping(text: ?string) -> (text: string)
///     error Busy (retry_after: int)
///     """)
/// interface.name                      // "org.example.ping"
/// interface.method(named: "Ping")?.output.first?.name  // "text"
/// try interface.validateInput(method: "Ping", parameters: ["text": 1])  // throws InvalidParameter("text")
/// ```
public struct VarlinkInterface: Sendable {
    /// The reverse-domain interface name, e.g. `org.example.ping`.
    public let name: String
    /// The definition exactly as given.
    public let text: String
    /// The comment block above the `interface` keyword, `#` removed.
    public let documentation: String
    /// Declarations in the order they appear.
    public let types: [VarlinkTypeDefinition]
    public let methods: [VarlinkMethodDefinition]
    public let errors: [VarlinkErrorDefinition]

    /// Internal for the type checker, which holds this table, not a copy of the whole interface.
    let typesByName: [String: VarlinkTypeDefinition]
    private let methodsByName: [String: VarlinkMethodDefinition]
    private let errorsByName: [String: VarlinkErrorDefinition]

    /// Parses `text`; throws with the line and column of the first problem.
    public init(parsing text: String) throws(VarlinkSyntaxError) {
        let parsed = try IDLParser.parse(text)
        self.name = parsed.name
        self.text = text
        self.documentation = parsed.documentation
        self.types = parsed.types
        self.methods = parsed.methods
        self.errors = parsed.errors
        self.typesByName = Dictionary(uniqueKeysWithValues: parsed.types.map { ($0.name, $0) })
        self.methodsByName = Dictionary(uniqueKeysWithValues: parsed.methods.map { ($0.name, $0) })
        self.errorsByName = Dictionary(uniqueKeysWithValues: parsed.errors.map { ($0.name, $0) })
    }

    /// The method called `name` (short, `"Ping"`, or fully qualified, `"org.example.ping.Ping"`).
    public func method(named name: String) -> VarlinkMethodDefinition? {
        shortName(name).flatMap { methodsByName[$0] }
    }

    /// The error called `name` (short or fully qualified).
    public func error(named name: String) -> VarlinkErrorDefinition? {
        shortName(name).flatMap { errorsByName[$0] }
    }

    /// The `type` declaration called `name`.
    public func type(named name: String) -> VarlinkTypeDefinition? {
        typesByName[name]
    }

    /// `name` without this interface's prefix; nil when it is qualified with another interface.
    private func shortName(_ name: String) -> String? {
        guard let dot = name.utf8.lastIndex(of: UInt8(ascii: ".")) else { return name }
        guard name[..<dot] == self.name else { return nil }
        return String(name[name.utf8.index(after: dot)...])
    }
}
