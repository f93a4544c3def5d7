/// Why an input is not a valid enterprise code, precisely enough to tell the user what to fix.
///
/// Codes are checked in a fixed order and the first problem found is reported:
/// empty → control or format characters (a NUL, a zero-width space) → length → characters →
/// USCC check character (position 18) → embedded organization-code check character
/// (position 17 of a USCC).
///
/// Positions are 1-based and count characters of the *normalised* code (``code``), i.e.
/// after spaces and hyphens were removed.
public struct CodeError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// Nothing left after normalisation.
        case empty
        /// Not 18 (USCC) or 9 (organization code) characters.
        case wrongLength
        /// A character outside the code's alphabet; ``CodeError/position`` says where.
        case invalidCharacter
        /// The code's own check character is wrong (position 18 of a USCC, 9 of an org code).
        case wrongCheckCharacter
        /// A USCC whose own check character is right, but whose embedded organization code
        /// (positions 9–17) has a wrong check character at position 17.
        case wrongEmbeddedCheckCharacter
    }

    public let kind: Kind
    /// The standard the code was checked against; `nil` when it could not be told (an empty
    /// input, or a length that fits neither when no kind was asked for).
    public let codeKind: CodeKind?
    /// The normalised input.
    public let code: String
    /// 1-based position in ``code`` of the offending character (`invalidCharacter`) or of the
    /// check character (`wrongCheckCharacter`, `wrongEmbeddedCheckCharacter`).
    public let position: Int?
    /// The expected check character, or the expected length (`"18"`, `"9"`, or `"18 or 9"`).
    public let expected: String?
    /// The offending character, the check character found, or the length found.
    public let found: String?
    /// Where the code was given in a call that carries many (`codes[2]`, `events[3]`), when it was.
    public var location: String?

    public init(
        kind: Kind, codeKind: CodeKind?, code: String,
        position: Int? = nil, expected: String? = nil, found: String? = nil
    ) {
        self.kind = kind
        self.codeKind = codeKind
        self.code = code
        self.position = position
        self.expected = expected
        self.found = found
    }

    /// One human sentence saying what is wrong, e.g.
    /// `check character at position 18 should be 'Y', found '3'`, after the code's place in a
    /// call of many codes (`codes[2]: …`) when it has one.
    public var reason: String {
        location.map { "\($0): \(whatIsWrong)" } ?? whatIsWrong
    }

    private var whatIsWrong: String {
        let at = position.map(String.init) ?? "?"
        let expectedText = expected ?? "?"
        let foundText = found ?? "?"
        switch kind {
        case .empty:
            return "no code given: the input is empty or only spaces and hyphens"
        case .wrongLength:
            switch codeKind {
            case .uscc?:
                return "a USCC has 18 characters, found \(foundText)"
            case .orgCode?:
                return "an organization code has 9 characters (not counting the hyphen), found \(foundText)"
            case nil:
                return "a code has 18 characters (USCC) or 9 (organization code, not counting the hyphen), found \(foundText)"
            }
        case .invalidCharacter:
            let shown = Self.quoted(foundText)
            // At the check position the character it should be is known.
            let should = expected.map { "; the check character there should be \(Self.quoted($0))" } ?? ""
            switch codeKind {
            case .orgCode?:
                return "character \(shown) at position \(at) is not allowed in an organization code, which uses only digits and capital letters"
                    + should
            case .uscc?:
                return "character \(shown) at position \(at) is not allowed in a USCC, which uses digits and capital letters except I, O, S, V and Z"
                    + should
            case nil:
                return "character \(shown) at position \(at) is not allowed in a code, which uses only digits and capital letters"
            }
        case .wrongCheckCharacter:
            return "check character at position \(at) should be \(Self.quoted(expectedText)), found \(Self.quoted(foundText))"
        case .wrongEmbeddedCheckCharacter:
            return "the embedded organization code (positions 9–17) is wrong: its check character at position \(at) should be \(Self.quoted(expectedText)), found \(Self.quoted(foundText))"
        }
    }

    /// `invalid USCC "…": <reason>`.
    public var description: String {
        let subject: String
        switch codeKind {
        case .uscc?: subject = "invalid USCC"
        case .orgCode?: subject = "invalid organization code"
        case nil: subject = "invalid enterprise code"
        }
        return code.isEmpty ? "\(subject): \(reason)" : "\(subject) \"\(code)\": \(reason)"
    }

    // Invisible or control characters are shown as code points: quoting them would print
    // an apparently empty pair of quotes.
    private static func quoted(_ text: String) -> String {
        func isInvisible(_ scalar: Unicode.Scalar) -> Bool {
            switch scalar.properties.generalCategory {
            case .control, .format, .surrogate, .privateUse, .unassigned,
                .spaceSeparator, .lineSeparator, .paragraphSeparator:
                return true
            default:
                return false
            }
        }
        func isMark(_ scalar: Unicode.Scalar) -> Bool {
            switch scalar.properties.generalCategory {
            case .nonspacingMark, .enclosingMark, .spacingMark: return true
            default: return false
            }
        }
        // A combining mark is visible on a base character, not on its own.
        let scalars = Array(text.unicodeScalars)
        let visible = !scalars.isEmpty && !isMark(scalars[0]) && !scalars.contains(where: isInvisible)
        // A character outside ASCII is named by its code point too: a look-alike (Cyrillic Х,
        // Greek Ο, the Kelvin sign) reads as the letter it copies (audit).
        if visible { return "'\(text)'" + (text.unicodeScalars.allSatisfy(\.isASCII) ? "" : " (" + text.unicodeScalars.map(\.notation).joined(separator: " ") + ")") }
        return text.unicodeScalars.map(\.notation).joined(separator: " ")
    }
}
