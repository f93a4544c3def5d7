import QCreditCrypto

/// Why the log refused a request or refuses to go on.
public enum LogError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A tree size or index beyond the log as it stands.
    case sizeBeyondTree(requested: Int64, treeSize: Int64)
    /// A range or pair of sizes that cannot be (reversed, negative, empty where it must not be).
    case invalidRange(reason: String)
    /// No checkpoint has been signed yet.
    case noCheckpoint
    /// The stored log does not extend the last signed checkpoint: signing again would publish
    /// two histories. The daemon refuses to start.
    case logDoesNotExtendCheckpoint(reason: String)
    /// The database holds fewer records than a tree the log already signed (restored from an
    /// older backup): signing on would reuse indexes with other records. The daemon refuses to
    /// start until the missing records are replayed (`qcredit restore … --entries`).
    case logBehindSignedTree(signed: SignedTree, databaseSize: Int64, source: String)
    /// There is no database at `path` for a log that signed: the state directory was lost, or a
    /// restore stopped between moving the database aside and putting its own in place.
    case databaseMissing(signed: SignedTree, path: String, source: String)
    /// No signing key is configured.
    case noSigningKeys
    /// A stored record does not hash to the leaf its signed checkpoint covers: the record was
    /// changed behind the tree. Evidence built on it would fail the bank's check, so none is given.
    case recordDoesNotMatchLog(index: Int64)

    public var description: String {
        switch self {
        case .sizeBeyondTree(let requested, let treeSize): return "size \(requested) is beyond the log's \(treeSize) records"
        case .invalidRange(let reason): return reason
        case .noCheckpoint: return "no checkpoint has been signed yet"
        case .logDoesNotExtendCheckpoint(let reason): return "the log does not extend its last signed checkpoint: \(reason)"
        case .logBehindSignedTree(let signed, let size, let source):
            return "the log signed a tree of \(signed.size) records (\(source), root \(Base64.encode(signed.rootHash))), "
                + "but the database holds only \(size): records \(size)..<\(signed.size) are missing "
                + "(was it restored from an older backup, or its write-ahead log, registry.sqlite-wal, lost or damaged?). "
                + "Replay them from the nightly exports that hold them: qcredit restore BACKUP --entries EXPORT… "
                + "(records that no export holds cannot be replayed: README, When signed records are lost)"
        case .databaseMissing(let signed, let path, let source):
            return "the log signed a tree of \(signed.size) records (\(source), root \(Base64.encode(signed.rootHash))), "
                + "but there is no database (\(path)): records 0..<\(signed.size) are missing. Put it back with qcredit restore "
                + "BACKUP [--entries EXPORT…]; a restore stopped part way left the database it was replacing in a replaced-<time>/ "
                + "folder of the state directory, which restores as a backup does (or run that restore again)"
        case .noSigningKeys: return "no signing key is configured"
        case .recordDoesNotMatchLog(let index):
            return "record \(index) does not match the signed log (its opening does not open its leaf, or the leaf is not "
                + "in the checkpoint's tree): the record was altered; run qcredit audit replay and restore from a backup"
        }
    }
}
