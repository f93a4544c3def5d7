import TOMLKit

/// A TOML table read with its dotted path, so every error names the setting at fault
/// (`lists.serious-dishonesty.term: 'P3X' is not an ISO 8601 period`), and unknown keys are
/// refused rather than silently ignored (a misspelt setting is a bug, not a default).
struct TOMLSection {
    let table: TOMLTable
    let path: String

    init(_ table: TOMLTable, path: String = "") {
        self.table = table
        self.path = path
    }

    func name(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    var keys: [String] { table.keys }

    func rejectUnknownKeys(allowed: Set<String>) throws(ConfigurationError) {
        for key in table.keys.sorted() where !allowed.contains(key) {
            throw ConfigurationError("\(name(key)): unknown setting (known: \(allowed.sorted().joined(separator: ", ")))")
        }
    }

    func optionalString(_ key: String) throws(ConfigurationError) -> String? {
        guard let value = table[key] else { return nil }
        guard let string = value.string else { throw mistyped(key, value, "a string") }
        return string
    }

    func string(_ key: String) throws(ConfigurationError) -> String {
        guard let string = try optionalString(key) else { throw ConfigurationError("\(name(key)): missing") }
        return string
    }

    func optionalInt(_ key: String) throws(ConfigurationError) -> Int? {
        guard let value = table[key] else { return nil }
        guard let int = value.int else { throw mistyped(key, value, "an integer") }
        // A policy is published as canonical JSON, whose integers stop at ±(2^53−1); no setting
        // needs more, so a larger one is a mistake named here, not a failure after start.
        guard int.magnitude <= 9_007_199_254_740_991 else {
            throw ConfigurationError("\(name(key)): \(int) is beyond ±(2^53−1) = ±9007199254740991")
        }
        return int
    }

    func int(_ key: String) throws(ConfigurationError) -> Int {
        guard let int = try optionalInt(key) else { throw ConfigurationError("\(name(key)): missing") }
        return int
    }

    func optionalBool(_ key: String) throws(ConfigurationError) -> Bool? {
        guard let value = table[key] else { return nil }
        guard let bool = value.bool else { throw mistyped(key, value, "true or false") }
        return bool
    }

    func optionalStrings(_ key: String) throws(ConfigurationError) -> [String]? {
        guard let value = table[key] else { return nil }
        guard let array = value.array else { throw mistyped(key, value, "an array of strings") }
        var strings: [String] = []
        for element in array {
            guard let string = element.string else { throw mistyped(key, element, "an array of strings") }
            strings.append(string)
        }
        return strings
    }

    func optionalSection(_ key: String) throws(ConfigurationError) -> TOMLSection? {
        guard let value = table[key] else { return nil }
        guard let table = value.table else { throw mistyped(key, value, "a table") }
        return TOMLSection(table, path: name(key))
    }

    func sections(_ key: String) throws(ConfigurationError) -> [TOMLSection] {
        guard let value = table[key] else { return [] }
        guard let array = value.array else { throw mistyped(key, value, "an array of tables ([[\(key)]])") }
        var sections: [TOMLSection] = []
        for (index, element) in array.enumerated() {
            guard let table = element.table else { throw mistyped(key, element, "an array of tables ([[\(key)]])") }
            sections.append(TOMLSection(table, path: "\(name(key))[\(index)]"))
        }
        return sections
    }

    private func mistyped(_ key: String, _ value: TOMLValueConvertible, _ expected: String) -> ConfigurationError {
        let found: String
        switch value.type {
        case .int: found = "an integer"
        case .double: found = "a number"
        case .bool: found = "a boolean"
        case .array: found = "an array"
        case .table: found = "a table"
        case .string: found = "a string"
        default: found = "a \(value.type.rawValue)"
        }
        return ConfigurationError("\(name(key)): expected \(expected), found \(found)")
    }

    /// Parses TOML text, naming the file, line and column of a syntax error.
    static func parse(_ text: String, file: String) throws(ConfigurationError) -> TOMLSection {
        // TOMLKit hands toml++ a C string, which ends at the first NUL: the rest would be
        // ignored without a word. TOML allows no NUL anywhere.
        if let nul = text.utf8.firstIndex(of: 0) {
            let before = text.utf8[..<nul]
            let line = before.count(where: { $0 == UInt8(ascii: "\n") }) + 1
            let lineStart = before.lastIndex(of: UInt8(ascii: "\n")).map { text.utf8.index(after: $0) } ?? text.startIndex
            throw ConfigurationError("\(file):\(line):\(text[lineStart..<nul].count + 1): a NUL character")
        }
        if let finding = TOMLAbortCheck.firstFinding(in: text) {
            throw ConfigurationError("\(file):\(finding.line):\(finding.column): \(finding.reason)")
        }
        do {
            return TOMLSection(try TOMLTable(string: text))
        } catch let error as TOMLParseError {
            throw ConfigurationError(
                "\(file):\(error.source.begin.line):\(error.source.begin.column): \(error.description)")
        } catch {
            throw ConfigurationError("\(file): \(error)")
        }
    }
}

/// A config or policy file that cannot be used, with the file and setting at fault.
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
