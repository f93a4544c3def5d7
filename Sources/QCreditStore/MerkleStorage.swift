import Foundation
import GRDB
import TransparencyLog

/// The log's perfect-subtree hashes: levels ``lowestStoredLevel`` and up in `merkle_node`
/// (layout: Schema/0002_merkle_log.sql); a node below, which covers at most eight leaves, is
/// hashed from its leaves in `publication` (Schema/0012_leaf_hashes_from_publications.sql,
/// Schema/0013_low_merkle_levels_from_leaves.sql).
struct MerkleNodeTable: MerkleNodeReader {
    let db: Database

    /// The lowest level kept in `merkle_node`. Storing the three levels below it was seven in
    /// eight of the table's rows and about a fifth of the writer's time publishing grades; a proof
    /// needs at most one node a level, so it hashes at most 15 leaves (one page of `publication`)
    /// for them instead.
    static let lowestStoredLevel = 4

    func hashes(of nodes: [MerkleNodeID]) throws -> [[UInt8]] {
        var lookup = try BulkStatement(db, "SELECT hash FROM merkle_node WHERE level = ? AND idx = ?")
        return try nodes.map { node in
            guard node.level >= Self.lowestStoredLevel else { return try hashFromLeaves(node) }
            lookup.bind(Int64(node.level))
            lookup.bind(node.index)
            guard let hash = try lookup.fetchBlob() else {
                throw StoreError.corruptRow(table: "merkle_node", id: "(\(node.level), \(node.index))", column: "hash")
            }
            return hash
        }
    }

    /// The hash of a node below the stored levels: its leaves, read in order, hashed up.
    private func hashFromLeaves(_ node: MerkleNodeID) throws -> [UInt8] {
        let range = node.leafRange
        let leaves = try Data.fetchAll(
            db.cachedStatement(sql: "SELECT body FROM publication WHERE idx >= ? AND idx < ? ORDER BY idx"),
            arguments: [range.lowerBound, range.upperBound])
        guard leaves.count == range.count else {
            throw StoreError.corruptRow(table: "publication", id: "\(range.lowerBound + Int64(leaves.count))", column: "body")
        }
        var subtree = MerkleAccumulator()
        for leaf in leaves { subtree.append(leafData: leaf) }
        return subtree.root
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

    /// Stores a node of the stored levels; one below is not stored (it is hashed from its leaves).
    static func insert(_ node: MerkleNodeID, hash: [UInt8], with statement: inout BulkStatement) throws {
        guard node.level >= lowestStoredLevel else { return }
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
