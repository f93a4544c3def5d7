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
/// older one. Exports of the same tree are ordered by creation time, then name.
enum ExportDirectoryListing {
    struct Export {
        let name: String
        let manifest: ExportManifest
    }

    static func exports(in directory: Int32, path: String) throws(ExportError) -> [Export] {
        var exports: [Export] = []
        for name in try FileSystem.names(in: directory, path: path)
        where ExportFormat.isValidExportName(name) && FileSystem.type(of: name, in: directory) == .directory {
            let exportDirectory = openat(directory, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW)
            guard exportDirectory >= 0 else { continue }
            defer { close(exportDirectory) }
            // A directory whose MANIFEST is missing or broken is not known to be ours: left alone.
            guard let manifest = try? PreviousExport.readManifest(in: exportDirectory, path: FileSystem.join(path, name))
            else { continue }
            exports.append(Export(name: name, manifest: manifest))
        }
        // RFC 3339 UTC timestamps of one width sort as text in time order.
        return exports.sorted { a, b in
            if a.manifest.treeSize != b.manifest.treeSize { return a.manifest.treeSize < b.manifest.treeSize }
            if a.manifest.created != b.manifest.created {
                return a.manifest.created.utf8.lexicographicallyPrecedes(b.manifest.created.utf8)
            }
            return a.name.utf8.lexicographicallyPrecedes(b.name.utf8)
        }
    }

    /// The temporary directories this module makes, `.qcredit-export-….partial` and `….deleting`.
    static func isTemporaryName(_ name: String) -> Bool {
        guard name.hasPrefix("." + ExportFormat.namePrefix) else { return false }
        for suffix in [".partial", ".deleting"] where name.hasSuffix(suffix) {
            return ExportFormat.isValidExportName(String(name.dropFirst().dropLast(suffix.count)))
        }
        return false
    }
}
