import Foundation
import GRDB
import TransparencyLog

/// The log's perfect-subtree hashes: levels 1 and up in `merkle_node` (layout:
/// Schema/0002_merkle_log.sql), level 0 (the leaf hashes) from the leaves themselves, in
/// `publication` (Schema/0012_leaf_hashes_from_publications.sql).
struct MerkleNodeTable: MerkleNodeReader {
    let db: Database

    func hashes(of nodes: [MerkleNodeID]) throws -> [[UInt8]] {
        var lookup = try BulkStatement(db, "SELECT hash FROM merkle_node WHERE level = ? AND idx = ?")
        var leaves: BulkStatement?
        return try nodes.map { node in
            if node.level == 0 {
                // A proof needs at most two leaf hashes (a leaf's sibling, the ends of a range).
                if leaves == nil { leaves = try BulkStatement(db, "SELECT body FROM publication WHERE idx = ?") }
                leaves!.bind(node.index)
                guard let leaf = try leaves!.fetchBlob() else {
                    throw StoreError.corruptRow(table: "publication", id: "\(node.index)", column: "body")
                }
                return MerkleHash.leaf(leaf)
            }
            lookup.bind(Int64(node.level))
            lookup.bind(node.index)
            guard let hash = try lookup.fetchBlob() else {
                throw StoreError.corruptRow(table: "merkle_node", id: "(\(node.level), \(node.index))", column: "hash")
            }
            return hash
        }
    }

    /// Adds leaf `index` and every parent it completes, reading only those parents' left
    /// children: the cheapest way to append one leaf.
    func appendLeaf(index: Int64, leafHash: [UInt8]) throws {
        var insert = try Self.nodeInsert(db)
        for row in try MerkleTree.nodesToStore(appendingLeaf: index, leafHash: leafHash, reader: self) {
            try Self.insert(row.node, hash: row.hash, with: &insert)
        }
    }

    static func nodeInsert(_ db: Database) throws -> BulkStatement {
        try BulkStatement(db, "INSERT INTO merkle_node (level, idx, hash) VALUES (?, ?, ?)")
    }

    /// Stores a node of level 1 or more; a leaf's hash is not stored (it is its publication's).
    static func insert(_ node: MerkleNodeID, hash: [UInt8], with statement: inout BulkStatement) throws {
        guard node.level > 0 else { return }
        statement.bind(Int64(node.level))
        statement.bind(node.index)
        statement.bind(blob: hash)
        try statement.run()
    }

    /// An appender for a batch of leaves from a tree of `size`: its right edge read once.
    func appender(size: Int64) throws -> MerkleNodeAppender {
        let edge = try hashes(of: MerkleTree.rootNodes(size: size))
        return try MerkleNodeAppender(db: db, accumulator: try MerkleAccumulator(size: size, rootNodeHashes: edge))
    }

    /// Builds the tree for publications recorded before the log had one (databases created
    /// by migration 1), in log order.
    static func backfill(_ db: Database) throws {
        // The table is new: every publication is a leaf to add.
        var tree = try MerkleNodeTable(db: db).appender(size: 0)
        let rows = try Row.fetchCursor(db, sql: "SELECT idx, body FROM publication ORDER BY idx")
        while let row = try rows.next() {
            let body: Data = row["body"]
            try tree.append(index: row["idx"], leafHash: MerkleHash.leaf(body))
        }
    }
}
