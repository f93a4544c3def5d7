import GRDB

extension RegistryReader {
    /// The newest time (seconds since the epoch) among the last `window` writes the audit trail
    /// recorded, or nil when it holds none: a wall clock now behind it was set back. The window
    /// keeps the look-up to the trail's end at start, not a scan of every write ever made.
    public func newestWriteTime(window: Int = 100_000) throws -> Int64? {
        try Int64.fetchOne(
            db.cachedStatement(sql: "SELECT max(at) FROM (SELECT at FROM audit_entry ORDER BY id DESC LIMIT ?)"),
            arguments: [window])
    }
}
