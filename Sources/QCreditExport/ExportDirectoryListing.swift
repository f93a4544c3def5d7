#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The complete exports in an exports directory: directories (not symbolic links) whose names
/// are valid export names and whose MANIFEST parses, oldest first.
///
/// Age is the log's, not the clock's: a larger tree is newer, whatever `# created` says, so a
/// clock stepped back can never make pruning delete the newest export or a delta start from an
/// older one.
enum ExportDirectoryListing {
    struct Export {
        let name: String
        let manifest: ExportManifest
    }

    /// The directories named as exports whose MANIFEST is missing or does not parse, with why:
    /// exports are renamed into place whole, so such a directory was altered (or is not ours).
    static func unreadable(in directory: Int32, path: String) throws(ExportError) -> [(name: String, problem: String)] {
        try scan(directory, path: path).unreadable.sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
    }

    /// Every directory named as an export: those whose MANIFEST parses, and the others with why.
    private static func scan(_ directory: Int32, path: String) throws(ExportError)
        -> (exports: [Export], unreadable: [(name: String, problem: String)])
    {
        var exports: [Export] = []
        var unreadable: [(name: String, problem: String)] = []
        for name in try FileSystem.names(in: directory, path: path)
        where ExportFormat.isValidExportName(name) && FileSystem.type(of: name, in: directory) == .directory {
            let exportDirectory = openat(directory, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW)
            guard exportDirectory >= 0 else {
                unreadable.append((name, "cannot be opened: \(String(cString: strerror(errno)))"))
                continue
            }
            defer { close(exportDirectory) }
            do {
                exports.append(
                    Export(name: name, manifest: try PreviousExport.readManifest(in: exportDirectory, path: FileSystem.join(path, name))))
            } catch {
                unreadable.append((name, "\(error)"))
            }
        }
        return (exports, unreadable)
    }

    /// The exports whose MANIFEST parses (a directory whose MANIFEST is missing or broken is not
    /// known to be ours, and is left out), oldest first.
    static func exports(in directory: Int32, path: String) throws(ExportError) -> [Export] {
        let exports = try scan(directory, path: path).exports
        // The log's order, not the clock's: each export covers the newest checkpoint, which only
        // grows, and extends the export before it. So a larger tree is newer, and of two with the
        // same tree (written within one second, say: "-delta" sorts before "-full" and "-delta-10"
        // before "-delta-9") the one extending a smaller tree came first. Only then the creation
        // time (RFC 3339 UTC of one width sorts as text), then the name.
        func order(_ export: Export) -> (Int64, Int64) { (export.manifest.treeSize, export.manifest.previous?.size ?? -1) }
        return exports.sorted { a, b in
            if order(a) != order(b) { return order(a) < order(b) }
            if a.manifest.created != b.manifest.created {
                return a.manifest.created.utf8.lexicographicallyPrecedes(b.manifest.created.utf8)
            }
            return a.name.utf8.lexicographicallyPrecedes(b.name.utf8)
        }
    }
}
