import QCreditCrypto

/// A C2SP tlog-proof (c2sp.org/tlog-proof): an offline-verifiable proof that an entry is in a
/// log — its index, an inclusion proof, and the signed checkpoint the proof is against.
///
/// ```text
/// c2sp.org/tlog-proof@v1
/// extra <base64 opaque data>          (optional)
/// index 73894
/// <base64 proof hash>                 (zero or more, from the leaf's sibling up)
///
/// <signed checkpoint note, verbatim>
/// ```
///
/// Values are validated when made, so ``text`` always parses back to an equal proof. The signed
/// checkpoint is kept verbatim; its body must parse as a ``Checkpoint`` (available as
/// ``checkpoint``), its signatures are checked elsewhere.
///
/// ```swift
/// let proof = try TLogProof(parsing: text)
/// // First verify proof.signedCheckpoint's signatures (log key, witness policy); then:
/// try proof.verifyInclusion(leafHash: MerkleHash.leaf(recordBytes))
/// ```
public struct TLogProof: Sendable, Hashable {
    /// The first line of every tlog-proof.
    public static let header = "c2sp.org/tlog-proof@v1"

    /// Opaque application data; not authenticated, never trust it implicitly.
    public let extra: [UInt8]?
    /// The entry's zero-based index in the log.
    public let index: Int64
    /// The inclusion proof, RFC 6962 PATH(index, D[0:size]): 32-byte hashes, leaf's sibling first.
    public let proof: [[UInt8]]
    /// The checkpoint as a signed note, verbatim: body, blank line, signature lines.
    public let signedCheckpoint: String
    /// The body of ``signedCheckpoint``, parsed (signatures not checked).
    public let checkpoint: Checkpoint

    public init(extra: [UInt8]? = nil, index: Int64, proof: [[UInt8]], signedCheckpoint: String) throws(TLogProofError) {
        guard index >= 0 else { throw .invalidIndex(String(index)) }
        for (position, hash) in proof.enumerated() where hash.count != MerkleHash.size {
            // Lines as in the text form: header, optional extra, index, then the hashes.
            throw .proofHashLength(line: position + (extra == nil ? 3 : 4), byteCount: hash.count)
        }
        do {
            checkpoint = try Checkpoint(parsingNoteBodyOf: signedCheckpoint)
        } catch {
            throw .invalidCheckpoint(error)
        }
        self.extra = extra
        self.index = index
        self.proof = proof
        self.signedCheckpoint = signedCheckpoint
    }

    /// Parses a tlog-proof strictly: `\n` line ends, canonical padded base64, 32-byte hashes,
    /// the blank line, and a signed checkpoint whose body parses.
    public init(parsing text: String) throws(TLogProofError) {
        var reader = LineReader(text)
        guard let header = reader.nextLine(), header.elementsEqual(Self.header.utf8) else { throw .missingHeader }
        var line = reader.nextLine()
        var extra: [UInt8]?
        if let extraLine = line, extraLine.hasPrefix("extra ") {
            guard let data = Base64.decode(utf8: extraLine.dropFirst(6)) else { throw .invalidExtra }
            extra = data
            line = reader.nextLine()
        }
        guard let indexLine = line, indexLine.hasPrefix("index ") else { throw .missingIndex }
        guard let index = DecimalText.parse(indexLine.dropFirst(6)) else {
            throw .invalidIndex(indexLine.dropFirst(6).text)
        }
        var proof: [[UInt8]] = []
        while true {
            guard let hashLine = reader.nextLine() else { throw .missingBlankLine }
            if hashLine.isEmpty { break }
            guard let hash = Base64.decode(utf8: hashLine) else { throw .invalidProofHash(line: reader.lineNumber) }
            guard hash.count == MerkleHash.size else {
                throw .proofHashLength(line: reader.lineNumber, byteCount: hash.count)
            }
            proof.append(hash)
        }
        try self.init(extra: extra, index: index, proof: proof, signedCheckpoint: reader.rest.text)
    }

    /// The tlog-proof text.
    public var text: String {
        var text = Self.header + "\n"
        if let extra { text += "extra \(Base64.encode(extra))\n" }
        text += "index \(index)\n"
        for hash in proof { text += Base64.encode(hash) + "\n" }
        return text + "\n" + signedCheckpoint
    }

    /// Checks the inclusion proof of the entry with `leafHash` against ``checkpoint``'s size and
    /// root. Only the Merkle part: the caller must first verify ``signedCheckpoint``'s signatures,
    /// or the checkpoint proves nothing.
    public func verifyInclusion(leafHash: [UInt8]) throws(MerkleProofError) {
        try MerkleProof.verifyInclusion(
            leafHash: leafHash, index: index, treeSize: checkpoint.size, proof: proof, root: checkpoint.rootHash)
    }
}
