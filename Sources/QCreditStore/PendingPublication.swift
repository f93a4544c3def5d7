import QCreditCrypto
import QCreditDomain
import TransparencyLog

/// A publication record ready to append to the log (``RegistryWriter/appendPublications(_:)``):
/// its kind, whose file it is about and its canonical bytes, already within the size limit.
public struct PendingPublication: Sendable, Hashable {
    public var kind: PublicationRecord.Kind
    public var enterpriseId: Int64?
    public var record: [UInt8]
    /// The record under its fresh salt, when sealed ahead of the append (``sealed()``).
    public private(set) var seal: LeafSeal?

    public init(kind: PublicationRecord.Kind, enterpriseId: Int64?, record: [UInt8]) {
        self.kind = kind
        self.enterpriseId = enterpriseId
        self.record = record
    }

    /// This record sealed now under a fresh salt: publishing seals records on the reader that
    /// decides them, so that the writer only stores them.
    public func sealed() -> PendingPublication {
        var sealed = self
        sealed.seal = LeafSeal(sealing: record)
        return sealed
    }
}

/// A record's opening with the leaf that commits to it and that leaf's Merkle hash: everything
/// about a new leaf that does not depend on where it goes in the log.
public struct LeafSeal: Sendable, Hashable {
    public let opening: RecordOpening
    public let leaf: [UInt8]
    public let leafHash: [UInt8]

    /// `record` under a fresh random salt.
    init(sealing record: [UInt8]) {
        opening = RecordOpening(salt: RandomBytes.make(RecordOpening.saltSize), record: record)
        leaf = opening.leaf.bytes
        leafHash = MerkleHash.leaf(leaf)
    }
}
