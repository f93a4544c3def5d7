import GRDB
import TransparencyLog

/// Appends leaves to the stored tree in a row, computing the nodes each completes in memory
/// from the tree's right edge (a ``MerkleAccumulator``) instead of reading left children back:
/// a batch of n leaves reads popcount(size) nodes once and inserts about n/8 (the nodes of
/// level 4 and up: those below are hashed from the leaves when read, not stored).
struct MerkleNodeAppender {
    private var accumulator: MerkleAccumulator
    /// The node insert, looked up once for the batch.
    private var insert: BulkStatement

    init(db: Database, accumulator: MerkleAccumulator) throws {
        self.accumulator = accumulator
        insert = try MerkleNodeTable.nodeInsert(db)
    }

    /// Inserts leaf `index` (which must be the tree's size) and every parent it completes.
    mutating func append(index: Int64, leafHash: [UInt8]) throws {
        precondition(index == accumulator.size, "leaf \(index) appended to a tree of \(accumulator.size)")
        try accumulator.appendNodes(leafHash: leafHash) { node, hash in
            try MerkleNodeTable.insert(node, hash: hash, with: &insert)
        }
    }
}
