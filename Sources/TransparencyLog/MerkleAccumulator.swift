/// The root of a log computed by streaming its leaf hashes in order, in O(log n) memory: the
/// hashes of the perfect subtrees of ``MerkleTree/rootNodes(size:)`` (a compact range from 0),
/// merged as they complete — like binary addition, one carry per trailing 1-bit of the size.
///
/// Auditors replaying a whole log use it, and so does anyone checking that a batch of new
/// records extends a known checkpoint: resume from the checkpoint's tree, append the new leaves,
/// compare the root with the new checkpoint's.
///
/// ```swift
/// var accumulator = MerkleAccumulator()
/// for record in ["a", "b", "c"] { accumulator.append(leafHash: MerkleHash.leaf(Array(record.utf8))) }
/// accumulator.size   // 3
/// accumulator.root   // MTH of the 3 leaves
///
/// // Resume from a known tree of 3 leaves: its size and the hashes of its root nodes.
/// var resumed = try MerkleAccumulator(size: 3, rootNodeHashes: accumulator.rootNodeHashes)
/// resumed.append(leafHash: MerkleHash.leaf(Array("d".utf8)))
/// ```
public struct MerkleAccumulator: Sendable, Hashable {
    /// The number of leaves appended (counting those of the tree it resumed from).
    public private(set) var size: Int64
    /// The hashes of ``MerkleTree/rootNodes(size:)`` for the current size, left to right: the
    /// whole state, enough to resume with ``init(size:rootNodeHashes:)``.
    public private(set) var rootNodeHashes: [[UInt8]]

    /// An empty tree.
    public init() {
        size = 0
        rootNodeHashes = []
    }

    /// Resumes from a tree of `size` leaves given the hashes of its
    /// ``MerkleTree/rootNodes(size:)``, left to right (from a store, or a previous accumulator).
    /// They are not authenticated here: compare ``root`` with the trusted root before relying
    /// on anything appended after.
    public init(size: Int64, rootNodeHashes: [[UInt8]]) throws(MerkleTreeError) {
        guard size >= 0 else { throw .invalidSize(size) }
        let expected = size.nonzeroBitCount
        guard rootNodeHashes.count == expected, rootNodeHashes.allSatisfy({ $0.count == MerkleHash.size }) else {
            throw .invalidRootNodeHashes(size: size, expectedCount: expected, actualCount: rootNodeHashes.count)
        }
        self.size = size
        self.rootNodeHashes = rootNodeHashes
    }

    /// Appends the next leaf, by its hash (``MerkleHash/leaf(_:)`` of the record's bytes).
    public mutating func append(leafHash: [UInt8]) {
        appendNodes(leafHash: leafHash) { _, _ in }
    }

    /// Appends the next leaf and hands `store` every perfect subtree it completes, bottom-up:
    /// the leaf itself, then one parent per trailing 1-bit of the old size — the same rows as
    /// ``MerkleTree/nodesToStore(appendingLeaf:leafHash:reader:)``, without reading any. A store
    /// appending a batch resumes an accumulator from its root nodes and inserts these.
    public mutating func appendNodes(leafHash: [UInt8], _ store: (MerkleNodeID, [UInt8]) throws -> Void) rethrows {
        precondition(leafHash.count == MerkleHash.size, "a leaf hash is 32 bytes, not \(leafHash.count)")
        var node = MerkleNodeID.leaf(size)
        try store(node, leafHash)
        rootNodeHashes.append(leafHash)
        // Each trailing 1-bit of the old size is a perfect subtree of the same height as the
        // one just completed: merge them pairwise, right to left.
        while node.index & 1 == 1 {
            let right = rootNodeHashes.removeLast()
            let left = rootNodeHashes.removeLast()
            let parent = MerkleHash.node(left, right)
            node = node.parent
            try store(node, parent)
            rootNodeHashes.append(parent)
        }
        size += 1
    }

    /// Appends the next leaf, by the record's bytes.
    public mutating func append(leafData: some Collection<UInt8>) {
        append(leafHash: MerkleHash.leaf(leafData))
    }

    /// The root hash of the leaves so far (``MerkleHash/empty`` for none).
    public var root: [UInt8] {
        MerkleHash.foldFromRight(rootNodeHashes[...])
    }
}
