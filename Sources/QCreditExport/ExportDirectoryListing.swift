#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The complete exports in an exports directory: directories (not symbolic links) whose names
/// are valid export names and whose MANIFEST parses, oldest first.
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
        // RFC 3339 UTC timestamps of one width sort as text in time order. Within one second the
        // larger tree is the later export (each covers the newest checkpoint, which only grows):
        // the names do not say, as "-delta" sorts before "-full" and "-delta-10" before "-delta-9".
        return exports.sorted { a, b in
            if a.manifest.created != b.manifest.created {
                return a.manifest.created.utf8.lexicographicallyPrecedes(b.manifest.created.utf8)
            }
            if a.manifest.treeSize != b.manifest.treeSize { return a.manifest.treeSize < b.manifest.treeSize }
            return a.name.utf8.lexicographicallyPrecedes(b.name.utf8)
        }
    }
}
