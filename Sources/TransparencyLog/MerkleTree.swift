/// An append-only RFC 6962 / RFC 9162 Merkle tree whose hashes live in a store: roots,
/// inclusion proofs and consistency proofs computed from stored nodes.
///
/// ## Node layout
///
/// The store keeps one row per *perfect* subtree, ``MerkleNodeID`` `(level, index)` covering
/// leaves `[index << level, (index + 1) << level)`: the leaves themselves (level 0) and every
/// interior node whose leaves have all been appended. Why only these:
///
/// - **Write once.** A perfect subtree's hash never changes as the log grows, so appending is
///   pure inserts — never an update — and every row can be checked against the rows below it.
///   The incomplete subtrees on the right edge change with every append; they are never stored.
/// - **About 2 rows per append, amortised.** Appending leaf `i` completes one parent per
///   trailing 1-bit of `i` (``nodesCompleted(byAppendingLeaf:)``): n leaves give n leaf rows
///   and n − popcount(n) interior rows, fewer than 2n in all.
/// - **O(log n) reads.** Any RFC 6962 subtree `D[k·2^j : min((k+1)·2^j, n)]` is either a stored
///   perfect node or, at the right edge, the fold of the binary decomposition of its size into
///   at most j perfect nodes. So the root of any size reads popcount(n) ≤ ⌈log2 n⌉ + 1 nodes
///   (``rootNodes(size:)``), and a proof reads the siblings on one path plus one right-edge
///   decomposition: at most 2·⌈log2 n⌉ − 2 nodes for an inclusion proof (n ≥ 3) and
///   2·⌈log2 n⌉ − 1 for a consistency proof (the tests show both bounds are reached), all
///   planned up front and read with **one** ``MerkleNodeReader/hashes(of:)`` call. Roots and
///   proofs for any past size come from the same rows: a smaller tree's perfect subtrees are
///   all still there.
///
/// A store that keeps the leaves themselves may answer the lowest levels by hashing them
/// instead of storing those hashes (qcredit's store does, below level 4: `MerkleNodeTable`).
///
/// ```swift
/// let tree = InMemoryMerkleTree()
/// for record in ["a", "b", "c"] { tree.append(leafData: Array(record.utf8)) }
/// let root = try MerkleTree.root(size: 3, reader: tree)
/// let proof = try MerkleTree.inclusionProof(index: 1, size: 3, reader: tree)
/// try MerkleProof.verifyInclusion(
///     leafHash: MerkleHash.leaf(Array("b".utf8)), index: 1, treeSize: 3, proof: proof, root: root)
/// let consistency = try MerkleTree.consistencyProof(from: 2, to: 3, reader: tree)
/// try MerkleProof.verifyConsistency(
///     oldSize: 2, newSize: 3, oldRoot: try MerkleTree.root(size: 2, reader: tree), newRoot: root,
///     proof: consistency)
/// ```
public enum MerkleTree {
    /// The parents that become complete when leaf `index` is appended, bottom-up: one per
    /// trailing 1-bit of `index`, so none for an even index.
    ///
    /// Having inserted the leaf `(0, index)`, a store inserts each of these in order as
    /// `MerkleHash.node(hash(left child), hash(right child))`; the right child is always the
    /// node inserted just before it (``nodesToStore(appendingLeaf:leafHash:reader:)`` does this).
    ///
    /// ```swift
    /// MerkleTree.nodesCompleted(byAppendingLeaf: 6)   // []
    /// MerkleTree.nodesCompleted(byAppendingLeaf: 7)   // [(1, 3), (2, 1), (3, 0)]
    /// ```
    public static func nodesCompleted(byAppendingLeaf index: Int64) -> [MerkleNodeID] {
        precondition(index >= 0, "negative leaf index \(index)")
        var completed: [MerkleNodeID] = []
        var node = MerkleNodeID.leaf(index)
        while node.index & 1 == 1 {
            node = node.parent
            completed.append(node)
        }
        return completed
    }

    /// The perfect subtrees whose hashes make up the root of a tree of `size` leaves, left to
    /// right: one per 1-bit of `size`, largest first. The root is their fold from the right.
    ///
    /// ```swift
    /// MerkleTree.rootNodes(size: 6)   // [(2, 0), (1, 2)]: leaves 0..<4 and 4..<6
    /// ```
    public static func rootNodes(size: Int64) -> [MerkleNodeID] {
        precondition(size >= 0, "negative tree size \(size)")
        guard size > 0 else { return [] }
        var plan = MerkleReadPlan()
        plan.addRange(from: 0, to: size)
        return plan.nodes
    }

    /// The root hash of the tree's first `size` leaves, MTH(D[0:size]), reading the
    /// ``rootNodes(size:)`` with one call (none for the empty tree, whose root is
    /// ``MerkleHash/empty``).
    public static func root(size: Int64, reader: some MerkleNodeReader) throws(MerkleTreeError) -> [UInt8] {
        guard size >= 0 else { throw .invalidSize(size) }
        guard size > 0 else { return MerkleHash.empty }
        var plan = MerkleReadPlan()
        plan.addRange(from: 0, to: size)
        return try plan.execute(reader: reader)[0]
    }

    /// The rows to insert when appending leaf `index` with hash `leafHash`: the leaf itself,
    /// then each node of ``nodesCompleted(byAppendingLeaf:)`` with its hash. Reads the completed
    /// nodes' left children (already stored) with one call; none for an even index.
    public static func nodesToStore(
        appendingLeaf index: Int64, leafHash: [UInt8], reader: some MerkleNodeReader
    ) throws(MerkleTreeError) -> [(node: MerkleNodeID, hash: [UInt8])] {
        let completed = nodesCompleted(byAppendingLeaf: index)
        var plan = MerkleReadPlan()
        for node in completed { plan.add(node.leftChild) }
        let leftHashes = try plan.execute(reader: reader)
        var rows = [(node: MerkleNodeID.leaf(index), hash: leafHash)]
        var hash = leafHash
        for (node, left) in zip(completed, leftHashes) {
            hash = MerkleHash.node(left, hash)
            rows.append((node, hash))
        }
        return rows
    }

    /// The inclusion proof of leaf `index` in the tree of `size` leaves: RFC 6962 §2.1.1
    /// PATH(index, D[0:size]) (RFC 9162 §2.1.3.1), sibling hashes from the leaf up.
    ///
    /// Reads at most 2·⌈log2 size⌉ − 2 stored nodes (1 for size 2), with one
    /// ``MerkleNodeReader/hashes(of:)`` call (none when the proof is empty, for a tree of one leaf).
    public static func inclusionProof(
        index: Int64, size: Int64, reader: some MerkleNodeReader
    ) throws(MerkleTreeError) -> [[UInt8]] {
        guard size > 0 else { throw .invalidSize(size) }
        guard (0..<size).contains(index) else { throw .indexOutOfRange(index: index, size: size) }
        var plan = MerkleReadPlan()
        plan.addPath(level: 0, index: index, size: size)
        return try plan.execute(reader: reader)
    }

    /// The consistency proof between the tree's first `oldSize` and first `newSize` leaves:
    /// RFC 6962 §2.1.2 PROOF(oldSize, D[0:newSize]) (RFC 9162 §2.1.4.1). Empty when the sizes are
    /// equal; `oldSize` must be at least 1.
    ///
    /// The proof is the largest perfect subtree ending at `oldSize` (left out when `oldSize` is a
    /// power of two: the verifier has it as the old root), then that subtree's path to the new
    /// root. One ``MerkleNodeReader/hashes(of:)`` call, at most 2·⌈log2 newSize⌉ − 1 nodes.
    public static func consistencyProof(
        from oldSize: Int64, to newSize: Int64, reader: some MerkleNodeReader
    ) throws(MerkleTreeError) -> [[UInt8]] {
        guard oldSize >= 0 else { throw .invalidSize(oldSize) }
        guard newSize >= 0 else { throw .invalidSize(newSize) }
        guard oldSize <= newSize else { throw .sizesReversed(oldSize: oldSize, newSize: newSize) }
        guard oldSize > 0 else { throw .emptyOldTree(newSize: newSize) }
        guard oldSize < newSize else { return [] }
        let level = oldSize.trailingZeroBitCount
        let index = (oldSize - 1) >> level
        var plan = MerkleReadPlan()
        if index != 0 { plan.add(MerkleNodeID(level: level, index: index)) }
        plan.addPath(level: level, index: index, size: newSize)
        return try plan.execute(reader: reader)
    }
}
