/// Checks on the free-text fields of decisions: they are published and kept forever, so
/// they must say something, stay a sane size (a publication record must fit in 64 KiB) and
/// carry no control characters that would garble a listing or a terminal.
public enum TextField {
    /// The trimmed value, or `invalidArgument` naming `parameter`.
    public static func required(_ value: String, _ parameter: String, maxLength: Int = 500) throws(RegistryError) -> String {
        let trimmed = value.trimmingWhitespace()
        guard !trimmed.isEmpty else { throw .invalidArgument(parameter: parameter, reason: "must not be empty") }
        return try checked(trimmed, parameter, maxLength: maxLength)
    }

    /// One line of text (a name): as ``required(_:_:maxLength:)``, and a line break is refused
    /// too — a name shown in a table, a CSV cell or a log line must not break it.
    /// The whole value is checked, its ends included: a line break or a tab at the end of a
    /// name is refused, not trimmed away unseen.
    public static func line(_ value: String, _ parameter: String, maxLength: Int = 500) throws(RegistryError) -> String {
        let text = try required(value, parameter, maxLength: maxLength)
        // U+000A, U+000D, and Unicode's own line and paragraph separators (E2 80 A8, E2 80 A9).
        if let separator = value.unicodeScalars.first(where: { $0 == "\n" || $0 == "\r" || $0 == "\u{2028}" || $0 == "\u{2029}" }) {
            throw .invalidArgument(parameter: parameter, reason: "must be one line; it contains a line break (\(separator.notation))")
        }
        try refuseControlCharacters(in: value, parameter)
        return text
    }

    /// Nil for nil or blank, else the value checked as ``line(_:_:maxLength:)``.
    public static func optionalLine(_ value: String?, _ parameter: String, maxLength: Int = 500) throws(RegistryError) -> String? {
        guard let value, !value.trimmingWhitespace().isEmpty else { return nil }
        return try line(value, parameter, maxLength: maxLength)
    }

    /// An import's id: one line of at most 200 characters, shown in summaries, messages and the
    /// audit trail as it was sent. The client checks it too, before it reads the file.
    public static func importId(_ value: String) throws(RegistryError) -> String {
        try line(value, "importId", maxLength: 200)
    }

    /// An issuing authority: one line of at most 200 characters, wherever a decision names one.
    public static func authority(_ value: String) throws(RegistryError) -> String {
        try line(value, "authority", maxLength: 200)
    }

    public static func optionalAuthority(_ value: String?) throws(RegistryError) -> String? {
        try optionalLine(value, "authority", maxLength: 200)
    }

    /// A decision's document number: one line of at most 100 characters.
    public static func documentNumber(_ value: String) throws(RegistryError) -> String {
        try line(value, "documentNumber", maxLength: 100)
    }

    public static func optionalDocumentNumber(_ value: String?) throws(RegistryError) -> String? {
        try optionalLine(value, "documentNumber", maxLength: 100)
    }

    /// Nil for nil or blank, else the trimmed, checked value.
    public static func optional(_ value: String?, _ parameter: String, maxLength: Int = 500) throws(RegistryError) -> String? {
        guard let trimmed = value?.trimmingWhitespace(), !trimmed.isEmpty else { return nil }
        return try checked(trimmed, parameter, maxLength: maxLength)
    }

    /// Lengths count Unicode code points, as SQLite's `length()` does: counted as characters
    /// (grapheme clusters), one letter with thousands of combining marks would be 1 long and
    /// could make a record too large to publish. Text of at most `maxLength` UTF-8 bytes has at
    /// most that many code points, so most text needs no count.
    /// Windows' and old Macs' line breaks (CR LF, a lone CR) are kept as one line feed: a
    /// summary pasted from a CRLF file says the same as one typed, and is published the same.
    private static func checked(_ value: String, _ parameter: String, maxLength: Int) throws(RegistryError) -> String {
        var value = value
        if value.utf8.contains(0x0D) {
            var scalars = String.UnicodeScalarView()
            var afterCR = false
            for scalar in value.unicodeScalars {
                defer { afterCR = scalar == "\r" }
                if scalar == "\n" && afterCR { continue }
                scalars.append(scalar == "\r" ? "\n" : scalar)
            }
            value = String(scalars)
        }
        if value.utf8.count > maxLength {
            let length = value.unicodeScalars.count
            guard length <= maxLength else {
                throw .invalidArgument(parameter: parameter, reason: "has \(length) characters; at most \(maxLength) are allowed")
            }
        }
        try refuseControlCharacters(in: value, parameter)
        return value
    }

    /// Refuses a control character other than a line feed (where line feeds are not allowed,
    /// the caller refuses them first), and a bidirectional embedding, override or isolate
    /// (U+202A–U+202E, U+2066–U+2069): kept for ever in published decisions, one would make a
    /// name or a reason read otherwise than it is written wherever it is shown.
    private static func refuseControlCharacters(in value: String, _ parameter: String) throws(RegistryError) {
        guard hasControlCharacter(value.utf8) else { return }
        if let bad = value.unicodeScalars.first(where: { $0.isControl && $0 != "\n" }) {
            throw .invalidArgument(
                parameter: parameter,
                reason: "contains the control character \(bad.notation)")
        }
        if let bad = value.unicodeScalars.first(where: \.isBidirectionalFormatting) {
            throw .invalidArgument(
                parameter: parameter,
                reason: "contains the bidirectional formatting character \(bad.notation), "
                    + "which changes the order in which text is shown")
        }
    }

    /// Whether UTF-8 text holds a control character other than a line feed (``Unicode/Scalar/isControl``)
    /// or a bidirectional formatting character, by its bytes: U+0000–U+001F and U+007F are single
    /// bytes, U+0080–U+009F are C2 80–C2 9F, U+202A–U+202E are E2 80 AA–AE, U+2066–U+2069 are E2 81 A6–A9.
    private static func hasControlCharacter(_ utf8: String.UTF8View) -> Bool {
        var (beforePrevious, previous): (UInt8, UInt8) = (0, 0)
        for byte in utf8 {
            if (byte < 0x20 && byte != 0x0A) || byte == 0x7F || (previous == 0xC2 && byte <= 0x9F && byte >= 0x80) { return true }
            if beforePrevious == 0xE2
                && ((previous == 0x80 && (0xAA...0xAE).contains(byte)) || (previous == 0x81 && (0xA6...0xA9).contains(byte)))
            {
                return true
            }
            (beforePrevious, previous) = (previous, byte)
        }
        return false
    }

    /// A calendar date in `YYYY-MM-DD` form.
    public static func date(_ value: String, _ parameter: String) throws(RegistryError) -> CivilDate {
        if let date = CivilDate(iso: value) { return date }
        // The right form but no such day (2026-02-30, month 13): say which part is wrong.
        let parts = value.split(separator: "-", omittingEmptySubsequences: false)
        if value.utf8.count == 10, parts.count == 3, parts.map(\.count) == [4, 2, 2],
            parts.allSatisfy({ $0.utf8.allSatisfy { (0x30...0x39).contains($0) } }),
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2])
        {
            let reason =
                !(1...12).contains(month) ? "there is no month \(month)"
                : day < 1 ? "there is no day 0"
                : "\(parts[0])-\(parts[1]) has \(CivilDate.daysInMonth(year: year, month: month)) days, not \(day)"
            throw .invalidArgument(parameter: parameter, reason: "'\(value)' is not a day of the calendar: \(reason)")
        }
        throw .invalidArgument(parameter: parameter, reason: "'\(value)' is not a date of the form YYYY-MM-DD")
    }

    /// One of an enumeration's raw values, or an error listing them.
    public static func choice<T: RawRepresentable & CaseIterable>(_ value: String, _ parameter: String, as type: T.Type = T.self)
        throws(RegistryError) -> T where T.RawValue == String
    {
        guard let choice = T(rawValue: value) else {
            let allowed = T.allCases.map(\.rawValue).joined(separator: ", ")
            throw .invalidArgument(parameter: parameter, reason: "'\(value)' is not one of: \(allowed)")
        }
        return choice
    }
}

extension Unicode.Scalar {
    /// General category Cc, by its code points: Unicode's stability policy fixes that set
    /// (U+0000–U+001F, U+007F–U+009F), and a range check costs far less than a property lookup
    /// on every character of every event a batch records.
    public var isControl: Bool { value < 0x20 || (0x7F...0x9F).contains(value) }

    /// The code point as Unicode writes it: U+ and at least four hexadecimal digits (U+1B → U+001B).
    public var notation: String {
        let hex = String(value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }

    /// The code point as a Swift string escape writes it (`\u{1B}`): for messages that quote text
    /// whose hidden or control characters must show, not act.
    public var escaped: String { "\\u{\(String(value, radix: 16, uppercase: true))}" }

    /// The explicit bidirectional embeddings, overrides and isolates (and their terminators).
    var isBidirectionalFormatting: Bool { (0x202A...0x202E).contains(value) || (0x2066...0x2069).contains(value) }
}

extension StringProtocol {
    /// The text without leading and trailing white space: characters (grapheme clusters) that
    /// are white space, which includes U+3000, the ideographic space, CRLF, and a space that
    /// carries a stray combining mark; and the invisible U+FEFF, U+200B and U+2060.
    ///
    /// ```swift
    /// "\u{3000} 91350100M000100Y43\t".trimmingWhitespace()   // "91350100M000100Y43"
    /// ```
    public func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        // Text that starts and ends with an ASCII letter, digit or sign, or with a CJK ideograph
        // (none of them white space, none able to follow white space in one character), has
        // nothing to trim: no property lookups for the fields of a million-row import.
        if let first = scalars.first, let last = scalars.last, cannotBeWhitespace(first), cannotBeWhitespace(last) {
            return String(self)
        }
        guard let first = firstIndex(where: { !$0.isTrimmed }), let last = lastIndex(where: { !$0.isTrimmed })
        else { return "" }
        return String(self[first...last])
    }
}

extension Character {
    /// White space, or an invisible character that a file's concatenation or a copy from a web
    /// page leaves at a value's edge: the byte order mark U+FEFF, the zero-width space U+200B,
    /// the word joiner U+2060. None of them shows, so a value that differs only by them would
    /// look like another value.
    fileprivate var isTrimmed: Bool {
        isWhitespace || self == "\u{FEFF}" || self == "\u{200B}" || self == "\u{2060}"
    }
}

/// A character that starts or ends with this scalar is not white space.
private func cannotBeWhitespace(_ scalar: Unicode.Scalar) -> Bool {
    (0x21...0x7E).contains(scalar.value) || (0x4E00...0x9FFF).contains(scalar.value)
}
