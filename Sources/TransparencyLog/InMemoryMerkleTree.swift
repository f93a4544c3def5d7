/// A Merkle tree whose node hashes live in a dictionary, laid out as the store lays them out
/// (see ``MerkleTree``): for tests, and for small tools that build a log in memory.
///
/// Not thread-safe; confine an instance to one task.
///
/// ```swift
/// let tree = InMemoryMerkleTree()
/// tree.append(leafData: Array("first record".utf8))
/// tree.append(leafData: Array("second record".utf8))
/// let proof = try tree.inclusionProof(index: 0)   // in the current tree of 2 leaves
/// let root = tree.root
/// ```
public final class InMemoryMerkleTree: MerkleNodeReader {
    /// A node the tree does not hold: beyond its size, or not a perfect subtree yet.
    public struct MissingNode: Error, Hashable, CustomStringConvertible {
        public var node: MerkleNodeID
        public var description: String { "no stored Merkle node \(node)" }
    }

    /// The number of leaves.
    public private(set) var size: Int64 = 0
    private var nodes: [MerkleNodeID: [UInt8]] = [:]

    public init() {}

    /// A tree of these records, in order.
    public convenience init(leafData: some Sequence<some Collection<UInt8>>) {
        self.init()
        for data in leafData { append(leafData: data) }
    }

    /// The number of stored nodes: leaves and completed interior nodes (2·size − popcount(size)).
    public var storedNodeCount: Int { nodes.count }

    /// Appends a record; returns its leaf index.
    @discardableResult
    public func append(leafData: some Collection<UInt8>) -> Int64 {
        append(leafHash: MerkleHash.leaf(leafData))
    }

    /// Appends a leaf by its hash; returns its leaf index. Stores the leaf and every node it
    /// completes, as a persistent store does.
    @discardableResult
    public func append(leafHash: [UInt8]) -> Int64 {
        precondition(leafHash.count == MerkleHash.size, "a leaf hash is 32 bytes, not \(leafHash.count)")
        let index = size
        let rows: [(node: MerkleNodeID, hash: [UInt8])]
        do {
            rows = try MerkleTree.nodesToStore(appendingLeaf: index, leafHash: leafHash, reader: self)
        } catch {
            preconditionFailure("the tree lost a stored node: \(error)")  // every left child is stored
        }
        for row in rows { nodes[row.node] = row.hash }
        size += 1
        return index
    }

    /// The stored hash of `node`, if it is complete.
    public func hash(of node: MerkleNodeID) -> [UInt8]? { nodes[node] }

    public func hashes(of nodes: [MerkleNodeID]) throws -> [[UInt8]] {
        try nodes.map { node throws(MissingNode) in
            guard let hash = self.nodes[node] else { throw MissingNode(node: node) }
            return hash
        }
    }

    /// The root of the current tree.
    public var root: [UInt8] {
        do {
            return try MerkleTree.root(size: size, reader: self)
        } catch {
            preconditionFailure("the tree lost a stored node: \(error)")
        }
    }

    /// The root of the tree's first `size` leaves.
    public func root(size: Int64) throws(MerkleTreeError) -> [UInt8] {
        guard size <= self.size else { throw .invalidSize(size) }
        return try MerkleTree.root(size: size, reader: self)
    }

    /// The inclusion proof of leaf `index` in the tree's first `size` leaves (default: all).
    public func inclusionProof(index: Int64, size: Int64? = nil) throws(MerkleTreeError) -> [[UInt8]] {
        let size = size ?? self.size
        guard size <= self.size else { throw .invalidSize(size) }
        return try MerkleTree.inclusionProof(index: index, size: size, reader: self)
    }

    /// The consistency proof from the tree's first `oldSize` leaves to its first `newSize`
    /// (default: all).
    public func consistencyProof(from oldSize: Int64, to newSize: Int64? = nil) throws(MerkleTreeError) -> [[UInt8]] {
        let newSize = newSize ?? size
        guard newSize <= size else { throw .invalidSize(newSize) }
        return try MerkleTree.consistencyProof(from: oldSize, to: newSize, reader: self)
    }
}
