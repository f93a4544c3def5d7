import QCreditCrypto

/// The hashes of an RFC 6962 §2.1 (RFC 9162 §2.1.1) Merkle tree over SHA-256.
///
/// Leaves and interior nodes are hashed with different one-byte prefixes so that no leaf can
/// be passed off as an interior node (second-preimage resistance):
///
/// ```swift
/// let a = MerkleHash.leaf(Array("a".utf8))   // SHA-256(0x00 || "a")
/// let b = MerkleHash.leaf(Array("b".utf8))
/// let root = MerkleHash.node(a, b)            // SHA-256(0x01 || a || b): the root of a 2-leaf tree
/// MerkleHash.empty                            // SHA-256(""): the root of the empty tree
/// ```
public enum MerkleHash {
    /// The size of every hash in the tree.
    public static let size = 32

    /// The hash of the empty tree, `SHA-256("")`.
    public static let empty: [UInt8] = Digest.sha256([UInt8]())

    /// A leaf's hash, `SHA-256(0x00 || data)`, over the record's exact bytes.
    public static func leaf(_ data: some Collection<UInt8>) -> [UInt8] {
        var input: [UInt8] = []
        input.reserveCapacity(1 + data.count)
        input.append(0x00)
        input.append(contentsOf: data)
        return Digest.sha256(input)
    }

    /// An interior node's hash, `SHA-256(0x01 || left || right)`.
    public static func node(_ left: [UInt8], _ right: [UInt8]) -> [UInt8] {
        var input: [UInt8] = []
        input.reserveCapacity(1 + left.count + right.count)
        input.append(0x01)
        input.append(contentsOf: left)
        input.append(contentsOf: right)
        return Digest.sha256(input)
    }

    /// The hash of the subtree made of `hashes` (perfect subtrees, left to right, each at least
    /// twice as large as the next, as in a binary decomposition): folded from the right, as
    /// RFC 6962 pairs a left subtree with everything to its right.
    static func foldFromRight(_ hashes: ArraySlice<[UInt8]>) -> [UInt8] {
        guard var result = hashes.last else { return empty }
        for hash in hashes.dropLast().reversed() {
            result = node(hash, result)
        }
        return result
    }
}
