import CanonicalJSON
import QCreditDomain

/// What an import brings: files (`enterprises`) or quality events, with the columns each
/// takes and the batch method that applies them.
enum ImportKind: String, Sendable {
    case enterprises, events

    /// A column: its name in the interface (NewEnterprise, NewEvent), other headers the README
    /// names for it, headers read for it only when none of those is there (a registry's export
    /// may hold `统一社会信用代码` and `组织机构代码` side by side: the second is then just another
    /// column), whether it must be present, and whether its value is ASCII text that may come in
    /// full-width forms (codes, dates, enumerations).
    struct Column: Sendable {
        var name: String
        var aliases: [String] = []
        var fallbacks: [String] = []
        var required = true
        var asciiValued = false
        /// One of the registry's enumerations (all lower case): read in any case, as a
        /// spreadsheet's `High` or `PENALTY` means the same.
        var enumerated = false

        /// The headers that name it for sure: two of them in one file are refused.
        var names: [String] { [name] + aliases }
    }

    var columns: [Column] {
        switch self {
        case .enterprises:
            [
                Column(
                    name: "code", aliases: ["uscc", "统一社会信用代码"], fallbacks: ["信用代码", "组织机构代码", "代码"], asciiValued: true),
                Column(name: "name", aliases: ["企业名称"], fallbacks: ["名称", "单位名称"]),
                Column(name: "divisionCode", fallbacks: ["division", "行政区划代码"], required: false, asciiValued: true),
                Column(name: "entityType", fallbacks: ["企业类型"], required: false),
                Column(name: "admitWrongCheckCharacter", required: false, asciiValued: true),
            ]
        case .events:
            [
                Column(
                    name: "code", aliases: ["uscc", "统一社会信用代码"], fallbacks: ["信用代码", "组织机构代码", "代码"], asciiValued: true),
                Column(name: "dimension", fallbacks: ["维度"], asciiValued: true, enumerated: true),
                Column(name: "kind", fallbacks: ["类型"], asciiValued: true, enumerated: true),
                Column(name: "severity", fallbacks: ["程度"], asciiValued: true, enumerated: true),
                Column(name: "occurredOn", fallbacks: ["date", "日期"], asciiValued: true),
                Column(name: "authority", fallbacks: ["机关"]),
                Column(name: "documentNumber", fallbacks: ["document", "文号"]),
                Column(name: "legalBasis", fallbacks: ["依据"], required: false),
                Column(name: "summary", fallbacks: ["摘要"]),
                Column(name: "evidenceUrl", required: false, asciiValued: true),
            ]
        }
    }

    var method: String {
        switch self {
        case .enterprises: "org.qcredit.admin.RegisterEnterprises"
        case .events: "org.qcredit.admin.ImportEvents"
        }
    }

    /// The batch parameter the rows go in.
    var parameter: String { rawValue }

    /// Headers compare without case, spaces (the ideographic space U+3000 of a Chinese form's
    /// `名　　称` included), hyphens, underscores and full-width forms: `occurred_on`,
    /// `Occurred On`, `occurredOn` and `Ｃｏｄｅ` are one column.
    static func key(_ header: String) -> String {
        String(
            NameMatch.halfWidth(header).lowercased().unicodeScalars
                .filter { !$0.properties.isWhitespace && $0 != "_" && $0 != "-" }.map(Character.init))
    }

    /// Two headers (or JSON members) that name one column of this import, if any — the same
    /// header spelt twice, or two of a column's names (`code` and `uscc`): which of them would
    /// be read is anyone's guess, so that is refused. Fallback headers and other names (a
    /// spreadsheet's empty trailing columns) may repeat.
    func repeatedColumn(in headers: [String]) -> (earlier: String, later: String)? {
        var headerOfColumn: [String: String] = [:]
        for header in headers {
            let key = Self.key(header)
            guard let column = columns.first(where: { $0.names.map(Self.key).contains(key) }) else { continue }
            if let earlier = headerOfColumn[column.name] { return (earlier, header) }
            headerOfColumn[column.name] = header
        }
        return nil
    }

    /// Which header names each column, checked: a column named twice, or a required column
    /// missing, is a usage error.
    func columnHeaders(in headers: [String], file: String) throws(Failure) -> [String: String] {
        if let (earlier, later) = repeatedColumn(in: headers) {
            throw .badInput("\(file) names one column twice in its header: \(earlier) and \(later)")
        }
        let found = columnHeaders(ofMembers: headers)
        if let missing = columns.first(where: { $0.required && found[$0.name] == nil }) {
            throw .badInput("\(file) has no column \(missing.name) (columns: \(headers.joined(separator: ", ")))")
        }
        return found
    }

    /// Which of `headers` (a CSV header's, or a JSON Lines object's members) names each column
    /// it has.
    func columnHeaders(ofMembers headers: [String]) -> [String: String] {
        var byKey: [String: String] = [:]
        for header in headers where byKey[Self.key(header)] == nil { byKey[Self.key(header)] = header }
        var found: [String: String] = [:]
        for column in columns {
            if let header = (column.names + column.fallbacks).lazy.compactMap({ byKey[Self.key($0)] }).first {
                found[column.name] = header
            }
        }
        return found
    }

    /// The column of the row's code (every kind has one).
    var codeColumn: Column? { columns.first { $0.name == "code" } }

    /// A row whose code column is empty, from a file that also has a fallback code column (a
    /// registry's export: `统一社会信用代码,组织机构代码,…`, where a firm registered before the
    /// USCC has only its organization code): the first of those columns with a value, else "".
    static func fallbackCode(_ fields: [String: String], column: Column) -> String {
        for fallback in column.fallbacks.map(key) {
            if let given = fields.first(where: { key($0.key) == fallback && !$0.value.trimmingWhitespace().isEmpty }) {
                return given.value
            }
        }
        return ""
    }

    /// A flag's value (trimmed, ASCII), in any case: true, yes, 1 or 是; false, no, 0, 否 or
    /// empty. Nil for anything else, which is not taken for "no".
    static func flag(_ value: String) -> Bool? {
        switch value.lowercased() {
        case "true", "yes", "1", "是": true
        case "false", "no", "0", "否", "": false
        default: nil
        }
    }

    /// Why the row's `admitWrongCheckCharacter` cannot be read, if it cannot.
    func unreadableFlag(_ fields: [String: String], headers: [String: String]) -> String? {
        guard let header = headers["admitWrongCheckCharacter"], let given = fields[header],
            Self.flag(NameMatch.halfWidth(given).trimmingWhitespace()) == nil
        else { return nil }
        return "admitWrongCheckCharacter is \"\(given)\"; give true, yes, 1 or 是, or false, no, 0 or 否 (or leave it empty)"
    }

    /// A row as the batch method takes it: trimmed, full-width forms in ASCII-valued fields
    /// made ASCII, empty optional fields left out, a missing required field sent empty (so
    /// the registry refuses it with the reason it gives everyone).
    func row(_ fields: [String: String], headers: [String: String]) -> [String: JSONValue] {
        var row: [String: JSONValue] = [:]
        for column in columns {
            var value = headers[column.name].flatMap { fields[$0] } ?? ""
            if column.name == "code", value.trimmingWhitespace().isEmpty { value = Self.fallbackCode(fields, column: column) }
            if column.asciiValued { value = NameMatch.halfWidth(value) }
            value = value.trimmingWhitespace()
            if column.enumerated { value = value.lowercased() }
            if column.name == "code" { value = EnterpriseCode.normalize(value) }
            if column.name == "admitWrongCheckCharacter" {
                if Self.flag(value) == true { row[column.name] = .bool(true) }
                continue
            }
            if value.isEmpty && !column.required { continue }
            row[column.name] = .string(value)
        }
        return row
    }
}
