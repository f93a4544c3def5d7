import Testing
import TransparencyLog

@Suite struct MerkleAccumulatorTests {
    @Test func agreesWithStoredTreeAtEverySize() {
        let tree = InMemoryMerkleTree()
        var accumulator = MerkleAccumulator()
        for i in 0..<300 {
            tree.append(leafData: record(i))
            accumulator.append(leafData: record(i))
            #expect(accumulator.size == tree.size)
            #expect(accumulator.root == tree.root, "size \(tree.size)")
            #expect(accumulator.rootNodeHashes.count == tree.size.nonzeroBitCount)
        }
    }

    /// A store appending a batch inserts what the accumulator hands it: exactly the rows a
    /// one-leaf append would read its way to.
    @Test func appendNodesGivesTheRowsOfNodesToStore() throws {
        let tree = InMemoryMerkleTree()
        var accumulator = MerkleAccumulator()
        for i in 0..<200 {
            let leafHash = MerkleHash.leaf(record(i))
            let expected = try MerkleTree.nodesToStore(appendingLeaf: Int64(i), leafHash: leafHash, reader: tree)
            var rows: [(node: MerkleNodeID, hash: [UInt8])] = []
            accumulator.appendNodes(leafHash: leafHash) { rows.append(($0, $1)) }
            #expect(rows.map(\.node) == expected.map(\.node), "leaf \(i)")
            #expect(rows.map(\.hash) == expected.map(\.hash), "leaf \(i)")
            tree.append(leafHash: leafHash)
        }
    }

    @Test func resumesFromStoredRootNodes() throws {
        let total = 130
        let tree = InMemoryMerkleTree(leafData: (0..<total).map(record))
        for size in Int64(0)...Int64(total) {
            let hashes = try tree.hashes(of: MerkleTree.rootNodes(size: size))
            var resumed = try MerkleAccumulator(size: size, rootNodeHashes: hashes)
            #expect(resumed.root == (try tree.root(size: size)))
            for i in Int(size)..<total { resumed.append(leafData: record(i)) }
            #expect(resumed.size == Int64(total))
            #expect(resumed.root == tree.root, "resumed at \(size)")
        }
    }

    @Test func resumesFromAnotherAccumulator() throws {
        var first = MerkleAccumulator()
        var whole = MerkleAccumulator()
        for i in 0..<1000 {
            whole.append(leafData: record(i))
            if i < 777 { first.append(leafData: record(i)) }
        }
        var resumed = try MerkleAccumulator(size: first.size, rootNodeHashes: first.rootNodeHashes)
        #expect(resumed == first)
        for i in 777..<1000 { resumed.append(leafData: record(i)) }
        #expect(resumed == whole)
    }

    /// An auditor holding a checkpoint of size 5 checks that a delta of three records gives the
    /// log's new checkpoint.
    @Test func deltaExtendsKnownCheckpoint() throws {
        let log = InMemoryMerkleTree(leafData: (0..<8).map(record))
        let oldRoot = try log.root(size: 5)
        // The log serves the old tree's root-node hashes; the auditor checks them against the
        // root it trusts before going on.
        var auditor = try MerkleAccumulator(size: 5, rootNodeHashes: log.hashes(of: MerkleTree.rootNodes(size: 5)))
        #expect(auditor.root == oldRoot)
        for i in 5..<8 { auditor.append(leafData: record(i)) }
        #expect(auditor.root == log.root)
        // A different delta does not.
        var forged = try MerkleAccumulator(size: 5, rootNodeHashes: log.hashes(of: MerkleTree.rootNodes(size: 5)))
        for i in [5, 6, 99] { forged.append(leafData: record(i)) }
        #expect(forged.root != log.root)
    }

    @Test func rejectsInconsistentState() {
        let hash = MerkleHash.leaf(record(0))
        #expect(throws: MerkleTreeError.self) { try MerkleAccumulator(size: 3, rootNodeHashes: [hash]) }
        #expect(throws: MerkleTreeError.self) { try MerkleAccumulator(size: 2, rootNodeHashes: [hash, hash]) }
        #expect(throws: MerkleTreeError.self) { try MerkleAccumulator(size: 1, rootNodeHashes: [[1, 2, 3]]) }
        #expect(throws: MerkleTreeError.self) { try MerkleAccumulator(size: -1, rootNodeHashes: []) }
        #expect((try? MerkleAccumulator(size: 0, rootNodeHashes: [])) == MerkleAccumulator())
    }
}
