#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension ExportWriter {
    /// Deletes the oldest exports in `exportsDirectory` beyond the newest `retain`; returns the
    /// names of the directories removed: leftover temporary directories first, then the exports,
    /// oldest first.
    ///
    /// Only complete exports this module made are counted and deleted: directories (not
    /// symbolic links) with a valid export name (``ExportFormat/isValidExportName(_:)``) whose
    /// MANIFEST parses; oldest first as ``PreviousExport/all(in:)`` orders them. Each is first
    /// renamed to `.<name>.deleting`, so that a half-deleted export never looks complete.
    /// Prune takes the same lock as ``write(source:keys:into:name:kind:previous:created:)``, so an
    /// export in progress is never touched; temporary directories left by a crashed writer or
    /// prune (`.<name>.partial`, `.<name>.deleting`) are removed too, and listed in the result.
    ///
    /// ```swift
    /// let removed = try ExportWriter.prune(exportsDirectory: "/var/lib/qcredit/exports", retain: 30)
    /// ```
    ///
    /// - Parameter retain: how many of the newest exports to keep, at least 1 (the newest is the
    ///   base of the next delta).
    /// - Throws: ``ExportError/busy(directory:)`` while an export or another prune is running.
    public static func prune(exportsDirectory: String, retain: Int) throws(ExportError) -> [String] {
        guard retain >= 1 else {
            throw .invalidArgument("retain must be at least 1 (the newest export is the base of the next delta), not \(retain)")
        }
        let parent = try FileSystem.openDirectory(exportsDirectory)
        defer { close(parent) }
        guard try FileSystem.tryLock(parent, path: exportsDirectory) else { throw .busy(directory: exportsDirectory) }

        var removed: [String] = []
        // With the lock held, any temporary directory is left over from a crash.
        for name in try FileSystem.names(in: parent, path: exportsDirectory)
        where ExportFormat.isTemporaryName(name) && FileSystem.type(of: name, in: parent) == .directory {
            try FileSystem.removeDirectory(name, in: parent, parentPath: exportsDirectory)
            removed.append(name)
        }
        let exports = try ExportDirectoryListing.exports(in: parent, path: exportsDirectory)
        for export in exports.dropLast(retain) {
            let deleting = ExportFormat.deletingName(for: export.name)
            try FileSystem.renameWithoutReplacing(export.name, to: deleting, in: parent, path: exportsDirectory)
            try FileSystem.sync(parent, path: exportsDirectory)
            try FileSystem.removeDirectory(deleting, in: parent, parentPath: exportsDirectory)
            removed.append(export.name)
        }
        if !removed.isEmpty { try FileSystem.sync(parent, path: exportsDirectory) }
        return removed
    }
}
