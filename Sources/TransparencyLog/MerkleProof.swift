/// Verification of RFC 6962 proofs, as RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2
/// (consistency) specify it: the proof is folded while shifting the bits of the index and of
/// the last index (`fn`, `sn`), which says at each step whether the proof hash is a left or a
/// right sibling.
///
/// The proof's length is checked up front against the one the index and sizes determine, so a
/// wrong-length proof fails with ``MerkleProofError/wrongProofLength(expected:actual:)`` before
/// anything is hashed.
///
/// ```swift
/// let tree = InMemoryMerkleTree()
/// for record in ["a", "b", "c", "d", "e"] { tree.append(leafData: Array(record.utf8)) }
/// let proof = try MerkleTree.inclusionProof(index: 4, size: 5, reader: tree)
/// try MerkleProof.verifyInclusion(
///     leafHash: MerkleHash.leaf(Array("e".utf8)), index: 4, treeSize: 5, proof: proof, root: tree.root)
///
/// // Another leaf, or a tampered proof, fails with a typed error.
/// do {
///     try MerkleProof.verifyInclusion(
///         leafHash: MerkleHash.leaf(Array("x".utf8)), index: 4, treeSize: 5, proof: proof, root: tree.root)
/// } catch .rootMismatch {
///     // not in the log at index 4
/// }
/// ```
public enum MerkleProof {
    /// Checks that `proof` proves the leaf with `leafHash` is at `index` in the tree of
    /// `treeSize` leaves whose root is `root` (RFC 9162 §2.1.3.2).
    public static func verifyInclusion(
        leafHash: [UInt8], index: Int64, treeSize: Int64, proof: [[UInt8]], root: [UInt8]
    ) throws(MerkleProofError) {
        let computed = try rootFromInclusionProof(leafHash: leafHash, index: index, treeSize: treeSize, proof: proof)
        guard root.count == MerkleHash.size else { throw .invalidRootHash(byteCount: root.count) }
        guard computed == root else { throw .rootMismatch }
    }

    /// The root an inclusion proof leads to: the tree's root if the proof is right. A verifier
    /// that checks the root itself (say, against several checkpoints) uses this.
    public static func rootFromInclusionProof(
        leafHash: [UInt8], index: Int64, treeSize: Int64, proof: [[UInt8]]
    ) throws(MerkleProofError) -> [UInt8] {
        guard treeSize >= 0 else { throw .invalidTreeSize(treeSize) }
        guard index >= 0 && index < treeSize else { throw .indexOutOfRange(index: index, treeSize: treeSize) }
        guard leafHash.count == MerkleHash.size else { throw .invalidLeafHash(byteCount: leafHash.count) }
        let expected = inclusionProofLength(index: index, treeSize: treeSize)
        guard proof.count == expected else { throw .wrongProofLength(expected: expected, actual: proof.count) }
        try checkHashSizes(proof)

        var fn = UInt64(index)
        var sn = UInt64(treeSize - 1)
        var r = leafHash
        for p in proof {
            guard sn != 0 else { throw .wrongProofLength(expected: expected, actual: proof.count) }
            if fn & 1 == 1 || fn == sn {
                r = MerkleHash.node(p, r)
                // The rest of this level's path is the right edge: skip the levels where the
                // node has no right sibling.
                while fn & 1 == 0 && fn != 0 {
                    fn >>= 1
                    sn >>= 1
                }
            } else {
                r = MerkleHash.node(r, p)
            }
            fn >>= 1
            sn >>= 1
        }
        guard sn == 0 else { throw .wrongProofLength(expected: expected, actual: proof.count) }
        return r
    }

    /// Checks that `proof` proves the tree of `oldSize` leaves with root `oldRoot` is a prefix of
    /// the tree of `newSize` leaves with root `newRoot` (RFC 9162 §2.1.4.2).
    ///
    /// Equal sizes need an empty proof and byte-identical roots (two roots for one size are
    /// ``MerkleProofError/differentRootsForSameSize``, a split view); an old size of 0 is
    /// rejected, as RFC 9162 defines consistency proofs only from a non-empty tree.
    public static func verifyConsistency(
        oldSize: Int64, newSize: Int64, oldRoot: [UInt8], newRoot: [UInt8], proof: [[UInt8]]
    ) throws(MerkleProofError) {
        guard oldSize >= 0 else { throw .invalidTreeSize(oldSize) }
        guard newSize >= 0 else { throw .invalidTreeSize(newSize) }
        guard oldSize <= newSize else { throw .sizesReversed(oldSize: oldSize, newSize: newSize) }
        guard oldSize > 0 else { throw .emptyOldTree }
        if oldSize == newSize {
            guard proof.isEmpty else { throw .wrongProofLength(expected: 0, actual: proof.count) }
            guard oldRoot == newRoot else { throw .differentRootsForSameSize }
            return
        }
        guard oldRoot.count == MerkleHash.size else { throw .invalidRootHash(byteCount: oldRoot.count) }
        guard newRoot.count == MerkleHash.size else { throw .invalidRootHash(byteCount: newRoot.count) }
        let expected = consistencyProofLength(oldSize: oldSize, newSize: newSize)
        guard proof.count == expected else { throw .wrongProofLength(expected: expected, actual: proof.count) }
        try checkHashSizes(proof)

        // The old tree's largest perfect subtree ending at oldSize starts the fold; when oldSize
        // is a power of two that subtree is the old root, which the proof leaves out.
        var path = proof
        if oldSize & (oldSize - 1) == 0 { path.insert(oldRoot, at: 0) }
        var fn = UInt64(oldSize - 1)
        var sn = UInt64(newSize - 1)
        while fn & 1 == 1 {
            fn >>= 1
            sn >>= 1
        }
        var fr = path[0]
        var sr = path[0]
        for c in path.dropFirst() {
            guard sn != 0 else { throw .wrongProofLength(expected: expected, actual: proof.count) }
            if fn & 1 == 1 || fn == sn {
                fr = MerkleHash.node(c, fr)
                sr = MerkleHash.node(c, sr)
                while fn & 1 == 0 && fn != 0 {
                    fn >>= 1
                    sn >>= 1
                }
            } else {
                sr = MerkleHash.node(sr, c)
            }
            fn >>= 1
            sn >>= 1
        }
        guard sn == 0 else { throw .wrongProofLength(expected: expected, actual: proof.count) }
        guard fr == oldRoot else { throw .oldRootMismatch }
        guard sr == newRoot else { throw .newRootMismatch }
    }

    /// The length of PATH(index, D[0:treeSize]): one hash per level below the point where the
    /// leaf's ancestors join the right edge, then one per left sibling on the right edge.
    static func inclusionProofLength(index: Int64, treeSize: Int64) -> Int {
        pathLength(node: UInt64(index), last: UInt64(treeSize - 1))
    }

    /// The length of PROOF(oldSize, D[0:newSize]) for 0 < oldSize < newSize: the path of the
    /// largest perfect subtree ending at oldSize, plus that subtree unless it is the old root.
    static func consistencyProofLength(oldSize: Int64, newSize: Int64) -> Int {
        let level = oldSize.trailingZeroBitCount
        let node = UInt64(oldSize - 1) >> level
        return pathLength(node: node, last: UInt64(newSize - 1) >> level) + (node == 0 ? 0 : 1)
    }

    private static func pathLength(node: UInt64, last: UInt64) -> Int {
        let split = UInt64.bitWidth - (node ^ last).leadingZeroBitCount
        return split + (last >> split).nonzeroBitCount
    }

    private static func checkHashSizes(_ proof: [[UInt8]]) throws(MerkleProofError) {
        for (position, hash) in proof.enumerated() where hash.count != MerkleHash.size {
            throw .invalidProofHash(position: position, byteCount: hash.count)
        }
    }
}
