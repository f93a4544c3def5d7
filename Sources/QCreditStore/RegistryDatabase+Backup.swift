import GRDB

extension RegistryDatabase {
    /// Copies the whole database to a new file at `path` with SQLite's online backup API: a
    /// consistent snapshot, taken while readers and the writer go on. Blocking: call it off any
    /// event loop.
    public func backup(to path: String) throws {
        let destination = try DatabaseQueue(path: path)
        try poolForBackup.backup(to: destination)
        try destination.close()
    }
}
