import Foundation
import GRDB
import TransparencyLog

/// The log's perfect-subtree hashes in `merkle_node` (layout: Schema/0002_merkle_log.sql).
struct MerkleNodeTable: MerkleNodeReader {
    let db: Database

    func hashes(of nodes: [MerkleNodeID]) throws -> [[UInt8]] {
        var lookup = try BulkStatement(db, "SELECT hash FROM merkle_node WHERE level = ? AND idx = ?")
        return try nodes.map { node in
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

    static func insert(_ node: MerkleNodeID, hash: [UInt8], with statement: inout BulkStatement) throws {
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
        let next = try Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM merkle_node WHERE level = 0") ?? 0
        var tree = try MerkleNodeTable(db: db).appender(size: next)
        let rows = try Row.fetchCursor(db, sql: "SELECT idx, body FROM publication WHERE idx >= ? ORDER BY idx", arguments: [next])
        while let row = try rows.next() {
            let body: Data = row["body"]
            try tree.append(index: row["idx"], leafHash: MerkleHash.leaf(body))
        }
    }
}
