import Synchronization

/// Look-ups of the name index that brought back their whole limit, kept for the next query
/// that asks the same.
///
/// Such an answer never changes: a look-up brings back the first names that hold its text in
/// the order the index keeps them (the revisions' ids, oldest first), and names are only ever
/// added, each with an id above every other. A full answer is the oldest names that hold the
/// text, and no later registration can be older. Most of them hold a text thousands of names
/// hold (`泥有限公司`, the half of a query that is trade and legal form; a region's two
/// characters), whose look-up reads a large part of the index: at a million files it was most
/// of an exact-name query's time. Answers that fell short of their limit are not kept: the
/// next registration may add to them.
///
/// ```swift
/// let crowded = CrowdedNameProbes()
/// let hits = try reader.names(containing: "有限公司", limit: 300, crowded: crowded)  // read from the index
/// let again = try reader.names(containing: "有限公司", limit: 300, crowded: crowded) // from memory
/// ```
public final class CrowdedNameProbes: Sendable {
    /// Answers kept at most (of up to 300 names each, about 24 KB: 6 MB in all); all are dropped when full.
    public static let capacity = 256
    private let answers = Mutex<[String: [NameHit]]>([:])

    public init() {}

    /// How many answers are kept.
    public var count: Int { answers.withLock { $0.count } }

    /// The kept answer to `key` cut to `limit`, else `lookUp()`'s, kept when it is full.
    func answer(_ key: String, limit: Int, _ lookUp: () throws -> [NameHit]) throws -> [NameHit] {
        if let kept = answers.withLock({ $0[key] }), kept.count >= limit { return Array(kept.prefix(limit)) }
        let found = try lookUp()
        if found.count >= limit {
            answers.withLock { answers in
                if answers.count >= Self.capacity { answers.removeAll(keepingCapacity: true) }
                answers[key] = found
            }
        }
        return found
    }
}
