/// A bank's named list of codes to follow: what the registry and the client agree on.
public enum WatchList {
    /// The most codes one bank's watch lists hold together (the client refuses a larger `set`
    /// before sending).
    public static let maximumCodes = 1_000_000
    /// The most lists one bank keeps: empty lists hold no codes, and must not be a way to grow
    /// the database without end either.
    public static let maximumLists = 1_000
}
