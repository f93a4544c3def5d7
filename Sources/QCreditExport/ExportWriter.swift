#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QCreditCrypto
import SignedNote
import TransparencyLog

/// Writes signed exports with their restricted parts (format: ``ExportFormat``) and prunes old ones.
///
/// Writing streams: each item from the ``ExportSource`` goes through 256 KiB buffers to disk (a
/// few in flight, written and hashed on a queue beside the caller: ``HashingFileWriter``), with
/// the file's SHA-256 and SM3 updated from the same buffers, so memory stays flat whatever the
/// number of enterprises, listings or entries. The functions are synchronous and block on disk
/// I/O; run them off any event loop (the daemon uses a dedicated thread).
///
/// ```swift
/// let keys = try logKeys.map { try ExportSigningKey(name: origin, privateKey: $0) }
/// let previous = try PreviousExport.latest(in: exportsDirectory)
/// let created = ExportFormat.currentTimestamp()
/// let kind: ExportKind = previous == nil ? .full : .delta
/// let summary = try ExportWriter.write(
///     source: source, keys: keys, into: exportsDirectory,
///     name: ExportFormat.exportName(created: created, kind: kind),
///     kind: kind, previous: previous, created: created)
/// let removed = try ExportWriter.prune(exportsDirectory: exportsDirectory, retain: 30)
/// ```
public enum ExportWriter {
    /// Writes a full export (entries from 0) or a delta (entries from `previous.treeSize`) of
    /// `source` into `exportsDirectory/name`, and its restricted part into
    /// `exportsDirectory/restricted/name`.
    ///
    /// Before anything is signed the writer checks what a verifier will: the checkpoint is the
    /// source's origin, size and root and opens with `keys`; the compact range and the entries
    /// lead to the checkpoint's root; every entry is a format-2 leaf and every opening written
    /// opens its leaf and carries a canonical record; every state line is canonical JSON; the
    /// state is in order; and, with `previous`, the log extends it (its root at the previous
    /// size, and the consistency proof). A full export may have a `previous` too: its proof is then included.
    ///
    /// - Parameters:
    ///   - keys: the log's signing keys; each signs the MANIFEST. At least one.
    ///   - name: a valid export name (``ExportFormat/isValidExportName(_:)``), which must not exist.
    ///   - created: `YYYY-MM-DDTHH:MM:SSZ` (``ExportFormat/currentTimestamp()``).
    ///   - restrictedGroup: the group that may read the restricted part; nil: the group its files
    ///     get (inherited from a setgid `restricted/`, else the writer's).
    /// ```swift
    /// let summary = try ExportWriter.write(
    ///     source: source, keys: keys, into: "/var/lib/qcredit/exports",
    ///     name: "qcredit-export-20261127T020000Z-delta", kind: .delta,
    ///     previous: try PreviousExport.latest(in: "/var/lib/qcredit/exports"), created: "2026-11-27T02:00:00Z")
    /// // summary.entries, summary.bytes, summary.manifestSHA256 …
    /// ```
    ///
    /// - Returns: what was written.
    /// - Throws: ``ExportError``; nothing is left behind then (the partial directories are
    ///   removed), except when the final `fsync` of the exports directory fails after the rename:
    ///   the export is then in place but may not survive a crash. A restricted group the writer
    ///   may not give files to fails here, naming the group. ``ExportError/busy(directory:)`` if another
    ///   export or prune holds the directory (the writer never waits for it).
    public static func write(
        source: some ExportSource, keys: [ExportSigningKey], into exportsDirectory: String, name: String,
        kind: ExportKind, previous: PreviousExport?, created: String, restrictedGroup: RestrictedGroup? = nil
    ) throws(ExportError) -> ExportSummary {
        let clock = ContinuousClock()
        let started = clock.now
        guard ExportFormat.isValidExportName(name) else {
            throw .invalidArgument(
                "export name \"\(name)\" must be \"\(ExportFormat.namePrefix)\" followed by letters, digits, \".\", \"_\" or \"-\"")
        }
        guard ExportFormat.isValidTimestamp(created) else {
            throw .invalidArgument("created \"\(created)\" is not an RFC 3339 UTC time YYYY-MM-DDTHH:MM:SSZ")
        }
        let plan = try ExportPlan(source: source, keys: keys, kind: kind, previous: previous)

        let parent = try FileSystem.openDirectory(exportsDirectory)
        // Closing the descriptor also releases the lock taken on it.
        defer { close(parent) }
        guard try FileSystem.tryLock(parent, path: exportsDirectory) else { throw .busy(directory: exportsDirectory) }
        guard FileSystem.type(of: name, in: parent) == nil else {
            throw .exportExists(path: FileSystem.join(exportsDirectory, name))
        }
        let restrictedPath = FileSystem.join(exportsDirectory, ExportFormat.restrictedDirectory)
        let restricted = try RestrictedDirectory.open(in: parent, exportsDirectory: exportsDirectory, group: restrictedGroup)
        defer { close(restricted) }
        // With the lock held no one else is writing: a part of this name without its export was
        // left by a crash between the two renames, and is removed.
        try FileSystem.removeDirectory(name, in: restricted, parentPath: restrictedPath)

        let publicPart = try PartialDirectory(
            for: name, in: parent, parentPath: exportsDirectory, mode: ExportFormat.publicDirectoryMode, group: nil)
        defer { publicPart.removeUnlessRenamed() }
        // Only the daemon may enter the part until its files are written: they inherit the group
        // of a setgid `restricted/` meanwhile, which the final chmod would end for a non-member.
        let restrictedPart = try PartialDirectory(for: name, in: restricted, parentPath: restrictedPath, mode: 0o700, group: restrictedGroup)
        defer { restrictedPart.removeUnlessRenamed() }

        let publicSession = ExportWriteSession(
            plan: plan, source: source, part: .public, directory: publicPart.descriptor, path: publicPart.path)
        let restrictedSession = ExportWriteSession(
            plan: plan, source: source, part: .restricted, directory: restrictedPart.descriptor, path: restrictedPart.path,
            group: restrictedGroup)
        let (publicManifest, allOpenings) = try publicSession.writePublicFiles(created: created, allOpeningsInto: restrictedSession)
        let publicFiles = try signedManifest(publicManifest, session: publicSession, keys: plan.keys)

        let restrictedManifest = try restrictedSession.writeRestrictedFiles(
            created: created, exportName: name, openings: allOpenings)
        let restrictedFiles = try signedManifest(restrictedManifest, session: restrictedSession, keys: plan.keys)
        try restrictedPart.setMode(ExportFormat.restrictedDirectoryMode)

        // The part first: a public export never appears without it.
        try restrictedPart.rename()
        do {
            try publicPart.rename()
        } catch {
            try? FileSystem.removeDirectory(name, in: restricted, parentPath: restrictedPath)
            throw error
        }

        let allFiles = publicManifest.files + publicFiles
        return ExportSummary(
            directory: FileSystem.join(exportsDirectory, name), name: name, kind: kind, treeSize: plan.end,
            entriesStart: plan.start, bytes: allFiles.reduce(0) { $0 + $1.size }, files: allFiles.count,
            enterprises: publicManifest.enterpriseCount ?? 0, listings: publicManifest.listingCount, entries: plan.end - plan.start,
            openings: publicManifest.openingCount, duration: clock.now - started,
            manifestSHA256: Hex.encode(publicFiles[0].sha256),
            restricted: ExportSummary.RestrictedPart(
                directory: FileSystem.join(restrictedPath, name), openings: restrictedManifest.openingCount,
                listings: restrictedManifest.listingCount,
                bytes: (restrictedManifest.files + restrictedFiles).reduce(0) { $0 + $1.size }))
    }

    /// Writes `manifest` into the session's directory and each key's signature over it; returns
    /// their entries, the MANIFEST's first.
    private static func signedManifest<Source>(
        _ manifest: ExportManifest, session: ExportWriteSession<Source>, keys: [CheckedSigningKey]
    ) throws(ExportError) -> [ExportManifest.FileEntry] {
        let manifestBytes = Array(manifest.text.utf8)
        var files = [
            try session.write(ExportFormat.manifestFile) { file throws(ExportError) in try file.write(manifestBytes) }
        ]
        for key in keys {
            let signature = try sign(manifestBytes, with: key)
            let fileName = ExportFormat.signatureFileName(type: key.type, keyID: key.keyID)
            files.append(try session.write(fileName) { file throws(ExportError) in try file.write(signature) })
        }
        return files
    }

    /// Signs the MANIFEST with `key` and checks the signature with the key's verifier, so that an
    /// export never carries a signature its own verifier key rejects.
    private static func sign(_ manifest: [UInt8], with key: CheckedSigningKey) throws(ExportError) -> [UInt8] {
        let label = key.label
        let signature: [UInt8]
        do {
            signature = try key.signer.sign(manifest)
        } catch {
            throw .signing(key: label, reason: "\(error)")
        }
        guard key.verifier.isValid(signature: signature, for: manifest) else {
            throw .signing(key: label, reason: "the signature does not verify with the key's verifier key")
        }
        return signature
    }
}
