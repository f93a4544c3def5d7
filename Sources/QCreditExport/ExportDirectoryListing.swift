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
        // names do not say which came first ("-delta" sorts before "-full", "-delta-10" before
        // "-delta-9"), the trees do: each export covers the newest checkpoint, which only grows,
        // and extends the export before it, so of two with the same tree the one that extends a
        // smaller tree came first.
        func order(_ export: Export) -> (Int64, Int64) { (export.manifest.treeSize, export.manifest.previous?.size ?? -1) }
        return exports.sorted { a, b in
            if a.manifest.created != b.manifest.created {
                return a.manifest.created.utf8.lexicographicallyPrecedes(b.manifest.created.utf8)
            }
            if order(a) != order(b) { return order(a) < order(b) }
            return a.name.utf8.lexicographicallyPrecedes(b.name.utf8)
        }
    }
}
