/// One token of an interface definition, with its position and the comment block above it.
struct IDLToken: Sendable {
    enum Kind: Sendable, Equatable {
        /// A run of `[A-Za-z0-9_.-]` starting with a letter or digit; keywords, names,
        /// interface names and field names are all words, told apart by the parser.
        case word(String)
        /// One of `( ) : , ? [ ]`.
        case symbol(Character)
        case arrow
        case end
    }

    var kind: Kind
    var line: Int
    var column: Int
    /// The comment lines directly above this token (no blank line in between), `#` removed.
    var documentation: String

    var text: String {
        switch kind {
        case .word(let word): return word
        case .symbol(let symbol): return String(symbol)
        case .arrow: return "->"
        case .end: return "end of input"
        }
    }
}

/// Splits interface-definition text into tokens, collecting doc comments on the way.
struct IDLLexer {
    private let scalars: [Unicode.Scalar]
    private var index = 0
    private var line = 1
    private var column = 1
    private var pendingDocumentation: [String] = []
    /// Whether a token or a comment has been seen on the current line; a blank line ends a
    /// doc-comment block and a comment after a token is not documentation.
    private var tokenOnLine = false
    private var commentOnLine = false

    init(_ text: String) {
        scalars = Array(text.unicodeScalars)
    }

    static func tokenize(_ text: String) throws(VarlinkSyntaxError) -> [IDLToken] {
        var lexer = IDLLexer(text)
        var tokens: [IDLToken] = []
        while true {
            let token = try lexer.next()
            tokens.append(token)
            if token.kind == .end { return tokens }
        }
    }

    private mutating func next() throws(VarlinkSyntaxError) -> IDLToken {
        skipTrivia()
        let startLine = line
        let startColumn = column
        guard index < scalars.count else {
            return IDLToken(kind: .end, line: startLine, column: startColumn, documentation: "")
        }
        let scalar = scalars[index]
        let kind: IDLToken.Kind
        switch scalar {
        case "(", ")", ":", ",", "?", "[", "]":
            advance()
            kind = .symbol(Character(scalar))
        case "-" where peek(1) == ">":
            advance()
            advance()
            kind = .arrow
        default:
            guard Self.isWordStart(scalar) else {
                throw VarlinkSyntaxError(
                    line: startLine, column: startColumn, message: "unexpected character '\(Character(scalar))'")
            }
            var word = String.UnicodeScalarView()
            while index < scalars.count, Self.isWordContinuation(scalars[index]),
                !(scalars[index] == "-" && peek(1) == ">")
            {
                word.append(scalars[index])
                advance()
            }
            kind = .word(String(word))
        }
        let documentation = pendingDocumentation.joined(separator: "\n")
        pendingDocumentation = []
        tokenOnLine = true
        return IDLToken(kind: kind, line: startLine, column: startColumn, documentation: documentation)
    }

    private mutating func skipTrivia() {
        while index < scalars.count {
            switch scalars[index] {
            case " ", "\t", "\r", "\u{FEFF}":
                advance()
            case "\n":
                if !tokenOnLine && !commentOnLine { pendingDocumentation = [] }
                advance()
            case "#":
                let ownLine = !tokenOnLine
                commentOnLine = true
                advance()
                var text = String.UnicodeScalarView()
                while index < scalars.count, scalars[index] != "\n" {
                    text.append(scalars[index])
                    advance()
                }
                if ownLine { pendingDocumentation.append(Self.commentText(String(text))) }
            default:
                return
            }
        }
    }

    private static func commentText(_ raw: String) -> String {
        var text = Substring(raw)
        if text.first == " " { text = text.dropFirst() }
        while let last = text.last, last == " " || last == "\t" || last == "\r" { text = text.dropLast() }
        return String(text)
    }

    private mutating func advance() {
        if scalars[index] == "\n" {
            line += 1
            column = 1
            tokenOnLine = false
            commentOnLine = false
        } else {
            column += 1
        }
        index += 1
    }

    private func peek(_ offset: Int) -> Unicode.Scalar? {
        index + offset < scalars.count ? scalars[index + offset] : nil
    }

    private static func isWordStart(_ scalar: Unicode.Scalar) -> Bool {
        scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar))
    }

    private static func isWordContinuation(_ scalar: Unicode.Scalar) -> Bool {
        isWordStart(scalar) || scalar == "_" || scalar == "." || scalar == "-"
    }
}
