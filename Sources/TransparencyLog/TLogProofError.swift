/// Why text is not a C2SP tlog-proof (or values cannot make one).
public enum TLogProofError: Error, Hashable, CustomStringConvertible {
    /// The first line is not `c2sp.org/tlog-proof@v1`.
    case missingHeader
    /// The `extra` line's data is not canonical padded base64.
    case invalidExtra
    /// No `index N` line where one must be.
    case missingIndex
    /// The index is not a decimal without leading zeros in `0...Int64.max`.
    case invalidIndex(String)
    /// Proof line `line` (from 1) is not canonical padded base64.
    case invalidProofHash(line: Int)
    /// Proof line `line` (from 1) decodes to `byteCount` bytes, not 32.
    case proofHashLength(line: Int, byteCount: Int)
    /// No empty line between the proof hashes and the checkpoint.
    case missingBlankLine
    /// The signed checkpoint is missing, or its body is not a checkpoint.
    case invalidCheckpoint(CheckpointError)

    public var description: String {
        switch self {
        case .missingHeader: "tlog-proof does not start with \(TLogProof.header)"
        case .invalidExtra: "tlog-proof extra data is not base64"
        case .missingIndex: "tlog-proof has no index line"
        case .invalidIndex(let text): "tlog-proof index '\(text)' is not a decimal without leading zeros"
        case .invalidProofHash(let line): "tlog-proof line \(line) is not a base64 hash"
        case .proofHashLength(let line, let count): "tlog-proof line \(line) is a hash of \(count) bytes, not 32"
        case .missingBlankLine: "tlog-proof has no blank line before the checkpoint"
        case .invalidCheckpoint(let error): "tlog-proof checkpoint: \(error)"
        }
    }
}
