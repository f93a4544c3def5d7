#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension ExportWriter {
    /// Deletes the oldest exports in `exportsDirectory` beyond the newest `retain`, each with its
    /// restricted part; returns the names of the directories removed: leftover temporary
    /// directories first, then the exports, oldest first, then (as `restricted/<name>`) the parts
    /// a crash left without an export (or temporary).
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
    /// - Parameters:
    ///   - retain: how many of the newest exports to keep, at least 1 (the newest is the base of
    ///     the next delta).
    ///   - withdrawing: exports to remove whatever their age (with their restricted parts): those
    ///     that publish a record no longer disclosed. The retained count is of the others.
    /// - Throws: ``ExportError/busy(directory:)`` while an export or another prune is running.
    public static func prune(exportsDirectory: String, retain: Int, withdrawing: Set<String> = []) throws(ExportError) -> [String] {
        guard retain >= 1 else {
            throw .invalidArgument("retain must be at least 1 (the newest export is the base of the next delta), not \(retain)")
        }
        let parent = try FileSystem.openDirectory(exportsDirectory)
        defer { close(parent) }
        guard try FileSystem.tryLock(parent, path: exportsDirectory) else { throw .busy(directory: exportsDirectory) }

        var removed = try removeTemporaryDirectories(in: parent, path: exportsDirectory)
        let exports = try ExportDirectoryListing.exports(in: parent, path: exportsDirectory)
        let withdrawn = exports.filter { withdrawing.contains($0.name) }
        let kept = exports.filter { !withdrawing.contains($0.name) }
        for export in withdrawn + kept.dropLast(retain) {
            try removeExport(export.name, in: parent, path: exportsDirectory)
            removed.append(export.name)
        }
        if !removed.isEmpty { try FileSystem.sync(parent, path: exportsDirectory) }

        return removed + (try removeRestrictedLeftovers(in: parent, exportsDirectory: exportsDirectory, except: Set(removed)))
    }

    /// Removes what a killed export, prune or withdrawal left in `exportsDirectory` and its
    /// `restricted/`: temporary directories (`.<name>.partial`, `.<name>.deleting`). A
    /// withdrawal cut short leaves a `.deleting` copy of what the public may no longer see, so
    /// the daemon calls this at start and at every maintenance tick, not only before an export.
    /// Returns their names; nothing while an export or prune runs (``ExportError/busy(directory:)``
    /// is not thrown: that run removes them itself).
    public static func removeLeftovers(exportsDirectory: String) throws(ExportError) -> [String] {
        let parent = try FileSystem.openDirectory(exportsDirectory)
        defer { close(parent) }
        guard try FileSystem.tryLock(parent, path: exportsDirectory) else { return [] }
        let removed = try removeTemporaryDirectories(in: parent, path: exportsDirectory)
        return removed + (try removeRestrictedLeftovers(in: parent, exportsDirectory: exportsDirectory))
    }

    /// Removes from `restricted/` the temporary parts a crash left and every part whose public
    /// export is gone: the public export is removed first, its part after, so a crash in between
    /// (a prune or withdrawal killed) leaves a part without its export, which nobody can verify
    /// against one. Returns them as `restricted/<name>`, but for the names in `pruned` (the
    /// exports whose removal the caller reports already). The lock on the exports directory is held.
    private static func removeRestrictedLeftovers(
        in parent: Int32, exportsDirectory: String, except pruned: Set<String> = []
    ) throws(ExportError) -> [String] {
        guard let restricted = try RestrictedDirectory.openIfPresent(in: parent, exportsDirectory: exportsDirectory) else {
            return []
        }
        defer { close(restricted) }
        let restrictedPath = FileSystem.join(exportsDirectory, ExportFormat.restrictedDirectory)
        var removed: [String] = []
        var removedParts = false
        for name in try FileSystem.names(in: restricted, path: restrictedPath)
        where FileSystem.type(of: name, in: restricted) == .directory
            && (ExportFormat.isTemporaryName(name) || ExportFormat.isValidExportName(name) && FileSystem.type(of: name, in: parent) == nil)
        {
            if ExportFormat.isTemporaryName(name) {
                try FileSystem.removeDirectory(name, in: restricted, parentPath: restrictedPath)
            } else {
                try removeExport(name, in: restricted, path: restrictedPath)
            }
            if !pruned.contains(name) { removed.append(FileSystem.join(ExportFormat.restrictedDirectory, name)) }
            removedParts = true
        }
        if removedParts { try FileSystem.sync(restricted, path: restrictedPath) }
        return removed
    }

    /// The temporary directories in `directory` (opened as `fd`), removed, with the lock on the
    /// exports directory held: any there is left over from a crash.
    private static func removeTemporaryDirectories(in fd: Int32, path: String) throws(ExportError) -> [String] {
        var removed: [String] = []
        for name in try FileSystem.names(in: fd, path: path)
        where ExportFormat.isTemporaryName(name) && FileSystem.type(of: name, in: fd) == .directory {
            try FileSystem.removeDirectory(name, in: fd, parentPath: path)
            removed.append(name)
        }
        if !removed.isEmpty { try FileSystem.sync(fd, path: path) }
        return removed
    }

    /// Renames the export (or part) `name` to `.<name>.deleting`, so that a half-removed one
    /// never looks complete, then removes it.
    private static func removeExport(_ name: String, in directory: Int32, path: String) throws(ExportError) {
        let deleting = ExportFormat.deletingName(for: name)
        try FileSystem.renameWithoutReplacing(name, to: deleting, in: directory, path: path)
        try FileSystem.sync(directory, path: path)
        try FileSystem.removeDirectory(deleting, in: directory, parentPath: path)
    }
}
