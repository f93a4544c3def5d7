/// Why a Merkle inclusion or consistency proof does not verify.
public enum MerkleProofError: Error, Hashable, CustomStringConvertible {
    /// A negative tree size.
    case invalidTreeSize(Int64)
    /// The leaf index is not below the tree size (or is negative).
    case indexOutOfRange(index: Int64, treeSize: Int64)
    /// The old tree is larger than the new one.
    case sizesReversed(oldSize: Int64, newSize: Int64)
    /// A consistency proof from the empty tree: RFC 9162 §2.1.4 defines them only for an old
    /// size of at least 1, and one proves nothing.
    case emptyOldTree
    /// The proof has a different number of hashes than the index and size(s) determine.
    case wrongProofLength(expected: Int, actual: Int)
    /// The leaf hash is not 32 bytes.
    case invalidLeafHash(byteCount: Int)
    /// Proof hash number `position` (from 0) is not 32 bytes.
    case invalidProofHash(position: Int, byteCount: Int)
    /// A root to check against is not 32 bytes.
    case invalidRootHash(byteCount: Int)
    /// The inclusion proof leads to a different root.
    case rootMismatch
    /// The consistency proof does not lead to the old root.
    case oldRootMismatch
    /// The consistency proof does not lead to the new root.
    case newRootMismatch
    /// Two different roots for the same tree size: the log has shown two views of itself.
    case differentRootsForSameSize

    public var description: String {
        switch self {
        case .invalidTreeSize(let size): "invalid tree size \(size)"
        case .indexOutOfRange(let index, let size): "leaf index \(index) is not in a tree of size \(size)"
        case .sizesReversed(let old, let new): "old size \(old) is larger than new size \(new)"
        case .emptyOldTree: "no consistency proof from the empty tree"
        case .wrongProofLength(let expected, let actual): "proof has \(actual) hash(es), expected \(expected)"
        case .invalidLeafHash(let count): "leaf hash has \(count) bytes, not 32"
        case .invalidProofHash(let position, let count): "proof hash \(position) has \(count) bytes, not 32"
        case .invalidRootHash(let count): "root hash has \(count) bytes, not 32"
        case .rootMismatch: "the inclusion proof does not lead to the root"
        case .oldRootMismatch: "the consistency proof does not lead to the old root"
        case .newRootMismatch: "the consistency proof does not lead to the new root"
        case .differentRootsForSameSize: "different roots for the same tree size"
        }
    }
}
