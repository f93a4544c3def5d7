import Testing
import TransparencyLog

/// Proofs built from stored nodes: equal to the RFC's recursive definitions, verifying with
/// `MerkleProof`, using only the tree's own nodes, and reading O(log n) of them in one call.
@Suite struct MerkleProofGenerationTests {
    static let smallSize: Int64 = 70

    /// The generous bound asked of a proof's reads.
    static func readBound(_ n: Int64) -> Int { 3 * ceilLog2(n) + 3 }
    /// The tight bounds (`readCountsAreTight` shows they are reached): PATH reads at most
    /// 2·⌈log2 n⌉ − 2 nodes (1 for n = 2), PROOF at most 2·⌈log2 n⌉ − 1.
    static func inclusionReadBound(_ n: Int64) -> Int { max(2 * ceilLog2(n) - 2, ceilLog2(n)) }
    static func consistencyReadBound(_ n: Int64) -> Int { max(2 * ceilLog2(n) - 1, 0) }

    @Test func everyInclusionProofInSmallTrees() throws {
        let tree = InMemoryMerkleTree(leafData: (0..<Int(Self.smallSize)).map(record))
        let leafHashes = (0..<Int(Self.smallSize)).map { MerkleHash.leaf(record($0)) }
        var maxReads = 0
        for size in 1...Self.smallSize {
            let root = try MerkleTree.root(size: size, reader: tree)
            #expect(root == NaiveRFC6962.mth(leafHashes[..<Int(size)]))
            for index in 0..<size {
                let reader = CountingReader(tree, limit: size)
                let proof = try MerkleTree.inclusionProof(index: index, size: size, reader: reader)
                #expect(proof == NaiveRFC6962.path(Int(index), leafHashes[..<Int(size)]), "PATH(\(index), \(size))")
                try MerkleProof.verifyInclusion(
                    leafHash: leafHashes[Int(index)], index: index, treeSize: size, proof: proof, root: root)
                #expect(reader.calls == (proof.isEmpty ? 0 : 1))
                #expect(reader.nodesRequested <= Self.readBound(size), "PATH(\(index), \(size))")
                #expect(reader.nodesRequested <= Self.inclusionReadBound(size), "PATH(\(index), \(size))")
                maxReads = max(maxReads, reader.nodesRequested)
            }
        }
        #expect(maxReads == 10)
    }

    @Test func everyConsistencyProofInSmallTrees() throws {
        let tree = InMemoryMerkleTree(leafData: (0..<Int(Self.smallSize)).map(record))
        let leafHashes = (0..<Int(Self.smallSize)).map { MerkleHash.leaf(record($0)) }
        let roots = try (0...Self.smallSize).map { try MerkleTree.root(size: $0, reader: tree) }
        var maxReads = 0
        for newSize in 1...Self.smallSize {
            for oldSize in 1...newSize {
                let reader = CountingReader(tree, limit: newSize)
                let proof = try MerkleTree.consistencyProof(from: oldSize, to: newSize, reader: reader)
                #expect(
                    proof == NaiveRFC6962.proof(Int(oldSize), leafHashes[..<Int(newSize)]),
                    "PROOF(\(oldSize), \(newSize))")
                try MerkleProof.verifyConsistency(
                    oldSize: oldSize, newSize: newSize, oldRoot: roots[Int(oldSize)], newRoot: roots[Int(newSize)],
                    proof: proof)
                #expect(reader.calls == (proof.isEmpty ? 0 : 1))
                #expect(reader.nodesRequested <= Self.readBound(newSize), "PROOF(\(oldSize), \(newSize))")
                #expect(reader.nodesRequested <= Self.consistencyReadBound(newSize), "PROOF(\(oldSize), \(newSize))")
                maxReads = max(maxReads, reader.nodesRequested)
            }
        }
        #expect(maxReads == 11)
    }

    @Test func rootReadsOneNodePerBitOfTheSize() throws {
        let tree = InMemoryMerkleTree(leafData: (0..<200).map(record))
        for size in Int64(1)...200 {
            let reader = CountingReader(tree, limit: size)
            _ = try MerkleTree.root(size: size, reader: reader)
            #expect(reader.calls == 1)
            #expect(reader.nodesRequested == size.nonzeroBitCount)
            #expect(reader.nodesRequested <= ceilLog2(size) + 1)
        }
    }

    /// Random sizes and indices in a tree of 100,000 leaves, against the streaming accumulator
    /// (and, for a few, the naive recursion over all leaves).
    @Test func randomProofsInALargeTree() throws {
        let total = 100_000
        let leafHashes = (0..<total).map { MerkleHash.leaf(record($0)) }
        let tree = InMemoryMerkleTree()
        for hash in leafHashes { tree.append(leafHash: hash) }

        var random = SplitMix64(state: 6962)
        var sizes: Set<Int64> = [1, 2, 3, 65_535, 65_536, 65_537, 99_999, Int64(total)]
        while sizes.count < 150 { sizes.insert(Int64.random(in: 1...Int64(total), using: &random)) }
        let sortedSizes = sizes.sorted()

        // The accumulator's root at each chosen size, from one streaming pass.
        var expectedRoots: [Int64: [UInt8]] = [:]
        var accumulator = MerkleAccumulator()
        for size in sortedSizes {
            while accumulator.size < size { accumulator.append(leafHash: leafHashes[Int(accumulator.size)]) }
            expectedRoots[size] = accumulator.root
        }
        for size in [Int64(1), 65_537, Int64(total)] {
            #expect(expectedRoots[size] == NaiveRFC6962.mth(leafHashes[..<Int(size)]))
        }

        var maxInclusionReads = 0
        var maxConsistencyReads = 0
        var maxRootReads = 0
        for (position, size) in sortedSizes.enumerated() {
            let root = try #require(expectedRoots[size])
            let rootReader = CountingReader(tree, limit: size)
            #expect(try MerkleTree.root(size: size, reader: rootReader) == root)
            #expect(rootReader.nodesRequested <= ceilLog2(size) + 1)
            maxRootReads = max(maxRootReads, rootReader.nodesRequested)

            for index in [0, size - 1, Int64.random(in: 0..<size, using: &random), Int64.random(in: 0..<size, using: &random)] {
                let reader = CountingReader(tree, limit: size)
                let proof = try MerkleTree.inclusionProof(index: index, size: size, reader: reader)
                try MerkleProof.verifyInclusion(
                    leafHash: leafHashes[Int(index)], index: index, treeSize: size, proof: proof, root: root)
                #expect(reader.calls <= 1 && reader.nodesRequested <= Self.inclusionReadBound(size))
                maxInclusionReads = max(maxInclusionReads, reader.nodesRequested)
            }
            // Consistency from every earlier chosen size, and from a few random ones.
            var oldSizes = Array(sortedSizes[..<position])
            oldSizes += [size, Int64.random(in: 1...size, using: &random)]
            for oldSize in oldSizes {
                let oldRoot = try MerkleTree.root(size: oldSize, reader: tree)
                let reader = CountingReader(tree, limit: size)
                let proof = try MerkleTree.consistencyProof(from: oldSize, to: size, reader: reader)
                try MerkleProof.verifyConsistency(
                    oldSize: oldSize, newSize: size, oldRoot: oldRoot, newRoot: root, proof: proof)
                #expect(reader.calls <= 1 && reader.nodesRequested <= Self.consistencyReadBound(size))
                maxConsistencyReads = max(maxConsistencyReads, reader.nodesRequested)
            }
        }
        // The naive recursion for a few proofs in the full tree.
        for index in [0, 12_345, 65_536, total - 1] {
            let proof = try MerkleTree.inclusionProof(index: Int64(index), size: Int64(total), reader: tree)
            #expect(proof == NaiveRFC6962.path(index, leafHashes[...]))
        }
        for oldSize in [1, 3, 65_536, 77_777] {
            let proof = try MerkleTree.consistencyProof(from: Int64(oldSize), to: Int64(total), reader: tree)
            #expect(proof == NaiveRFC6962.proof(oldSize, leafHashes[...]))
        }
        // ⌈log2 100,000⌉ = 17; the random sample reaches 16, 30 and 31 reads.
        #expect(maxRootReads <= 18 && maxInclusionReads <= 32 && maxConsistencyReads <= 33)
    }

    /// Every proof in every tree of up to 256 leaves, counting reads only (the reader answers
    /// zeros): the tight bounds hold, and each is reached for each ⌈log2 n⌉.
    @Test func readCountsAreTight() throws {
        final class ZeroReader: MerkleNodeReader {
            var count = 0
            func hashes(of nodes: [MerkleNodeID]) throws -> [[UInt8]] {
                count += nodes.count
                return nodes.map { _ in [UInt8](repeating: 0, count: 32) }
            }
        }
        var maxInclusion = [Int](repeating: 0, count: 9)
        var maxConsistency = [Int](repeating: 0, count: 9)
        for size in Int64(1)...256 {
            let log = ceilLog2(size)
            for index in 0..<size {
                let inclusion = ZeroReader()
                _ = try MerkleTree.inclusionProof(index: index, size: size, reader: inclusion)
                #expect(inclusion.count <= Self.inclusionReadBound(size))
                maxInclusion[log] = max(maxInclusion[log], inclusion.count)
                let consistency = ZeroReader()
                _ = try MerkleTree.consistencyProof(from: index + 1, to: size, reader: consistency)
                #expect(consistency.count <= Self.consistencyReadBound(size))
                maxConsistency[log] = max(maxConsistency[log], consistency.count)
            }
        }
        #expect(maxInclusion == [0, 1, 2, 4, 6, 8, 10, 12, 14])
        #expect(maxConsistency == [0, 1, 3, 5, 7, 9, 11, 13, 15])
    }

    @Test func invalidRequests() throws {
        let tree = InMemoryMerkleTree(leafData: (0..<5).map(record))
        #expect(throws: MerkleTreeError.self) { try MerkleTree.inclusionProof(index: 5, size: 5, reader: tree) }
        #expect(throws: MerkleTreeError.self) { try MerkleTree.inclusionProof(index: -1, size: 5, reader: tree) }
        #expect(throws: MerkleTreeError.self) { try MerkleTree.inclusionProof(index: 0, size: 0, reader: tree) }
        #expect(throws: MerkleTreeError.self) { try MerkleTree.consistencyProof(from: 4, to: 3, reader: tree) }
        #expect(throws: MerkleTreeError.self) { try MerkleTree.consistencyProof(from: 0, to: 3, reader: tree) }
        #expect(throws: MerkleTreeError.self) { try MerkleTree.root(size: -1, reader: tree) }
        #expect(try MerkleTree.consistencyProof(from: 3, to: 3, reader: tree) == [])

        // Beyond what is stored: the reader's error comes back wrapped.
        do {
            _ = try MerkleTree.inclusionProof(index: 2, size: 9, reader: tree)
            Issue.record("a proof over missing nodes succeeded")
        } catch {
            guard case .storage(let underlying) = error else { Issue.record("\(error)"); return }
            #expect(underlying is InMemoryMerkleTree.MissingNode)
        }
        #expect(throws: MerkleTreeError.self) { try tree.root(size: 6) }
    }

    @Test func misbehavingReaders() {
        struct ShortReader: MerkleNodeReader {
            func hashes(of nodes: [MerkleNodeID]) throws -> [[UInt8]] { nodes.dropLast().map { _ in MerkleHash.empty } }
        }
        struct TruncatingReader: MerkleNodeReader {
            func hashes(of nodes: [MerkleNodeID]) throws -> [[UInt8]] { nodes.map { _ in [1, 2, 3] } }
        }
        do {
            _ = try MerkleTree.root(size: 7, reader: ShortReader())
            Issue.record("a short answer was accepted")
        } catch {
            guard case .readerReturnedWrongCount(expected: 3, actual: 2) = error else { Issue.record("\(error)"); return }
        }
        do {
            _ = try MerkleTree.inclusionProof(index: 0, size: 2, reader: TruncatingReader())
            Issue.record("a 3-byte hash was accepted")
        } catch {
            guard case .invalidStoredHash(.leaf(1), byteCount: 3) = error else { Issue.record("\(error)"); return }
        }
    }
}
