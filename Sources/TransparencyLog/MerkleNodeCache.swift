import Synchronization

/// The hashes of a log's upper nodes, kept once read.
///
/// Every inclusion or consistency proof reads one node per level, and the upper levels are the
/// same few nodes for every proof: at ten million leaves the levels from 10 up hold about
/// 20,000 nodes (under a megabyte of hashes) and serve 14 of a proof's 24 reads. A stored node
/// never changes (the log only appends, and a node is stored once its subtree is complete), so
/// a hash once read stays true and there is nothing to invalidate.
///
/// ```swift
/// let cache = MerkleNodeCache()
/// let proof = try MerkleTree.inclusionProof(index: 7, size: size, reader: cache.reading(through: nodes))
/// ```
public final class MerkleNodeCache: Sendable {
    /// Nodes at this level and above are kept.
    public let lowestLevel: Int
    private let hashes = Mutex<[MerkleNodeID: [UInt8]]>([:])

    public init(lowestLevel: Int = 10) {
        self.lowestLevel = lowestLevel
    }

    /// How many hashes are kept.
    public var count: Int { hashes.withLock { $0.count } }

    /// A reader that answers kept nodes from memory and reads the others through `base`,
    /// keeping the upper ones it reads. Use it only over committed, complete nodes (what a
    /// read transaction sees).
    public func reading<Base: MerkleNodeReader>(through base: Base) -> CachingMerkleNodeReader<Base> {
        CachingMerkleNodeReader(base: base, cache: self)
    }

    func lookUp(_ nodes: [MerkleNodeID]) -> [[UInt8]?] {
        hashes.withLock { kept in nodes.map { $0.level >= lowestLevel ? kept[$0] : nil } }
    }

    func keep(_ found: [(MerkleNodeID, [UInt8])]) {
        let upper = found.filter { $0.0.level >= lowestLevel }
        guard !upper.isEmpty else { return }
        hashes.withLock { kept in
            for (node, hash) in upper { kept[node] = hash }
        }
    }
}

/// A ``MerkleNodeReader`` in front of another, through a ``MerkleNodeCache``.
public struct CachingMerkleNodeReader<Base: MerkleNodeReader>: MerkleNodeReader {
    let base: Base
    let cache: MerkleNodeCache

    public func hashes(of nodes: [MerkleNodeID]) throws -> [[UInt8]] {
        var found = cache.lookUp(nodes)
        let missing = found.indices.filter { found[$0] == nil }
        guard !missing.isEmpty else { return found.map { $0! } }
        let read = try base.hashes(of: missing.map { nodes[$0] })
        for (position, hash) in zip(missing, read) { found[position] = hash }
        cache.keep(zip(missing.map { nodes[$0] }, read).map { ($0, $1) })
        return found.map { $0! }
    }
}
