import Testing
import TransparencyLog

/// Proofs through the upper-node cache are the proofs read without it, and once the upper
/// levels have been read, only the lower ones are read again.
@Suite struct MerkleNodeCacheTests {
    @Test func proofsThroughTheCacheAreTheSameAndReadOnlyTheLowerLevelsAgain() throws {
        let size: Int64 = 1000
        let tree = InMemoryMerkleTree(leafData: (0..<Int(size)).map(record))
        let cache = MerkleNodeCache(lowestLevel: 4)
        for (index, older) in [(3, 17), (500, 600), (999, 999), (0, 1), (777, 998)] as [(Int64, Int64)] {
            let direct = try MerkleTree.inclusionProof(index: index, size: size, reader: tree)
            #expect(try MerkleTree.inclusionProof(index: index, size: size, reader: cache.reading(through: tree)) == direct)
            let consistency = try MerkleTree.consistencyProof(from: older, to: size, reader: tree)
            #expect(try MerkleTree.consistencyProof(from: older, to: size, reader: cache.reading(through: tree)) == consistency)
        }
        // A leaf's proof asked again: its upper nodes come from memory, the lower ones from the
        // tree (four siblings below level 4, and the right edge's one subtree of 8 leaves).
        let first = CountingReader(tree, limit: size)
        let proof = try MerkleTree.inclusionProof(index: 250, size: size, reader: cache.reading(through: first))
        let again = CountingReader(tree, limit: size)
        #expect(try MerkleTree.inclusionProof(index: 250, size: size, reader: cache.reading(through: again)) == proof)
        #expect(proof == (try MerkleTree.inclusionProof(index: 250, size: size, reader: tree)))
        #expect(again.nodesRequested <= 5 && again.nodesRequested < first.nodesRequested, "\(first.nodesRequested) then \(again.nodesRequested)")
        // Only the upper levels are kept: at most the nodes of levels 4 and up of 1,000 leaves.
        #expect(cache.count > 0 && cache.count <= 62 + 31 + 15 + 7 + 3 + 1)
    }
}
