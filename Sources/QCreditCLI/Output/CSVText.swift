import QCreditDomain

/// CSV output (RFC 4180): a field holding a comma, a quote or a line break is quoted, with its
/// quotes doubled; lines end with LF.
enum CSVText {
    static func line(_ fields: [String]) -> String {
        fields.map(field).joined(separator: ",") + "\n"
    }

    /// Free text for a spreadsheet: a cell starting with `=`, `+`, `-`, `@`, a tab or a carriage
    /// return is a formula to Excel and LibreOffice (a name `=HYPERLINK(…)` a regulator let
    /// through would be live in a bank's screening file), so it gets a `'` before it, which
    /// they show as text (OWASP's advice on CSV injection).
    ///
    /// A control character other than a tab or a line break (a NUL in a portfolio's code) is
    /// written as U+FFFD, the replacement character: spreadsheets and CSV readers stop at a NUL
    /// or drop the line.
    static func text(_ text: String) -> String {
        let text = withoutControlCharacters(text)
        guard let first = text.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) else { return text }
        return "'" + text
    }

    static func withoutControlCharacters(_ text: String) -> String {
        // By value (``Unicode/Scalar/isControl``), not a property look-up per character of a million rows.
        func isControl(_ scalar: Unicode.Scalar) -> Bool {
            scalar.isControl && scalar != "\t" && scalar != "\n" && scalar != "\r"
        }
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars { scalars.append(isControl(scalar) ? "\u{FFFD}" : scalar) }
        return String(scalars)
    }

    static func field(_ text: String) -> String {
        // By scalar: "\r\n" is one Character, equal to neither "\r" nor "\n".
        guard text.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
