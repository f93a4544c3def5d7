import QCreditCrypto

/// The body of a C2SP tlog-checkpoint (c2sp.org/tlog-checkpoint): the log's origin, its tree
/// size and root hash, and optional extension lines — the text a signed note signs.
///
/// ```text
/// example.com/behind-the-sofa
/// 20852163
/// CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=
/// ```
///
/// Values are validated when made, so ``text`` always parses back to an equal checkpoint.
/// Parsing is strict: `\n` line ends only, a final newline, a non-empty origin, a decimal size
/// without leading zeros, a canonical base64 root of 32 bytes, non-empty extension lines.
///
/// ```swift
/// let tree = InMemoryMerkleTree(leafData: ["a", "b", "c"].map { Array($0.utf8) })
/// let checkpoint = try Checkpoint(origin: "qcredit.example/log", size: tree.size, rootHash: tree.root)
/// let text = checkpoint.text                 // "qcredit.example/log\n3\n<base64>\n"
/// let parsed = try Checkpoint(parsing: text)  // == checkpoint
/// ```
public struct Checkpoint: Sendable, Hashable, CustomStringConvertible {
    /// The log's identity, such as `example.com/log42`.
    public let origin: String
    /// The number of leaves in the tree.
    public let size: Int64
    /// The RFC 6962 root hash of the tree, 32 bytes.
    public let rootHash: [UInt8]
    /// Opaque extra lines, each non-empty (C2SP: NOT RECOMMENDED, monitors cannot audit them).
    public let extensionLines: [String]

    public init(origin: String, size: Int64, rootHash: [UInt8], extensionLines: [String] = []) throws(CheckpointError) {
        guard !origin.isEmpty else { throw .emptyOrigin }
        for line in [origin] + extensionLines where line.utf8.contains(UInt8(ascii: "\n")) {
            throw .lineContainsNewline(line)
        }
        guard size >= 0 else { throw .invalidSize(String(size)) }
        guard rootHash.count == MerkleHash.size else { throw .rootHashLength(byteCount: rootHash.count) }
        if let empty = extensionLines.firstIndex(where: \.isEmpty) { throw .emptyLine(line: 4 + empty) }
        self.origin = origin
        self.size = size
        self.rootHash = rootHash
        self.extensionLines = extensionLines
    }

    /// Parses a checkpoint body: exactly the signed text of the note, ending with a newline.
    public init(parsing text: String) throws(CheckpointError) {
        var reader = LineReader(text)
        var lines: [ArraySlice<UInt8>] = []
        while let line = reader.nextLine() { lines.append(line) }
        guard reader.atEnd else { throw .missingFinalNewline }
        guard lines.count >= 3 else { throw .tooFewLines(count: lines.count) }
        guard let size = DecimalText.parse(lines[1]) else { throw .invalidSize(lines[1].text) }
        guard let rootHash = Base64.decode(utf8: lines[2]) else { throw .invalidRootHash(lines[2].text) }
        try self.init(origin: lines[0].text, size: size, rootHash: rootHash, extensionLines: lines[3...].map(\.text))
    }

    /// Parses the body of a signed note holding a checkpoint: the text up to its first blank
    /// line. Signatures are neither parsed nor checked (that is the signed-note module's job):
    /// use this to read the origin before choosing keys, never to trust the checkpoint.
    public init(parsingNoteBodyOf signedNote: String) throws(CheckpointError) {
        let bytes = Array(signedNote.utf8)
        guard let blank = bytes.indices.dropLast().first(where: { bytes[$0] == 0x0A && bytes[$0 + 1] == 0x0A }) else {
            throw .notASignedNote
        }
        try self.init(parsing: bytes[...blank].text)
    }

    /// The checkpoint body: `<origin>\n<size>\n<base64 root hash>\n`, then each extension line
    /// and `\n`.
    public var text: String {
        var text = "\(origin)\n\(size)\n\(Base64.encode(rootHash))\n"
        for line in extensionLines { text += line + "\n" }
        return text
    }

    public var description: String { text }
}
