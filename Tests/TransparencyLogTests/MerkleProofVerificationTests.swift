import Testing
import TransparencyLog

/// Verification failures, each with its typed error.
@Suite struct MerkleProofVerificationTests {
    let tree = InMemoryMerkleTree(leafData: (0..<13).map(record))

    func leaf(_ i: Int) -> [UInt8] { MerkleHash.leaf(record(i)) }

    @Test func inclusionErrors() throws {
        let proof = try tree.inclusionProof(index: 6, size: 13)
        let root = try tree.root(size: 13)
        func verify(
            leaf: [UInt8]? = nil, index: Int64 = 6, size: Int64 = 13, proof p: [[UInt8]]? = nil, root r: [UInt8]? = nil
        ) throws(MerkleProofError) {
            try MerkleProof.verifyInclusion(
                leafHash: leaf ?? self.leaf(6), index: index, treeSize: size, proof: p ?? proof, root: r ?? root)
        }
        try verify()
        #expect(throws: MerkleProofError.indexOutOfRange(index: 13, treeSize: 13)) { try verify(index: 13) }
        #expect(throws: MerkleProofError.indexOutOfRange(index: -1, treeSize: 13)) { try verify(index: -1) }
        #expect(throws: MerkleProofError.indexOutOfRange(index: 0, treeSize: 0)) { try verify(index: 0, size: 0) }
        #expect(throws: MerkleProofError.invalidTreeSize(-5)) { try verify(size: -5) }
        #expect(throws: MerkleProofError.wrongProofLength(expected: 4, actual: 3)) { try verify(proof: proof.dropLast()) }
        #expect(throws: MerkleProofError.wrongProofLength(expected: 4, actual: 5)) { try verify(proof: proof + [root]) }
        #expect(throws: MerkleProofError.wrongProofLength(expected: 2, actual: 4)) { try verify(index: 12) }
        #expect(throws: MerkleProofError.wrongProofLength(expected: 3, actual: 4)) { try verify(size: 8) }
        #expect(throws: MerkleProofError.rootMismatch) { try verify(leaf: leaf(7)) }
        #expect(throws: MerkleProofError.rootMismatch) { try verify(index: 7) }
        #expect(throws: MerkleProofError.rootMismatch) { try verify(root: try tree.root(size: 12)) }
        #expect(throws: MerkleProofError.invalidLeafHash(byteCount: 0)) { try verify(leaf: []) }
        #expect(throws: MerkleProofError.invalidRootHash(byteCount: 31)) { try verify(root: Array(root.dropLast())) }
        var short = proof
        short[2].removeLast()
        #expect(throws: MerkleProofError.invalidProofHash(position: 2, byteCount: 31)) { try verify(proof: short) }
        // Reordered hashes.
        #expect(throws: MerkleProofError.rootMismatch) { try verify(proof: [proof[1], proof[0]] + proof[2...]) }
    }

    /// Flipping any bit of any proof hash breaks every proof.
    @Test func everyBitMatters() throws {
        for size in Int64(1)...13 {
            let root = try tree.root(size: size)
            for index in 0..<size {
                let proof = try tree.inclusionProof(index: index, size: size)
                for position in proof.indices {
                    for byte in [0, 17, 31] {
                        var tampered = proof
                        tampered[position][byte] ^= 0x10
                        #expect(throws: MerkleProofError.rootMismatch) {
                            try MerkleProof.verifyInclusion(
                                leafHash: leaf(Int(index)), index: index, treeSize: size, proof: tampered, root: root)
                        }
                    }
                }
            }
            for oldSize in 1..<size {
                let proof = try tree.consistencyProof(from: oldSize, to: size)
                for position in proof.indices {
                    var tampered = proof
                    tampered[position][9] ^= 0x01
                    #expect(throws: MerkleProofError.self) {
                        try MerkleProof.verifyConsistency(
                            oldSize: oldSize, newSize: size, oldRoot: try tree.root(size: oldSize), newRoot: root,
                            proof: tampered)
                    }
                }
            }
        }
    }

    @Test func consistencyErrors() throws {
        let proof = try tree.consistencyProof(from: 6, to: 13)
        let old = try tree.root(size: 6)
        let new = try tree.root(size: 13)
        func verify(
            oldSize: Int64 = 6, newSize: Int64 = 13, oldRoot: [UInt8]? = nil, newRoot: [UInt8]? = nil, proof p: [[UInt8]]? = nil
        ) throws(MerkleProofError) {
            try MerkleProof.verifyConsistency(
                oldSize: oldSize, newSize: newSize, oldRoot: oldRoot ?? old, newRoot: newRoot ?? new, proof: p ?? proof)
        }
        try verify()
        #expect(throws: MerkleProofError.sizesReversed(oldSize: 13, newSize: 6)) { try verify(oldSize: 13, newSize: 6) }
        #expect(throws: MerkleProofError.emptyOldTree) { try verify(oldSize: 0, oldRoot: MerkleHash.empty, proof: []) }
        #expect(throws: MerkleProofError.invalidTreeSize(-1)) { try verify(oldSize: -1) }
        #expect(throws: MerkleProofError.wrongProofLength(expected: 4, actual: 3)) { try verify(proof: proof.dropLast()) }
        #expect(throws: MerkleProofError.wrongProofLength(expected: 4, actual: 0)) { try verify(proof: []) }
        #expect(throws: MerkleProofError.oldRootMismatch) { try verify(oldRoot: try tree.root(size: 5)) }
        #expect(throws: MerkleProofError.newRootMismatch) { try verify(newRoot: try tree.root(size: 12)) }
        #expect(throws: MerkleProofError.invalidRootHash(byteCount: 3)) { try verify(newRoot: [1, 2, 3]) }
        // Equal sizes: empty proof, identical roots; two roots for one size is a split view.
        try verify(oldSize: 13, oldRoot: new, proof: [])
        #expect(throws: MerkleProofError.differentRootsForSameSize) { try verify(oldSize: 13, proof: []) }
        #expect(throws: MerkleProofError.wrongProofLength(expected: 0, actual: 1)) {
            try verify(oldSize: 13, oldRoot: new, proof: [new])
        }
        // A power-of-two old size: the old root is not in the proof but starts the fold, so a
        // wrong one shows in the new root.
        let fromEight = try tree.consistencyProof(from: 8, to: 13)
        #expect(fromEight == [try MerkleTree.root(size: 5, reader: InMemoryMerkleTree(leafData: (8..<13).map(record)))])
        try verify(oldSize: 8, oldRoot: try tree.root(size: 8), proof: fromEight)
        #expect(throws: MerkleProofError.newRootMismatch) { try verify(oldSize: 8, oldRoot: old, proof: fromEight) }
    }
}
