#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The tree of an earlier export, which a delta extends: its origin, tree size and root, as its
/// MANIFEST states them.
///
/// They are not trusted blindly: the writer checks the source's consistency proof from this tree
/// to the new checkpoint, so a tampered MANIFEST (or a log rewritten since) makes it refuse.
///
/// ```swift
/// if let previous = try PreviousExport.latest(in: "/var/lib/qcredit/exports") {
///     // previous.treeSize, previous.rootHash: the next export is a delta from here
/// }
/// let named = try PreviousExport.read(directory: "/var/lib/qcredit/exports/qcredit-export-20261126T020000Z-full")
/// ```
public struct PreviousExport: Sendable, Hashable {
    public var origin: String
    public var treeSize: Int64
    /// 32 bytes.
    public var rootHash: [UInt8]
    /// The export's directory name, when read from one.
    public var name: String?
    /// The MANIFEST's `# created` time, when read from one.
    public var created: String?
    /// The MANIFEST's `# as-of` day (whose disclosure rules the public export applied), when
    /// read from one.
    public var asOf: String?

    public init(origin: String, treeSize: Int64, rootHash: [UInt8], name: String? = nil, created: String? = nil, asOf: String? = nil) {
        self.origin = origin
        self.treeSize = treeSize
        self.rootHash = rootHash
        self.name = name
        self.created = created
        self.asOf = asOf
    }

    /// The tree of the export in `directory`, from its MANIFEST.
    public static func read(directory: String) throws(ExportError) -> PreviousExport {
        let descriptor = try FileSystem.openDirectory(directory)
        defer { close(descriptor) }
        let manifest = try readManifest(in: descriptor, path: directory)
        let name = directory.split(separator: "/").last.map(String.init)
        return PreviousExport(
            origin: manifest.origin, treeSize: manifest.treeSize, rootHash: manifest.rootHash, name: name,
            created: manifest.created, asOf: manifest.asOf)
    }

    /// Every complete export in `exportsDirectory`, oldest first in the log's order (tree size,
    /// then the size of the tree each extends, then the MANIFEST's creation time, then name), so
    /// a clock stepped back cannot reorder them. Directories in progress or not made by this
    /// module are not included.
    public static func all(in exportsDirectory: String) throws(ExportError) -> [PreviousExport] {
        let descriptor = try FileSystem.openDirectory(exportsDirectory)
        defer { close(descriptor) }
        return try ExportDirectoryListing.exports(in: descriptor, path: exportsDirectory).map { export in
            PreviousExport(
                origin: export.manifest.origin, treeSize: export.manifest.treeSize, rootHash: export.manifest.rootHash,
                name: export.name, created: export.manifest.created, asOf: export.manifest.asOf)
        }
    }

    /// The directories in `exportsDirectory` named as exports whose MANIFEST is missing or
    /// does not parse, with why (not among ``all(in:)``).
    public static func unreadable(in exportsDirectory: String) throws(ExportError) -> [(name: String, problem: String)] {
        let descriptor = try FileSystem.openDirectory(exportsDirectory)
        defer { close(descriptor) }
        return try ExportDirectoryListing.unreadable(in: descriptor, path: exportsDirectory)
    }

    /// The newest complete export in `exportsDirectory` (the last of ``all(in:)``), or nil if
    /// there is none.
    public static func latest(in exportsDirectory: String) throws(ExportError) -> PreviousExport? {
        try all(in: exportsDirectory).last
    }

    /// The MANIFEST in an open export directory, parsed.
    static func readManifest(in directory: Int32, path: String) throws(ExportError) -> ExportManifest {
        let manifestPath = FileSystem.join(path, ExportFormat.manifestFile)
        guard
            let bytes = try FileSystem.readSmallFile(
                ExportFormat.manifestFile, in: directory, path: path, limit: ExportVerifier.manifestSizeLimit)
        else { throw .invalidManifest(path: manifestPath, reason: "missing, or not a regular file") }
        do {
            return try ExportManifest(parsing: bytes)
        } catch {
            throw .invalidManifest(path: manifestPath, reason: error.description)
        }
    }
}
