/// The stored nodes a root or proof needs, planned before anything is read so that the reader
/// is asked once: every output hash is one perfect subtree, or the fold of a run of them that
/// together cover an incomplete subtree at the right edge of the tree.
struct MerkleReadPlan {
    private(set) var nodes: [MerkleNodeID] = []
    /// For each output hash, how many consecutive entries of `nodes` fold into it.
    private var runLengths: [Int] = []

    /// An output hash that is one stored node.
    mutating func add(_ node: MerkleNodeID) {
        nodes.append(node)
        runLengths.append(1)
    }

    /// An output hash covering leaves `start..<end`, from its binary decomposition into perfect
    /// subtrees (largest first). `start` must be aligned to a power of two larger than the range,
    /// as every RFC 6962 subtree is, so each piece is a stored node.
    mutating func addRange(from start: Int64, to end: Int64) {
        precondition(start >= 0 && end > start, "empty leaf range \(start)..<\(end)")
        var position = start
        let count = end - start
        var pieces = 0
        for level in stride(from: Int64.bitWidth - 2, through: 0, by: -1) where (count >> level) & 1 == 1 {
            assert(position & ((1 << level) - 1) == 0, "unaligned subtree at leaf \(position)")
            nodes.append(MerkleNodeID(level: level, index: position >> level))
            position += 1 << level
            pieces += 1
        }
        runLengths.append(pieces)
    }

    /// The path from node (`level`, `index`) up to the root of a tree of `size` leaves: the
    /// sibling at each level where one exists, bottom-up (RFC 6962 PATH, generalised from leaves
    /// to nodes as SUBPROOF needs). Below the level where the node's ancestors meet the right
    /// edge of the tree every sibling is perfect; at that level the sibling is the right edge's
    /// incomplete subtree; above it, only left siblings exist, and they are perfect.
    mutating func addPath(level: Int, index: Int64, size: Int64) {
        let node = UInt64(index)
        let last = UInt64(size - 1) >> level  // the right edge's ancestor at `level`
        let split = UInt64.bitWidth - (node ^ last).leadingZeroBitCount
        for step in 0..<split {
            let siblingLevel = level + step
            let sibling = Int64((node >> step) ^ 1)
            if step < split - 1 {
                add(MerkleNodeID(level: siblingLevel, index: sibling))
            } else {
                addRange(from: sibling << siblingLevel, to: size)
            }
        }
        var edge = last >> split
        var edgeLevel = level + split
        while edge != 0 {
            if edge & 1 == 1 { add(MerkleNodeID(level: edgeLevel, index: Int64(edge - 1))) }
            edge >>= 1
            edgeLevel += 1
        }
    }

    /// Reads every planned node with one call and folds the runs into the output hashes.
    func execute(reader: some MerkleNodeReader) throws(MerkleTreeError) -> [[UInt8]] {
        guard !nodes.isEmpty else { return [] }
        let hashes: [[UInt8]]
        do {
            hashes = try reader.hashes(of: nodes)
        } catch {
            throw .storage(error)
        }
        guard hashes.count == nodes.count else {
            throw .readerReturnedWrongCount(expected: nodes.count, actual: hashes.count)
        }
        for (node, hash) in zip(nodes, hashes) where hash.count != MerkleHash.size {
            throw .invalidStoredHash(node, byteCount: hash.count)
        }
        var output: [[UInt8]] = []
        output.reserveCapacity(runLengths.count)
        var start = 0
        for length in runLengths {
            output.append(MerkleHash.foldFromRight(hashes[start..<(start + length)]))
            start += length
        }
        return output
    }
}
