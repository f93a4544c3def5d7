#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a status display shows of an export, from its MANIFEST: origin, kind, tree size and
/// creation time. The MANIFEST is parsed, not verified: use ``ExportVerifier`` to trust it.
///
/// ```swift
/// let summary = try ExportManifestSummary.read(directory: "/var/lib/qcredit/exports/qcredit-export-20261127T020000Z")
/// print("\(summary.kind) export of \(summary.treeSize) records, \(summary.created)")
/// ```
public struct ExportManifestSummary: Sendable, Hashable {
    public var origin: String
    /// `"full"` or `"delta"`, as the MANIFEST writes it (an ``ExportKind`` raw value).
    public var kind: String
    public var treeSize: Int64
    /// `YYYY-MM-DDTHH:MM:SSZ`.
    public var created: String

    public init(origin: String, kind: String, treeSize: Int64, created: String) {
        self.origin = origin
        self.kind = kind
        self.treeSize = treeSize
        self.created = created
    }

    /// The summary of the export in `directory`.
    public static func read(directory: String) throws(ExportError) -> ExportManifestSummary {
        let descriptor = try FileSystem.openDirectory(directory)
        defer { close(descriptor) }
        let manifest = try PreviousExport.readManifest(in: descriptor, path: directory)
        return ExportManifestSummary(
            origin: manifest.origin, kind: manifest.kind.rawValue, treeSize: manifest.treeSize, created: manifest.created)
    }
}
