import QCreditCrypto

/// A signed note (c2sp.org/signed-note, the format of Go's `golang.org/x/mod/sumdb/note`):
/// a text ending in a newline, a blank line, then one or more signature lines
/// `— <key name> <base64(key ID ‖ signature)>`.
///
/// Parsing checks the structure only; ``NoteSigning/open(_:verifiers:)`` verifies signatures.
/// The text must be ignored unless a trusted key's signature has been verified.
///
/// ```swift
/// let note = try Note(parsing: "hello\n\n— example.com/k AAAAAQID\n")
/// note.text                     // "hello\n"
/// note.signatures[0].keyID      // 1
/// note.signatures[0].signature  // [2, 3]
/// ```
public struct Note: Sendable, Hashable {
    /// At most this many signature lines are accepted (as Go's note package does); the
    /// specification requires at least 16.
    public static let maximumSignatures = 100

    /// The signed text, final newline included (the separating blank line excluded).
    public var text: String
    /// The signature lines in order, whether or not any verifier knows their keys.
    public var signatures: [NoteSignature]

    public init(text: String, signatures: [NoteSignature]) {
        self.text = text
        self.signatures = signatures
    }

    /// Parses a note strictly.
    ///
    /// Refused: ASCII control characters other than newline; no blank line; nothing after the
    /// last blank line; a signature block not ending in a newline; a signature line not of the
    /// form em dash (U+2014), space, key name, space, base64; a key name that is empty or has
    /// white space or "+"; base64 that is not strict padded standard base64; fewer than 5 decoded bytes (4-byte key ID plus at least one
    /// signature byte, as Go requires); more than ``maximumSignatures`` lines. The text is
    /// everything up to the *last* blank line, so it may itself contain blank lines.
    public init(parsing note: String) throws(NoteError) {
        try self.init(validUTF8: Array(note.utf8))
    }

    /// Parses a note from its bytes, which must be valid UTF-8; otherwise as the `String` form.
    public init(parsing bytes: some Collection<UInt8>) throws(NoteError) {
        let bytes = Array(bytes)
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        var offset = 0
        decoding: while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar): offset += UTF8.width(scalar)
            case .emptyInput: break decoding
            case .error: throw .invalidUTF8(byteOffset: offset)
            }
        }
        try self.init(validUTF8: bytes)
    }

    private init(validUTF8 bytes: [UInt8]) throws(NoteError) {
        let newline = UInt8(ascii: "\n")
        // In UTF-8 every byte below 0x80 is an ASCII character, so checking bytes is exact.
        var line = 1
        for byte in bytes {
            if byte == newline {
                line += 1
            } else if byte < 0x20 {
                throw .controlCharacter(line: line, codePoint: UInt32(byte))
            }
        }
        guard let split = Self.lastBlankLine(in: bytes) else { throw .missingBlankLine }
        let textBytes = bytes[...split]               // through the text's final newline
        let block = bytes[(split + 2)...]             // after the blank line
        guard !block.isEmpty else { throw .noSignatures }
        guard block.last == newline else { throw .missingFinalNewline }

        var lineNumber = textBytes.count(where: { $0 == newline }) + 2
        var signatures: [NoteSignature] = []
        for lineBytes in block.dropLast().split(separator: newline, omittingEmptySubsequences: false) {
            guard signatures.count < Self.maximumSignatures else { throw .tooManySignatures(limit: Self.maximumSignatures) }
            signatures.append(try Self.signature(parsing: lineBytes, line: lineNumber))
            lineNumber += 1
        }
        self.init(text: String(decoding: textBytes, as: UTF8.self), signatures: signatures)
    }

    /// The index of the first newline of the last "\n\n" in `bytes`.
    private static func lastBlankLine(in bytes: [UInt8]) -> Int? {
        var index = bytes.count - 2
        while index >= 0 {
            if bytes[index] == UInt8(ascii: "\n"), bytes[index + 1] == UInt8(ascii: "\n") { return index }
            index -= 1
        }
        return nil
    }

    private static let prefix: [UInt8] = Array("\u{2014} ".utf8)

    private static func signature(parsing bytes: ArraySlice<UInt8>, line: Int) throws(NoteError) -> NoteSignature {
        guard bytes.starts(with: prefix) else {
            throw .malformedSignatureLine(line: line, reason: "it does not start with an em dash (U+2014) and a space")
        }
        let rest = bytes.dropFirst(prefix.count)
        guard let space = rest.firstIndex(of: UInt8(ascii: " ")) else {
            throw .malformedSignatureLine(line: line, reason: "no space between the key name and the signature")
        }
        let name = String(decoding: rest[..<space], as: UTF8.self)
        guard NoteSignature.isValidKeyName(name) else {
            throw .malformedSignatureLine(
                line: line,
                reason: name.isEmpty ? "the key name is empty" : "the key name \"\(name)\" contains white space or \"+\""
            )
        }
        let encoded = String(decoding: rest[(space + 1)...], as: UTF8.self)
        guard !encoded.isEmpty else { throw .malformedSignatureLine(line: line, reason: "the signature is empty") }
        guard let decoded = Base64.decode(encoded) else {
            throw .malformedSignatureLine(line: line, reason: "the signature is not valid base64")
        }
        guard decoded.count >= 5 else {
            throw .malformedSignatureLine(
                line: line,
                reason: "the signature has \(decoded.count) bytes; a 4-byte key ID and at least one signature byte are needed"
            )
        }
        let keyID = decoded.prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        return NoteSignature(name: name, keyID: keyID, signature: Array(decoded.dropFirst(4)))
    }

    /// Equal when the texts are byte for byte (not merely canonically equivalent, as Swift's
    /// String equality allows: a signature covers bytes) and the signatures are equal.
    public static func == (lhs: Note, rhs: Note) -> Bool {
        lhs.text.utf8.elementsEqual(rhs.text.utf8) && lhs.signatures == rhs.signatures
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(Array(text.utf8))
        hasher.combine(signatures)
    }

    /// The note as text: the text, a blank line, then one line per signature.
    public var formatted: String {
        text + "\n" + signatures.map(\.line).joined()
    }
}
