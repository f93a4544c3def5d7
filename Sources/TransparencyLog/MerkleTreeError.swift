/// Why a root or proof could not be computed from stored nodes.
public enum MerkleTreeError: Error, CustomStringConvertible {
    /// A tree size below 0 (or 0 where a non-empty tree is needed).
    case invalidSize(Int64)
    /// A leaf index outside `0..<size`.
    case indexOutOfRange(index: Int64, size: Int64)
    /// A consistency proof asked from a larger tree to a smaller one.
    case sizesReversed(oldSize: Int64, newSize: Int64)
    /// A consistency proof asked from the empty tree: RFC 9162 §2.1.4 defines PROOF(m, D[n])
    /// only for 0 < m ≤ n (every tree extends the empty one; there is nothing to prove).
    case emptyOldTree(newSize: Int64)
    /// The reader threw (for example, a node is not stored).
    case storage(any Error)
    /// The reader answered with a different number of hashes than it was asked for.
    case readerReturnedWrongCount(expected: Int, actual: Int)
    /// The reader answered with a hash that is not 32 bytes.
    case invalidStoredHash(MerkleNodeID, byteCount: Int)
    /// ``MerkleAccumulator/init(size:rootNodeHashes:)`` got a different number of hashes than
    /// `MerkleTree.rootNodes(size:)` has nodes, or one that is not 32 bytes.
    case invalidRootNodeHashes(size: Int64, expectedCount: Int, actualCount: Int)

    public var description: String {
        switch self {
        case .invalidSize(let size): "invalid tree size \(size)"
        case .indexOutOfRange(let index, let size): "leaf index \(index) is not in a tree of size \(size)"
        case .sizesReversed(let old, let new): "old size \(old) is larger than new size \(new)"
        case .emptyOldTree(let new): "no consistency proof from the empty tree (to size \(new))"
        case .storage(let error): "reading stored nodes failed: \(error)"
        case .readerReturnedWrongCount(let expected, let actual):
            "the node reader returned \(actual) hashes for \(expected) nodes"
        case .invalidStoredHash(let node, let count): "stored hash of node \(node) has \(count) bytes, not 32"
        case .invalidRootNodeHashes(let size, let expected, let actual):
            "a tree of size \(size) has \(expected) root nodes of 32 bytes; got \(actual) hashes, or a wrong-sized one"
        }
    }
}
