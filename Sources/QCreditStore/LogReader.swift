import Foundation
import GRDB
import TransparencyLog

/// A checkpoint the registry signed, as stored.
public struct StoredCheckpoint: Sendable, Hashable {
    public var size: Int64
    public var rootHash: [UInt8]
    /// The signed note, verbatim.
    public var note: String
    public var signedAt: Int64

    public init(size: Int64, rootHash: [UInt8], note: String, signedAt: Int64) {
        self.size = size
        self.rootHash = rootHash
        self.note = note
        self.signedAt = signedAt
    }
}

extension RegistryReader {
    /// The log's stored node hashes, for roots and proofs.
    public var merkleNodes: some MerkleNodeReader { MerkleNodeTable(db: db) }

    /// The root of the log's first `size` records.
    public func merkleRoot(size: Int64) throws -> [UInt8] {
        try MerkleTree.root(size: size, reader: merkleNodes)
    }

    /// Publication records with indexes in `start..<end`, at most `limit`, in log order.
    public func entries(from start: Int64, to end: Int64, limit: Int) throws -> [(index: Int64, body: [UInt8])] {
        try rows("SELECT idx, body FROM publication WHERE idx >= ? AND idx < ? ORDER BY idx LIMIT ?", [start, end, limit]).map { row in
            let body: Data = row["body"]
            return (row["idx"], [UInt8](body))
        }
    }

    /// The newest signed checkpoint in the database.
    public func latestCheckpoint() throws -> StoredCheckpoint? {
        try row("SELECT size, root_hash, note, signed_at FROM signed_checkpoint ORDER BY size DESC LIMIT 1").map(decodeCheckpoint)
    }

    /// The checkpoint signed at exactly `size`, if any.
    public func checkpoint(size: Int64) throws -> StoredCheckpoint? {
        try row("SELECT size, root_hash, note, signed_at FROM signed_checkpoint WHERE size = ?", [size]).map(decodeCheckpoint)
    }

    private func decodeCheckpoint(_ row: Row) throws -> StoredCheckpoint {
        let root: Data = row["root_hash"]
        return StoredCheckpoint(size: row["size"], rootHash: [UInt8](root), note: row["note"], signedAt: row["signed_at"])
    }
}

extension RegistryDatabase {
    /// Records a signed checkpoint. A repeat of a stored one is a no-op; another root at a size
    /// already signed is refused by the schema (it would fork the log).
    public func insertCheckpoint(_ checkpoint: StoredCheckpoint) async throws {
        try await writeWithoutAudit { db in
            try db.execute(
                sql: "INSERT INTO signed_checkpoint (size, root_hash, note, signed_at) VALUES (?, ?, ?, ?)",
                arguments: [checkpoint.size, Data(checkpoint.rootHash), checkpoint.note, checkpoint.signedAt])
        }
    }
}
