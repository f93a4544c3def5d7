import Foundation
import GRDB
import QCreditDomain
import TransparencyLog

/// One entry of the log as stored: the leaf, the opening that discloses it (absent only for a
/// record replayed from a public export), and when its public disclosure ends.
public struct LogEntry: Sendable, Hashable {
    public var index: Int64
    /// The leaf's bytes (a ``LeafCommitment``).
    public var leaf: [UInt8]
    public var opening: RecordOpening?
    /// The first day the record is no longer disclosed to the public; nil: disclosed for good.
    public var disclosureEndsOn: CivilDate?

    public init(index: Int64, leaf: [UInt8], opening: RecordOpening?, disclosureEndsOn: CivilDate?) {
        self.index = index
        self.leaf = leaf
        self.opening = opening
        self.disclosureEndsOn = disclosureEndsOn
    }

    /// Whether the public may receive the opening on `date`.
    public func isDisclosed(on date: CivilDate) -> Bool {
        guard opening != nil else { return false }
        return disclosureEndsOn.map { date < $0 } ?? true
    }
}

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

    /// Log entries with indexes in `start..<end`, at most `limit`, in log order: each leaf, its
    /// opening when the registry has it, and the first day it is no longer disclosed, if any.
    public func entries(from start: Int64, to end: Int64, limit: Int) throws -> [LogEntry] {
        try rows(
            """
            SELECT p.idx, p.body, p.salt, p.record,
                   (SELECT MIN(d.ends_on) FROM disclosure_end d WHERE d.publication_idx = p.idx) AS disclosure_ends_on
            FROM publication p
            WHERE p.idx >= ? AND p.idx < ? ORDER BY p.idx LIMIT ?
            """, [start, end, limit]
        ).map(decodeEntry)
    }

    /// Calls `body` with entries `start..<end` in order, streaming from one cursor.
    public func forEachEntry(from start: Int64, to end: Int64, _ body: (LogEntry) throws -> Void) throws {
        let cursor = try Row.fetchCursor(
            db.cachedStatement(
                sql: """
                    SELECT p.idx, p.body, p.salt, p.record,
                           (SELECT MIN(d.ends_on) FROM disclosure_end d WHERE d.publication_idx = p.idx) AS disclosure_ends_on
                    FROM publication p
                    WHERE p.idx >= ? AND p.idx < ? ORDER BY p.idx
                    """), arguments: [start, end])
        while let row = try cursor.next() { try body(try decodeEntry(row)) }
    }

    /// Decodes `idx, body, salt, record, disclosure_ends_on` by position: an export decodes
    /// every entry of the log, and looking columns up by name costs more than the copy.
    private func decodeEntry(_ row: Row) throws -> LogEntry {
        let index: Int64 = row[0]
        let leaf: Data = row[1]
        var opening: RecordOpening?
        if let salt: Data = row[2], let record: Data = row[3] {
            guard salt.count == RecordOpening.saltSize else {
                throw StoreError.corruptRow(table: "publication", id: "\(index)", column: "salt")
            }
            opening = RecordOpening(salt: [UInt8](salt), record: [UInt8](record))
        }
        let ends: String? = row[4]
        return LogEntry(index: index, leaf: [UInt8](leaf), opening: opening, disclosureEndsOn: ends.flatMap(CivilDate.init(iso:)))
    }

    /// The first day publication `index` is no longer disclosed to the public, if its
    /// disclosure ends at all.
    public func disclosureEnd(of index: Int64) throws -> CivilDate? {
        try String.fetchOne(
            db.cachedStatement(sql: "SELECT MIN(ends_on) FROM disclosure_end WHERE publication_idx = ?"), arguments: [index]
        ).flatMap(CivilDate.init(iso:))
    }

    /// The newest signed checkpoint in the database (of the largest size, the last signed of it).
    public func latestCheckpoint() throws -> StoredCheckpoint? {
        try row("SELECT size, root_hash, note, signed_at FROM signed_checkpoint ORDER BY size DESC, id DESC LIMIT 1")
            .map(decodeCheckpoint)
    }

    /// The checkpoint signed last at exactly `size`, if any.
    public func checkpoint(size: Int64) throws -> StoredCheckpoint? {
        try row("SELECT size, root_hash, note, signed_at FROM signed_checkpoint WHERE size = ? ORDER BY id DESC LIMIT 1", [size])
            .map(decodeCheckpoint)
    }

    private func decodeCheckpoint(_ row: Row) throws -> StoredCheckpoint {
        let root: Data = row["root_hash"]
        return StoredCheckpoint(size: row["size"], rootHash: [UInt8](root), note: row["note"], signedAt: row["signed_at"])
    }
}

extension RegistryDatabase {
    /// Records a signed checkpoint. A repeat of a stored note is a no-op, the same tree signed
    /// again (by more keys, during a rotation) is kept beside it, and another root at a size
    /// already signed is refused by the schema (it would fork the log).
    public func insertCheckpoint(_ checkpoint: StoredCheckpoint) async throws {
        try await writeWithoutAudit { db in
            try db.execute(
                sql: "INSERT INTO signed_checkpoint (size, root_hash, note, signed_at) VALUES (?, ?, ?, ?)",
                arguments: [checkpoint.size, Data(checkpoint.rootHash), checkpoint.note, checkpoint.signedAt])
        }
    }
}

extension RegistryReader {
    /// The file publication `index` is about; nil for one about no file (a policy) or none at all.
    public func enterpriseId(ofPublication index: Int64) throws -> Int64? {
        try Int64?.fetchOne(
            db.cachedStatement(sql: "SELECT enterprise_id FROM publication WHERE idx = ?"), arguments: [index]) ?? nil
    }

    /// The file listing `id` is on, if the listing exists.
    public func enterpriseId(ofListing id: Int64) throws -> Int64? {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT enterprise_id FROM listing WHERE id = ?"), arguments: [id])
    }
}
