import QCreditDomain

/// A publication record ready to append to the log (``RegistryWriter/appendPublications(_:)``):
/// its kind, whose file it is about and its canonical bytes, already within the size limit.
public struct PendingPublication: Sendable, Hashable {
    public var kind: PublicationRecord.Kind
    public var enterpriseId: Int64?
    public var record: [UInt8]

    public init(kind: PublicationRecord.Kind, enterpriseId: Int64?, record: [UInt8]) {
        self.kind = kind
        self.enterpriseId = enterpriseId
        self.record = record
    }
}
