import QCreditCrypto
import SignedNote
import TransparencyLog

/// The checked arguments of one export: what the writer can establish before it creates a
/// directory (the checkpoint, the keys, the range of entries, the previous tree).
struct ExportPlan {
    let origin: String
    let asOf: String
    let kind: ExportKind
    let keys: [CheckedSigningKey]
    let checkpoint: (size: Int64, rootHash: [UInt8], note: String)
    let previous: PreviousExport?
    /// The first entry to export.
    let start: Int64
    /// One past the last entry: the checkpoint's size.
    var end: Int64 { checkpoint.size }

    init(source: some ExportSource, keys: [ExportSigningKey], kind: ExportKind, previous: PreviousExport?) throws(ExportError) {
        origin = source.origin
        asOf = source.asOf
        self.kind = kind
        self.previous = previous
        checkpoint = source.checkpoint
        guard ExportFormat.isValidDate(asOf) else { throw .invalidArgument("as-of \"\(asOf)\" is not a date YYYY-MM-DD") }
        guard !origin.isEmpty, !origin.utf8.contains(where: { $0 < 0x20 }) else {
            throw .invalidArgument("origin \"\(origin)\" is empty or has a control character")
        }
        guard !keys.isEmpty else { throw .invalidArgument("no signing keys") }
        var checked: [CheckedSigningKey] = []
        var fileNames: Set<String> = []
        for key in keys {
            let key = try key.checked()
            guard fileNames.insert(ExportFormat.publicKeyFileName(type: key.type, keyID: key.keyID)).inserted else {
                throw .invalidKey("two keys are \(key.type.rawValue) keys with ID \(Hex.keyID(key.keyID))")
            }
            checked.append(key)
        }
        self.keys = checked
        try Self.checkCheckpoint(checkpoint, origin: origin, keys: checked)

        switch kind {
        case .full:
            start = 0
        case .delta:
            guard let previous else { throw .invalidArgument("a delta export needs the previous export") }
            start = previous.treeSize
        }
        if let previous {
            guard previous.origin.utf8.elementsEqual(origin.utf8) else {
                throw .inconsistentWithPrevious("the previous export is of \(previous.origin), not \(origin)")
            }
            guard previous.treeSize >= 0, previous.rootHash.count == MerkleHash.size else {
                throw .invalidArgument("the previous export's tree size or root hash is invalid")
            }
            guard previous.treeSize <= checkpoint.size else {
                throw .inconsistentWithPrevious(
                    "the previous export has \(previous.treeSize) entries, the checkpoint only \(checkpoint.size)")
            }
        }
    }

    /// The checkpoint note is a checkpoint of `origin` with the stated size and root, and opens
    /// with the export's keys (so the export's verifier keys will open it too).
    private static func checkCheckpoint(
        _ checkpoint: (size: Int64, rootHash: [UInt8], note: String), origin: String, keys: [CheckedSigningKey]
    ) throws(ExportError) {
        let body: Checkpoint
        do {
            body = try Checkpoint(parsingNoteBodyOf: checkpoint.note)
        } catch {
            throw .checkpoint("the note's text is not a checkpoint: \(error)")
        }
        guard body.origin.utf8.elementsEqual(origin.utf8) else {
            throw .checkpoint("it is a checkpoint of \(body.origin), not \(origin)")
        }
        guard body.size == checkpoint.size, body.rootHash == checkpoint.rootHash else {
            throw .checkpoint("its note is for size \(body.size), not the stated size \(checkpoint.size) and root")
        }
        do {
            _ = try NoteSigning.open(checkpoint.note, verifiers: keys.map(\.verifier))
        } catch {
            throw .checkpoint("it does not open with the export's keys: \(error)")
        }
    }
}
