import Foundation
import Synchronization
import Logging
import QCreditStore
import SignedNote
import TransparencyLog

/// The registry's verifiable log: it signs checkpoints over the publication records, serves
/// inclusion and consistency proofs and entries, and assembles offline evidence.
///
/// It never signs two roots for one size. Every (size, root) it signs is first appended to the
/// checkpoint histories (``CheckpointHistory``: in the state directory and beside the exports,
/// where a database restore does not reach), then kept as the newest checkpoint in the database
/// and, atomically replaced, in a file beside it. At start it refuses a database that does not
/// reach the newest signed tree of any of these, or whose records give another root there
/// (restored from an older copy, or altered), naming what is missing; before each signature it
/// checks the same against the newest tree it signed.
///
/// ```swift
/// let log = TransparencyLogService(origin: "qcredit.example/registry", keys: keys, database: database,
///                                  checkpointFile: "/var/lib/qcredit/checkpoint",
///                                  historyFiles: ["/var/lib/qcredit/checkpoint-history"])
/// try await log.verifyLogExtendsLastCheckpoint()
/// let checkpoint = try await log.signIfGrown()
/// ```
public final class TransparencyLogService: Sendable {
    public let origin: String
    public let keys: [LogSigningKey]
    public let database: RegistryDatabase
    public let checkpointFile: String
    public let histories: [CheckpointHistory]
    /// Trees signed that are on record elsewhere (the newest export), each with where.
    let otherSignedTrees: [(tree: SignedTree, source: String)]
    let logger: Logger
    /// One signature at a time, each seeing the previous one.
    private let signer: SerialTasks
    /// The newest tree signed, from every record of it at start, then from each signature.
    private let newestSigned = Mutex<SignedTree?>(nil)

    public init(
        origin: String, keys: [LogSigningKey], database: RegistryDatabase, checkpointFile: String, historyFiles: [String],
        otherSignedTrees: [(tree: SignedTree, source: String)] = [], logger: Logger = Logger(label: "qcredit.log")
    ) {
        self.origin = origin
        self.keys = keys
        self.database = database
        self.checkpointFile = checkpointFile
        self.histories = historyFiles.map(CheckpointHistory.init(path:))
        self.otherSignedTrees = otherSignedTrees
        self.logger = logger
        self.signer = SerialTasks()
    }

    // MARK: Checkpoints

    /// Every record of a signed tree there is, with where it was found: the histories, the
    /// checkpoint file, the database's newest checkpoint and ``otherSignedTrees``.
    public func signedTrees() async throws -> [(tree: SignedTree, source: String)] {
        try await Self.signedTrees(checkpointFile: checkpointFile, histories: histories, database: database) + otherSignedTrees
    }

    /// The same, before a log service exists (to know whether a log was ever signed).
    public static func signedTrees(checkpointFile: String, histories: [CheckpointHistory], database: RegistryDatabase)
        async throws -> [(tree: SignedTree, source: String)]
    {
        var trees: [(SignedTree, String)] = []
        for history in histories {
            if let newest = try history.newest() { trees.append((newest, history.path)) }
        }
        if let file = try readCheckpointFile(checkpointFile) {
            trees.append((SignedTree(size: file.size, rootHash: file.rootHash), checkpointFile))
        }
        if let stored = try await database.read({ try $0.latestCheckpoint() }) {
            trees.append((SignedTree(size: stored.size, rootHash: stored.rootHash), "the database"))
        }
        return trees
    }

    /// Checks, before anything is signed, that the stored log reaches and extends every signed
    /// tree on record; throws ``LogError/logBehindSignedTree(signed:databaseSize:source:)`` or
    /// ``LogError/logDoesNotExtendCheckpoint(reason:)`` that says what is wrong otherwise.
    public func verifyLogExtendsLastCheckpoint() async throws {
        var newest: SignedTree?
        for (tree, source) in try await signedTrees() {
            try await checkExtends(tree, source: source)
            if tree.size > (newest?.size ?? -1) { newest = tree }
        }
        newestSigned.withLock { $0 = newest }
        // The file can be newer than the database row (a crash between the two writes), or
        // missing (a restore puts the state directory's aside): each is made whole from the other,
        // so a backup taken before the next signature carries the checkpoint too.
        let fromDatabase = try await database.read { try $0.latestCheckpoint() }
        let fromFile = try Self.readCheckpointFile(checkpointFile)
        if let fromFile, fromFile.size > (fromDatabase?.size ?? -1) {
            try await database.insertCheckpoint(fromFile)
        } else if fromFile == nil, let fromDatabase {
            try DurableFile.replace(checkpointFile, with: Array(fromDatabase.note.utf8))
        }
    }

    /// The newest signed checkpoint.
    public func latestCheckpoint() async throws -> StoredCheckpoint? {
        try await database.read { try $0.latestCheckpoint() }
    }

    /// Signs a checkpoint of the log as it stands if it grew since the last one, none was signed,
    /// or the last one lacks the signature of a configured key (a rotation's new key: the same
    /// tree is then signed again by every key), and returns the newest checkpoint.
    @discardableResult
    public func signIfGrown() async throws -> StoredCheckpoint {
        try await signer.run { try await self.signNow(covering: nil) }
    }

    /// A snapshot of the registry and a checkpoint of exactly the log it holds, signed now if
    /// none is: an export reads the state, the listings and the entries from the snapshot, so
    /// that every record its state rests on is in the tree it publishes. Taken while no other
    /// signature can be made, so the snapshot is never behind the newest signed tree.
    public func signedSnapshot() async throws -> (RegistrySnapshot, StoredCheckpoint) {
        try await signer.run {
            let snapshot = try self.database.snapshot()
            return (snapshot, try await self.signNow(covering: nil, in: snapshot))
        }
    }

    /// A signed checkpoint whose tree includes record `index`, signing one now if needed.
    public func checkpoint(covering index: Int64) async throws -> StoredCheckpoint {
        if let latest = try await latestCheckpoint(), latest.size > index { return latest }
        return try await signer.run { try await self.signNow(covering: index) }
    }

    /// Signs the log as the database holds it now, or as `snapshot` holds it.
    private func signNow(covering index: Int64?, in snapshot: RegistrySnapshot? = nil) async throws -> StoredCheckpoint {
        guard !keys.isEmpty else { throw LogError.noSigningKeys }
        let latest = try await latestCheckpoint()
        if let latest, let index, latest.size > index { return latest }
        let sizeAndRoot: @Sendable (RegistryReader) throws -> (Int64, [UInt8]) = { reader in
            let size = try reader.publicationCount()
            return (size, try reader.merkleRoot(size: size))
        }
        let (size, root) = if let snapshot { try await snapshot.read(sizeAndRoot) } else { try await database.read(sizeAndRoot) }
        if let latest, latest.size == size, latest.rootHash == root, carriesEveryKey(latest) { return latest }
        if let newest = newestSigned.withLock({ $0 }) { try await checkExtends(newest, source: "the checkpoint history") }
        if let latest { try await checkExtends(SignedTree(size: latest.size, rootHash: latest.rootHash), source: "the database") }
        let tree = SignedTree(size: size, rootHash: root)
        // Signing and the fsynced files on the blocking queue: a slow disk must not hold one of
        // the few cooperative threads that every connection's task shares.
        let checkpoint = try await blocking { [self] in
            let text = try Checkpoint(origin: origin, size: size, rootHash: root).text
            let note = try NoteSigning.sign(text: text, with: keys.map(\.signer))
            // The histories first: once any copy of the note can exist, the tree is on record (a
            // tree signed again by more keys is on record already).
            if newestSigned.withLock({ $0 }) != tree {
                for history in histories { try history.append(tree) }
            }
            newestSigned.withLock { $0 = tree }
            try DurableFile.replace(checkpointFile, with: Array(note.utf8))
            return StoredCheckpoint(size: size, rootHash: root, note: note, signedAt: Int64(Date().timeIntervalSince1970))
        }
        try await database.insertCheckpoint(checkpoint)
        logger.info("checkpoint signed", metadata: ["size": "\(size)"])
        return checkpoint
    }

    /// Whether every configured key signed `checkpoint`.
    private func carriesEveryKey(_ checkpoint: StoredCheckpoint) -> Bool {
        guard let note = try? Note(parsing: checkpoint.note) else { return false }
        let signedBy = Set(note.signatures.map { "\($0.name)+\($0.keyID)" })
        return keys.allSatisfy { signedBy.contains("\($0.name)+\($0.keyID)") }
    }

    private func checkExtends(_ tree: SignedTree, source: String) async throws {
        let size = try await database.read { try $0.publicationCount() }
        guard tree.size <= size else { throw LogError.logBehindSignedTree(signed: tree, databaseSize: size, source: source) }
        let root = try await database.read { try $0.merkleRoot(size: tree.size) }
        guard root == tree.rootHash else {
            throw LogError.logDoesNotExtendCheckpoint(
                reason: "the first \(tree.size) records hash to \(Data(root).base64EncodedString()), "
                    + "but \(source) signed \(Data(tree.rootHash).base64EncodedString()); the log was altered")
        }
    }

    /// The signed checkpoint in `checkpointFile`, if there is one.
    public static func readCheckpointFile(_ checkpointFile: String) throws -> StoredCheckpoint? {
        guard let bytes = try DurableFile.read(checkpointFile) else { return nil }
        let note = String(decoding: bytes, as: UTF8.self)
        do {
            let parsed = try Note(parsing: note)
            let checkpoint = try Checkpoint(parsing: parsed.text)
            return StoredCheckpoint(size: checkpoint.size, rootHash: checkpoint.rootHash, note: note, signedAt: 0)
        } catch {
            throw LogError.logDoesNotExtendCheckpoint(
                reason: "\(checkpointFile) is not a signed checkpoint: \(error). The file is damaged; the trees the log "
                    + "signed are also on record in its database and its checkpoint histories, so moving the damaged file "
                    + "aside lets qcreditd start, check the log against those, and sign a new one")
        }
    }

    // MARK: Proofs and entries

    /// The log's size now (it may be ahead of the newest checkpoint).
    public func size() async throws -> Int64 {
        try await database.read { try $0.publicationCount() }
    }

    public func inclusionProof(index: Int64, treeSize: Int64) async throws -> (leafHash: [UInt8], proof: [[UInt8]]) {
        try await database.read { reader in try Self.inclusionProof(index: index, treeSize: treeSize, reader: reader) }
    }

    /// ``inclusionProof(index:treeSize:)`` read on the calling thread, which it blocks (see
    /// ``RegistryDatabase/readBlocking(_:)``).
    public func inclusionProofBlocking(index: Int64, treeSize: Int64) throws -> (leafHash: [UInt8], proof: [[UInt8]]) {
        try database.readBlocking { reader in try Self.inclusionProof(index: index, treeSize: treeSize, reader: reader) }
    }

    private static func inclusionProof(index: Int64, treeSize: Int64, reader: RegistryReader) throws -> (
        leafHash: [UInt8], proof: [[UInt8]]
    ) {
        let size = try reader.publicationCount()
        guard treeSize <= size else { throw LogError.sizeBeyondTree(requested: treeSize, treeSize: size) }
        guard treeSize >= 1 else {
            throw LogError.invalidRange(reason: "treeSize \(treeSize) holds no record; a tree has at least one")
        }
        guard index >= 0, index < treeSize else {
            throw LogError.invalidRange(reason: "index \(index) is not in a tree of \(treeSize) records (0..<\(treeSize))")
        }
        let leaf = try reader.merkleNodes.hashes(of: [MerkleNodeID(level: 0, index: index)])[0]
        return (leaf, try MerkleTree.inclusionProof(index: index, size: treeSize, reader: reader.merkleNodes))
    }

    public func consistencyProof(from oldSize: Int64, to newSize: Int64) async throws -> [[UInt8]] {
        try await database.read { reader in try Self.consistencyProof(from: oldSize, to: newSize, reader: reader) }
    }

    /// ``consistencyProof(from:to:)`` read on the calling thread, which it blocks.
    public func consistencyProofBlocking(from oldSize: Int64, to newSize: Int64) throws -> [[UInt8]] {
        try database.readBlocking { reader in try Self.consistencyProof(from: oldSize, to: newSize, reader: reader) }
    }

    private static func consistencyProof(from oldSize: Int64, to newSize: Int64, reader: RegistryReader) throws -> [[UInt8]] {
        let size = try reader.publicationCount()
        guard newSize <= size else { throw LogError.sizeBeyondTree(requested: newSize, treeSize: size) }
        // RFC 9162 §2.1.4 proves a tree of m ≥ 1 leaves against a larger one; every tree extends
        // the empty tree, so there is nothing to prove from 0.
        guard oldSize >= 1, oldSize <= newSize else {
            throw LogError.invalidRange(reason: "fromSize \(oldSize) must lie between 1 and toSize \(newSize)")
        }
        return try MerkleTree.consistencyProof(from: oldSize, to: newSize, reader: reader.merkleNodes)
    }

    /// Entries `start..<end` (at most `limit`): each leaf, its opening and when its disclosure
    /// ends. Which openings a caller may receive is the caller's to decide (``LogEntry/isDisclosed(on:)``).
    public func entries(from start: Int64, to end: Int64, limit: Int) async throws -> [LogEntry] {
        try await database.read { reader in
            let size = try reader.publicationCount()
            guard start >= 0, start <= end else {
                throw LogError.invalidRange(reason: "start \(start) must lie between 0 and end \(end)")
            }
            guard end <= size else { throw LogError.sizeBeyondTree(requested: end, treeSize: size) }
            return try reader.entries(from: start, to: end, limit: limit)
        }
    }

    // MARK: Evidence

    /// Offline evidence for record `index`: its leaf and opening, its inclusion proof in a signed
    /// checkpoint that covers it, and the same as a C2SP tlog-proof file (the opening, salt then
    /// record, as its `extra` data).
    ///
    /// The evidence is checked as the bank will check it before it is handed out (a few
    /// microseconds): an opening that does not open its leaf, or a leaf not in the signed tree, is
    /// refused with ``LogError/recordDoesNotMatchLog(index:)`` rather than given away as proof.
    public func evidence(for index: Int64) async throws -> LogEvidence {
        let checkpoint = try await checkpoint(covering: index)
        let (_, proof) = try await inclusionProof(index: index, treeSize: checkpoint.size)
        guard let entry = try await entries(from: index, to: index + 1, limit: 1).first else {
            throw LogError.sizeBeyondTree(requested: index + 1, treeSize: checkpoint.size)
        }
        guard let opening = entry.opening, opening.opens(entry.leaf) else { throw LogError.recordDoesNotMatchLog(index: index) }
        do {
            try MerkleProof.verifyInclusion(
                leafHash: MerkleHash.leaf(entry.leaf), index: index, treeSize: checkpoint.size, proof: proof,
                root: checkpoint.rootHash)
        } catch {
            throw LogError.recordDoesNotMatchLog(index: index)
        }
        let file = try TLogProof(extra: opening.extra, index: index, proof: proof, signedCheckpoint: checkpoint.note)
        return LogEvidence(
            index: index, leaf: entry.leaf, opening: opening, treeSize: checkpoint.size, proof: proof, checkpoint: checkpoint,
            tlogProof: file.text)
    }
}

/// A record with what proves it is in the log.
public struct LogEvidence: Sendable {
    public var index: Int64
    /// The leaf (a ``LeafCommitment``).
    public var leaf: [UInt8]
    public var opening: RecordOpening
    public var treeSize: Int64
    public var proof: [[UInt8]]
    public var checkpoint: StoredCheckpoint
    public var tlogProof: String
}
