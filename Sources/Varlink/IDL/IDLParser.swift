/// Recursive-descent parser for the varlink interface definition language.
///
/// Grammar (https://varlink.org/Interface-Definition), whitespace and `#` comments allowed
/// between any two tokens:
///
///     interface := "interface" interface-name member+
///     member    := "type" Name struct-or-enum
///                | "method" Name struct "->" struct
///                | "error" Name struct
///     type      := "?" nonnull | nonnull
///     nonnull   := "[]" type | "[string]" type | "bool" | "int" | "float" | "string"
///                | "object" | Name | struct-or-enum
///     struct    := "(" [ field ":" type { "," field ":" type } ] ")"
///     enum      := "(" field { "," field } ")"
struct IDLParser {
    struct Result {
        var name: String
        var documentation: String
        var types: [VarlinkTypeDefinition] = []
        var methods: [VarlinkMethodDefinition] = []
        var errors: [VarlinkErrorDefinition] = []
    }

    private let tokens: [IDLToken]
    private var position = 0
    /// Named-type references, checked once every `type` declaration is known.
    private var references: [(name: String, token: IDLToken)] = []

    private init(tokens: [IDLToken]) {
        self.tokens = tokens
    }

    static func parse(_ text: String) throws(VarlinkSyntaxError) -> Result {
        var parser = IDLParser(tokens: try IDLLexer.tokenize(text))
        return try parser.parseInterface()
    }

    // MARK: Declarations

    private mutating func parseInterface() throws(VarlinkSyntaxError) -> Result {
        let keyword = current
        guard keyword.kind == .word("interface") else { throw error(at: keyword, "expected 'interface'") }
        advance()
        let nameToken = current
        guard case .word(let name) = nameToken.kind else { throw error(at: nameToken, "expected an interface name") }
        guard Self.isInterfaceName(name) else {
            throw error(at: nameToken, "'\(name)' is not a valid interface name (lower-case reverse-domain name)")
        }
        advance()
        var result = Result(name: name, documentation: keyword.documentation)
        var memberNames: Set<String> = []

        while current.kind != .end {
            let keyword = current
            guard case .word(let word) = keyword.kind, ["type", "method", "error"].contains(word) else {
                throw error(at: keyword, "expected 'type', 'method' or 'error', found '\(keyword.text)'")
            }
            advance()
            let nameToken = current
            let memberName = try parseMemberName()
            guard memberNames.insert(memberName).inserted else {
                throw error(at: nameToken, "'\(memberName)' is declared twice")
            }
            switch word {
            case "type":
                let type = try parseStructOrEnum()
                result.types.append(
                    VarlinkTypeDefinition(name: memberName, type: type, documentation: keyword.documentation))
            case "method":
                let input = try parseStruct(what: "method input")
                guard current.kind == .arrow else { throw error(at: current, "expected '->'") }
                advance()
                let output = try parseStruct(what: "method output")
                result.methods.append(
                    VarlinkMethodDefinition(
                        name: memberName, input: input, output: output, documentation: keyword.documentation))
            default:
                let parameters = try parseStruct(what: "error parameters")
                result.errors.append(
                    VarlinkErrorDefinition(name: memberName, parameters: parameters, documentation: keyword.documentation))
            }
        }
        guard !memberNames.isEmpty else { throw error(at: current, "an interface needs at least one member") }

        let typeNames = Set(result.types.map(\.name))
        for reference in references where !typeNames.contains(reference.name) {
            throw error(at: reference.token, "unknown type '\(reference.name)'")
        }
        return result
    }

    private mutating func parseMemberName() throws(VarlinkSyntaxError) -> String {
        let token = current
        guard case .word(let name) = token.kind, Self.isMemberName(name) else {
            throw error(at: token, "'\(token.text)' is not a valid name (an upper-case letter, then letters and digits)")
        }
        advance()
        return name
    }

    // MARK: Types

    private mutating func parseType() throws(VarlinkSyntaxError) -> VarlinkType {
        if current.kind == .symbol("?") {
            advance()
            if current.kind == .symbol("?") { throw error(at: current, "'??' is not a type") }
            return .optional(try parseNonOptionalType())
        }
        return try parseNonOptionalType()
    }

    private mutating func parseNonOptionalType() throws(VarlinkSyntaxError) -> VarlinkType {
        let token = current
        switch token.kind {
        case .symbol("["):
            advance()
            if current.kind == .symbol("]") {
                advance()
                return .array(try parseType())
            }
            guard current.kind == .word("string") else { throw error(at: current, "expected ']' or 'string]'") }
            advance()
            guard current.kind == .symbol("]") else { throw error(at: current, "expected ']'") }
            advance()
            return .dictionary(try parseType())
        case .symbol("("):
            return try parseStructOrEnum()
        case .word(let word):
            advance()
            switch word {
            case "bool": return .bool
            case "int": return .int
            case "float": return .float
            case "string": return .string
            case "object": return .object
            default:
                guard Self.isMemberName(word) else { throw error(at: token, "'\(word)' is not a type") }
                references.append((word, token))
                return .named(word)
            }
        default:
            throw error(at: token, "expected a type, found '\(token.text)'")
        }
    }

    /// `(` … `)`: a struct when the first entry has a `:`, an enum otherwise; `()` is an empty struct.
    private mutating func parseStructOrEnum() throws(VarlinkSyntaxError) -> VarlinkType {
        guard current.kind == .symbol("(") else { throw error(at: current, "expected '('") }
        advance()
        if current.kind == .symbol(")") {
            advance()
            return .structure([])
        }
        let firstToken = current
        let first = try parseFieldName()
        if current.kind == .symbol(":") {
            return .structure(try parseFields(startingWith: first, at: firstToken))
        }
        var values = [first]
        while current.kind == .symbol(",") {
            advance()
            let token = current
            let value = try parseFieldName()
            if current.kind == .symbol(":") { throw error(at: current, "an enum has no ':' (mixed struct and enum)") }
            guard !values.contains(value) else { throw error(at: token, "enum value '\(value)' is listed twice") }
            values.append(value)
        }
        guard current.kind == .symbol(")") else { throw error(at: current, "expected ',' or ')'") }
        advance()
        return .enumeration(values)
    }

    private mutating func parseStruct(what: String) throws(VarlinkSyntaxError) -> [VarlinkField] {
        let token = current
        guard case .structure(let fields) = try parseStructOrEnum() else {
            throw error(at: token, "\(what) must be a struct, not an enum")
        }
        return fields
    }

    /// The rest of a struct after its first field name; the current token is the `:`.
    private mutating func parseFields(startingWith first: String, at firstToken: IDLToken) throws(VarlinkSyntaxError)
        -> [VarlinkField]
    {
        var fields: [VarlinkField] = []
        var name = first
        var nameToken = firstToken
        while true {
            guard current.kind == .symbol(":") else { throw error(at: current, "expected ':' after '\(name)'") }
            advance()
            guard !fields.contains(where: { $0.name == name }) else {
                throw error(at: nameToken, "field '\(name)' is declared twice")
            }
            fields.append(VarlinkField(name: name, type: try parseType()))
            if current.kind == .symbol(")") {
                advance()
                return fields
            }
            guard current.kind == .symbol(",") else { throw error(at: current, "expected ',' or ')'") }
            advance()
            nameToken = current
            name = try parseFieldName()
        }
    }

    private mutating func parseFieldName() throws(VarlinkSyntaxError) -> String {
        let token = current
        guard case .word(let name) = token.kind else {
            throw error(at: token, "expected a field name, found '\(token.text)'")
        }
        guard Self.isFieldName(name) else { throw error(at: token, "'\(name)' is not a valid field name") }
        advance()
        return name
    }

    // MARK: Helpers

    private var current: IDLToken { tokens[position] }

    private mutating func advance() {
        if position < tokens.count - 1 { position += 1 }
    }

    private func error(at token: IDLToken, _ message: String) -> VarlinkSyntaxError {
        VarlinkSyntaxError(line: token.line, column: token.column, message: message)
    }

    /// `[A-Z][A-Za-z0-9]*`
    static func isMemberName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard let first = bytes.first, isUpper(first) else { return false }
        return bytes.allSatisfy { isUpper($0) || isLower($0) || isDigit($0) }
    }

    /// `[A-Za-z]([_]?[A-Za-z0-9])*`
    static func isFieldName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard let first = bytes.first, isUpper(first) || isLower(first), bytes.last != UInt8(ascii: "_") else {
            return false
        }
        var previousUnderscore = false
        for byte in bytes {
            if byte == UInt8(ascii: "_") {
                if previousUnderscore { return false }
                previousUnderscore = true
            } else if isUpper(byte) || isLower(byte) || isDigit(byte) {
                previousUnderscore = false
            } else {
                return false
            }
        }
        return true
    }

    /// `[a-z]([-]*[a-z0-9])*([.][a-z0-9]([-]*[a-z0-9])*)+`: at least two dot-separated
    /// labels of lower-case letters, digits and inner hyphens; the first starts with a letter.
    static func isInterfaceName(_ name: String) -> Bool {
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, let first = labels[0].utf8.first, isLower(first) else { return false }
        return labels.allSatisfy { label in
            let bytes = Array(label.utf8)
            guard let head = bytes.first, let tail = bytes.last, head != UInt8(ascii: "-"), tail != UInt8(ascii: "-")
            else { return false }
            return bytes.allSatisfy { isLower($0) || isDigit($0) || $0 == UInt8(ascii: "-") }
        }
    }

    private static func isUpper(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") }
    private static func isLower(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") }
    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
}
