/// A bank's named list of codes to follow: what the registry and the client agree on.
public enum WatchList {
    /// The most codes one bank's watch lists hold together (the client refuses a larger `set`
    /// before sending).
    public static let maximumCodes = 1_000_000
    /// The most lists one bank keeps: empty lists hold no codes, and must not be a way to grow
    /// the database without end either.
    public static let maximumLists = 1_000

    /// Whether a file holding `codes` is followed by what is watched: one of its codes is
    /// watched, or, for a legacy file (no USCC), a watched USCC embeds one of them, as such a
    /// USCC finds that file. The one rule for a watch list (asked of the store) and for a feed
    /// of codes (asked of a set).
    public static func follows(
        fileCodes codes: [String], watched: (String) throws -> Bool, aWatchedUSCCEmbeds: (String) throws -> Bool
    ) rethrows -> Bool {
        if try codes.contains(where: watched) { return true }
        guard !codes.contains(where: { $0.count == USCC.length }) else { return false }
        return try codes.contains(where: aWatchedUSCCEmbeds)
    }
}
