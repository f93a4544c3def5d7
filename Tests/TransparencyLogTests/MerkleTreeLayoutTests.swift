import Testing
import TransparencyLog

/// The stored-node layout: which perfect subtrees exist after each append, and which make up
/// a root.
@Suite struct MerkleTreeLayoutTests {
    /// Every perfect subtree inside the first `size` leaves.
    static func perfectSubtrees(size: Int64) -> Set<MerkleNodeID> {
        var nodes: Set<MerkleNodeID> = []
        for level in 0..<63 where Int64(1) << level <= size {
            for index in 0..<(size >> level) { nodes.insert(MerkleNodeID(level: level, index: index)) }
        }
        return nodes
    }

    @Test func documentedExamples() {
        #expect(MerkleTree.nodesCompleted(byAppendingLeaf: 6) == [])
        #expect(
            MerkleTree.nodesCompleted(byAppendingLeaf: 7)
                == [MerkleNodeID(level: 1, index: 3), MerkleNodeID(level: 2, index: 1), MerkleNodeID(level: 3, index: 0)])
        #expect(MerkleTree.rootNodes(size: 6) == [MerkleNodeID(level: 2, index: 0), MerkleNodeID(level: 1, index: 2)])
        let node = MerkleNodeID(level: 2, index: 1)
        #expect(node.leafRange == 4..<8)
        #expect(node.leftChild == MerkleNodeID(level: 1, index: 2))
        #expect(node.rightChild == MerkleNodeID(level: 1, index: 3))
        #expect(node.parent == MerkleNodeID(level: 3, index: 0))
        #expect(node.sibling == MerkleNodeID(level: 2, index: 0))
        #expect(node.description == "(2, 1)")
        #expect(MerkleNodeID(level: 1, index: 9) < MerkleNodeID(level: 2, index: 0))
    }

    @Test func appendsCompleteExactlyThePerfectSubtrees() {
        var stored: Set<MerkleNodeID> = []
        for index in Int64(0)..<600 {
            let completed = MerkleTree.nodesCompleted(byAppendingLeaf: index)
            #expect(completed.count == (index + 1).trailingZeroBitCount)
            // Bottom-up, each the parent of the one before (the first, of the new leaf).
            var below = MerkleNodeID.leaf(index)
            for node in completed {
                #expect(node == below.parent && node.rightChild == below)
                #expect(stored.contains(node.leftChild), "left child of \(node) stored before")
                #expect(node.leafRange.upperBound == index + 1)
                below = node
            }
            stored.insert(.leaf(index))
            for node in completed { #expect(stored.insert(node).inserted, "\(node) completed twice") }
            #expect(stored == Self.perfectSubtrees(size: index + 1), "after leaf \(index)")
        }
    }

    @Test func rootNodesAreTheBinaryDecomposition() {
        for size in Int64(0)...600 {
            let nodes = MerkleTree.rootNodes(size: size)
            #expect(nodes.count == size.nonzeroBitCount)
            var next: Int64 = 0
            for (node, following) in zip(nodes, nodes.dropFirst()) { #expect(node.level > following.level) }
            for node in nodes {
                #expect(node.firstLeaf == next)
                next = node.leafRange.upperBound
            }
            #expect(next == size)
        }
        let large = Int64.max
        #expect(MerkleTree.rootNodes(size: large).count == 63)
        #expect(MerkleTree.rootNodes(size: large).last?.leafRange.upperBound == large)
    }

    @Test func storedRowsPerAppend() {
        let tree = InMemoryMerkleTree()
        for i in 0..<1000 {
            tree.append(leafData: record(i))
            let size = tree.size
            #expect(tree.storedNodeCount == Int(2 * size) - size.nonzeroBitCount)
        }
    }

    @Test func nodesToStoreReadsOnlyLeftChildrenInOneCall() throws {
        let tree = InMemoryMerkleTree(leafData: (0..<15).map(record))
        let reader = CountingReader(tree, limit: 15)
        let leafHash = MerkleHash.leaf(record(15))
        let rows = try MerkleTree.nodesToStore(appendingLeaf: 15, leafHash: leafHash, reader: reader)
        #expect(reader.calls == 1 && reader.nodesRequested == 4)
        #expect(rows.map(\.node) == [.leaf(15)] + MerkleTree.nodesCompleted(byAppendingLeaf: 15))
        tree.append(leafData: record(15))
        for row in rows { #expect(tree.hash(of: row.node) == row.hash) }
        #expect(rows.last?.hash == tree.root)

        let even = CountingReader(tree, limit: 16)
        _ = try MerkleTree.nodesToStore(appendingLeaf: 16, leafHash: leafHash, reader: even)
        #expect(even.calls == 0)
    }
}
