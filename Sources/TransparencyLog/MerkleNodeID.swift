/// A perfect subtree of the log: the node at `level` covering leaves
/// `[index << level, (index + 1) << level)`. Level 0 is a leaf; node `(1, 3)` covers leaves 6 and 7.
///
/// Only perfect subtrees have stable hashes (appending never changes them), so they are what
/// a store keeps. Ids order by level, then index.
///
/// ```swift
/// let node = MerkleNodeID(level: 2, index: 1)   // leaves 4..<8
/// node.leafRange                                // 4..<8
/// node.leftChild                                // (1, 2): leaves 4..<6
/// node.parent                                   // (3, 0): leaves 0..<16
/// ```
public struct MerkleNodeID: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The height above the leaves: the node covers `2^level` leaves (0 ... 62).
    public var level: Int
    /// The position among the nodes of its level, from 0 at the left.
    public var index: Int64

    /// A node inside the largest possible log (`Int64.max` leaves): level 0...62, and the
    /// node's leaves below `Int64.max`, so ``leafRange`` cannot overflow.
    public init(level: Int, index: Int64) {
        precondition(
            (0...62).contains(level) && index >= 0 && index < Int64.max >> level,
            "no such Merkle node (\(level), \(index))")
        self.level = level
        self.index = index
    }

    /// The leaf at `index`.
    public static func leaf(_ index: Int64) -> MerkleNodeID { MerkleNodeID(level: 0, index: index) }

    /// The first leaf the node covers.
    public var firstLeaf: Int64 { index << level }
    /// The number of leaves it covers, `2^level`.
    public var leafCount: Int64 { 1 << level }
    /// The leaves it covers.
    public var leafRange: Range<Int64> { firstLeaf..<(firstLeaf + leafCount) }

    public var leftChild: MerkleNodeID {
        precondition(level > 0, "a leaf has no children")
        return MerkleNodeID(level: level - 1, index: index << 1)
    }
    public var rightChild: MerkleNodeID {
        precondition(level > 0, "a leaf has no children")
        return MerkleNodeID(level: level - 1, index: index << 1 | 1)
    }
    public var parent: MerkleNodeID { MerkleNodeID(level: level + 1, index: index >> 1) }
    /// The other child of its parent.
    public var sibling: MerkleNodeID { MerkleNodeID(level: level, index: index ^ 1) }

    public static func < (a: MerkleNodeID, b: MerkleNodeID) -> Bool {
        (a.level, a.index) < (b.level, b.index)
    }

    public var description: String { "(\(level), \(index))" }
}
