/// Where stored node hashes come from: the SQLite store, or ``InMemoryMerkleTree``.
///
/// `MerkleTree` plans every node a root or proof needs and asks for all of them in one call,
/// so a store can answer with one query (`WHERE (level, idx) IN (...)`).
///
/// ```swift
/// struct Store: MerkleNodeReader {
///     func hashes(of nodes: [MerkleNodeID]) throws -> [[UInt8]] {
///         // SELECT level, idx, hash FROM merkle_node WHERE ... ; answer in the order asked,
///         // throwing if one is missing.
///     }
/// }
/// ```
public protocol MerkleNodeReader {
    /// The hashes of `nodes`, in the same order (an id may repeat). Throws if one is not stored.
    func hashes(of nodes: [MerkleNodeID]) throws -> [[UInt8]]
}
