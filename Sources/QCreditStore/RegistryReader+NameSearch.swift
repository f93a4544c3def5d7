import GRDB

/// A name a credit file carries or carried, as the name indexes find it.
public struct NameHit: Sendable, Hashable {
    public var enterpriseId: Int64
    public var name: String

    public init(enterpriseId: Int64, name: String) {
        self.enterpriseId = enterpriseId
        self.name = name
    }
}

extension RegistryReader {
    /// Names equal to `prefix` or starting with it (byte for byte), in name order: an exact
    /// name comes first. Served by the plain index on names, so it also answers queries too
    /// short for trigrams.
    public func names(startingWith prefix: String, limit: Int) throws -> [NameHit] {
        try rows(
            """
            SELECT DISTINCT enterprise_id, name FROM enterprise_revision
            WHERE name >= ? AND name < ? ORDER BY name LIMIT ?
            """,
            [prefix, prefix + "\u{10FFFF}", limit]
        ).map { NameHit(enterpriseId: $0["enterprise_id"], name: $0["name"]) }
    }

    /// Names containing `text` (three characters or more; case-insensitive), from the trigram
    /// index, at most `limit` of them.
    public func names(containing text: String, limit: Int) throws -> [NameHit] {
        let phrase = "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        return try rows(
            "SELECT enterprise_id, name FROM enterprise_name_search WHERE enterprise_name_search MATCH ? LIMIT ?",
            [phrase, limit]
        ).map { NameHit(enterpriseId: $0["enterprise_id"], name: $0["name"]) }
    }
}
