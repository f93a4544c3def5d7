import Testing
import TransparencyLog

/// The examples in the doc comments, so they stay true.
@Suite struct DocumentationExampleTests {
    @Test func merkleHashExample() {
        let a = MerkleHash.leaf(Array("a".utf8))
        let b = MerkleHash.leaf(Array("b".utf8))
        let root = MerkleHash.node(a, b)
        #expect(root == InMemoryMerkleTree(leafData: ["a", "b"].map { Array($0.utf8) }).root)
        #expect(MerkleHash.empty.count == 32)
    }

    @Test func merkleTreeExample() throws {
        let tree = InMemoryMerkleTree()
        for record in ["a", "b", "c"] { tree.append(leafData: Array(record.utf8)) }
        let root = try MerkleTree.root(size: 3, reader: tree)
        let proof = try MerkleTree.inclusionProof(index: 1, size: 3, reader: tree)
        try MerkleProof.verifyInclusion(
            leafHash: MerkleHash.leaf(Array("b".utf8)), index: 1, treeSize: 3, proof: proof, root: root)
        let consistency = try MerkleTree.consistencyProof(from: 2, to: 3, reader: tree)
        try MerkleProof.verifyConsistency(
            oldSize: 2, newSize: 3, oldRoot: try MerkleTree.root(size: 2, reader: tree), newRoot: root,
            proof: consistency)
    }

    @Test func merkleProofExample() throws {
        let tree = InMemoryMerkleTree()
        for record in ["a", "b", "c", "d", "e"] { tree.append(leafData: Array(record.utf8)) }
        let proof = try MerkleTree.inclusionProof(index: 4, size: 5, reader: tree)
        try MerkleProof.verifyInclusion(
            leafHash: MerkleHash.leaf(Array("e".utf8)), index: 4, treeSize: 5, proof: proof, root: tree.root)
        var caught = false
        do {
            try MerkleProof.verifyInclusion(
                leafHash: MerkleHash.leaf(Array("x".utf8)), index: 4, treeSize: 5, proof: proof, root: tree.root)
        } catch .rootMismatch {
            caught = true
        } catch {
            Issue.record("\(error)")
        }
        #expect(caught)
    }

    @Test func accumulatorExample() throws {
        var accumulator = MerkleAccumulator()
        for record in ["a", "b", "c"] { accumulator.append(leafHash: MerkleHash.leaf(Array(record.utf8))) }
        #expect(accumulator.size == 3)
        #expect(accumulator.root == InMemoryMerkleTree(leafData: ["a", "b", "c"].map { Array($0.utf8) }).root)
        var resumed = try MerkleAccumulator(size: 3, rootNodeHashes: accumulator.rootNodeHashes)
        resumed.append(leafHash: MerkleHash.leaf(Array("d".utf8)))
        #expect(resumed.root == InMemoryMerkleTree(leafData: ["a", "b", "c", "d"].map { Array($0.utf8) }).root)
    }

    @Test func inMemoryTreeExample() throws {
        let tree = InMemoryMerkleTree()
        tree.append(leafData: Array("first record".utf8))
        tree.append(leafData: Array("second record".utf8))
        let proof = try tree.inclusionProof(index: 0)
        #expect(proof == [MerkleHash.leaf(Array("second record".utf8))])
        #expect(tree.root == MerkleHash.node(MerkleHash.leaf(Array("first record".utf8)), proof[0]))
    }

    @Test func checkpointAndProofExample() throws {
        let tree = InMemoryMerkleTree(leafData: ["a", "b", "c"].map { Array($0.utf8) })
        let checkpoint = try Checkpoint(origin: "qcredit.example/log", size: tree.size, rootHash: tree.root)
        let text = checkpoint.text
        #expect(text.hasPrefix("qcredit.example/log\n3\n"))
        #expect(try Checkpoint(parsing: text) == checkpoint)

        let recordBytes = Array("b".utf8)
        let proofText = try TLogProof(
            index: 1, proof: tree.inclusionProof(index: 1), signedCheckpoint: text + "\n— qcredit.example/log sig\n"
        ).text
        let proof = try TLogProof(parsing: proofText)
        try proof.verifyInclusion(leafHash: MerkleHash.leaf(recordBytes))
    }
}
