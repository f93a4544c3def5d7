/// Why text is not a C2SP tlog-checkpoint body (or values cannot make one).
public enum CheckpointError: Error, Hashable, CustomStringConvertible {
    /// The text does not end with a newline: every line, the last included, ends with `\n`.
    case missingFinalNewline
    /// Fewer than the three lines origin, size and root hash.
    case tooFewLines(count: Int)
    /// The first line, the origin, is empty.
    case emptyOrigin
    /// The size is not a decimal number without leading zeros in `0...Int64.max`.
    case invalidSize(String)
    /// The root hash line is not canonical padded base64.
    case invalidRootHash(String)
    /// The root hash is not 32 bytes.
    case rootHashLength(byteCount: Int)
    /// Line `line` (from 1) is empty: extension lines must not be, and a blank line means the
    /// text is a whole signed note (see ``Checkpoint/init(parsingNoteBodyOf:)``).
    case emptyLine(line: Int)
    /// An origin or extension line given to the initializer contains a newline.
    case lineContainsNewline(String)
    /// The text has no blank line ending a note body, so it is not a signed note.
    case notASignedNote

    public var description: String {
        switch self {
        case .missingFinalNewline: "checkpoint text does not end with a newline"
        case .tooFewLines(let count): "checkpoint has \(count) lines, at least 3 needed"
        case .emptyOrigin: "checkpoint origin is empty"
        case .invalidSize(let text): "checkpoint size '\(text)' is not a decimal without leading zeros"
        case .invalidRootHash(let text): "checkpoint root hash '\(text)' is not base64"
        case .rootHashLength(let count): "checkpoint root hash has \(count) bytes, not 32"
        case .emptyLine(let line): "checkpoint line \(line) is empty"
        case .lineContainsNewline(let text): "checkpoint line '\(text)' contains a newline"
        case .notASignedNote: "no blank line after a note body"
        }
    }
}
