import QCreditCrypto

/// qcredit's log leaf (leaf format 2): a commitment to one publication record under a fresh
/// random salt. It names neither the enterprise nor the kind of decision, so the tree can be
/// public forever while the record itself (its ``RecordOpening``) is disclosed only as long as
/// the disclosure rules allow.
///
/// The leaf's bytes are this RFC 8785 canonical JSON object, exactly:
///
/// ```text
/// {"commitment":"<base64 of SHA-256(salt ‖ record)>","format":2}
/// ```
///
/// where `salt` is the record's 32 random bytes, `record` the record's RFC 8785 bytes and
/// base64 is standard, padded (44 characters). RFC 6962 hashes the leaf as usual:
/// `SHA-256(0x00 ‖ leaf bytes)`.
///
/// ```swift
/// let opening = RecordOpening(salt: RandomBytes.make(32), record: recordBytes)
/// let leaf = opening.leaf.bytes          // what the tree holds
/// opening.opens(leaf)                    // true
/// ```
public struct LeafCommitment: Sendable, Hashable {
    /// The `format` member of every leaf this version writes.
    public static let format = 2
    private static let prefix = Array(#"{"commitment":""#.utf8)
    private static let suffix = Array(#"","format":2}"#.utf8)

    /// SHA-256(salt ‖ record), 32 bytes.
    public let commitment: [UInt8]

    public init(commitment: [UInt8]) {
        precondition(commitment.count == 32, "a commitment is 32 bytes")
        self.commitment = commitment
    }

    /// Parses leaf bytes; nil unless they are exactly a format-2 leaf.
    public init?(bytes: some Collection<UInt8>) {
        let bytes = Array(bytes)
        guard bytes.count == Self.prefix.count + 44 + Self.suffix.count, bytes.starts(with: Self.prefix),
            bytes.suffix(Self.suffix.count).elementsEqual(Self.suffix),
            let commitment = Base64.decode(utf8: bytes[Self.prefix.count..<(Self.prefix.count + 44)]), commitment.count == 32
        else { return nil }
        self.commitment = commitment
    }

    /// The leaf's bytes.
    public var bytes: [UInt8] {
        // One array, sized once: every new leaf is made here.
        var leaf: [UInt8] = []
        leaf.reserveCapacity(Self.prefix.count + 44 + Self.suffix.count)
        leaf.append(contentsOf: Self.prefix)
        Base64.append(commitment, to: &leaf)
        leaf.append(contentsOf: Self.suffix)
        return leaf
    }
}

/// What turns a leaf into a readable fact: the salt and the record's exact bytes. Whoever holds
/// an opening can check it against the leaf; whoever holds only the leaf learns nothing.
///
/// In a C2SP tlog-proof the opening is the `extra` data: the 32 salt bytes followed by the
/// record's bytes (so the commitment is simply SHA-256 of `extra`).
public struct RecordOpening: Sendable, Hashable {
    public static let saltSize = 32

    public let salt: [UInt8]
    public let record: [UInt8]

    public init(salt: [UInt8], record: [UInt8]) {
        precondition(salt.count == Self.saltSize, "a salt is 32 bytes")
        self.salt = salt
        self.record = record
    }

    /// The opening carried as tlog-proof `extra` data (salt ‖ record), or nil if too short.
    public init?(extra: [UInt8]) {
        guard extra.count > Self.saltSize else { return nil }
        self.init(salt: Array(extra.prefix(Self.saltSize)), record: Array(extra.dropFirst(Self.saltSize)))
    }

    /// salt ‖ record.
    public var extra: [UInt8] { salt + record }

    /// The leaf this opening commits to.
    public var leaf: LeafCommitment { LeafCommitment(commitment: Digest.sha256(extra)) }

    /// Whether `leafBytes` is the leaf this opening commits to.
    public func opens(_ leafBytes: some Collection<UInt8>) -> Bool {
        LeafCommitment(bytes: leafBytes) == leaf
    }
}
