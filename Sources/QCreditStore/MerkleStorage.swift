import Foundation
import GRDB
import TransparencyLog

/// The log's perfect-subtree hashes in `merkle_node` (layout: Schema/0002_merkle_log.sql).
struct MerkleNodeTable: MerkleNodeReader {
    let db: Database

    func hashes(of nodes: [MerkleNodeID]) throws -> [[UInt8]] {
        let statement = try db.cachedStatement(sql: "SELECT hash FROM merkle_node WHERE level = ? AND idx = ?")
        return try nodes.map { node in
            guard let hash = try Data.fetchOne(statement, arguments: [node.level, node.index]) else {
                throw StoreError.corruptRow(table: "merkle_node", id: "(\(node.level), \(node.index))", column: "hash")
            }
            return [UInt8](hash)
        }
    }

    /// Adds leaf `index` and every parent it completes.
    func appendLeaf(index: Int64, data: some Collection<UInt8>) throws {
        let insert = try db.cachedStatement(sql: "INSERT INTO merkle_node (level, idx, hash) VALUES (?, ?, ?)")
        for row in try MerkleTree.nodesToStore(appendingLeaf: index, leafHash: MerkleHash.leaf(data), reader: self) {
            try insert.execute(arguments: [row.node.level, row.node.index, Data(row.hash)])
        }
    }

    /// Builds the tree for publications recorded before the log had one (databases created
    /// by migration 1), in log order.
    static func backfill(_ db: Database) throws {
        let table = MerkleNodeTable(db: db)
        let next = try Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM merkle_node WHERE level = 0") ?? 0
        let rows = try Row.fetchCursor(db, sql: "SELECT idx, body FROM publication WHERE idx >= ? ORDER BY idx", arguments: [next])
        while let row = try rows.next() {
            let body: Data = row["body"]
            try table.appendLeaf(index: row["idx"], data: body)
        }
    }
}
