#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QCreditCrypto
import SignedNote
import TransparencyLog

/// Writes signed exports (format: ``ExportFormat``) and prunes old ones.
///
/// Writing streams: each item from the ``ExportSource`` goes through a 64 KiB buffer to disk, with
/// the file's SHA-256 and SM3 updated from the same buffer, so memory stays flat whatever the
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
    /// `source` into `exportsDirectory/name`.
    ///
    /// Before anything is signed the writer checks what a verifier will: the checkpoint is the
    /// source's origin, size and root and opens with `keys`; the compact range and the entries
    /// lead to the checkpoint's root; every entry and state line is canonical JSON; the state is
    /// in order; and, with `previous`, the log extends it (its root at the previous size, and the
    /// consistency proof). A full export may have a `previous` too: its proof is then included.
    ///
    /// - Parameters:
    ///   - keys: the log's signing keys; each signs the MANIFEST. At least one.
    ///   - name: a valid export name (``ExportFormat/isValidExportName(_:)``), which must not exist.
    ///   - created: `YYYY-MM-DDTHH:MM:SSZ` (``ExportFormat/currentTimestamp()``).
    /// ```swift
    /// let summary = try ExportWriter.write(
    ///     source: source, keys: keys, into: "/var/lib/qcredit/exports",
    ///     name: "qcredit-export-20261127T020000Z-delta", kind: .delta,
    ///     previous: try PreviousExport.latest(in: "/var/lib/qcredit/exports"), created: "2026-11-27T02:00:00Z")
    /// // summary.entries, summary.bytes, summary.manifestSHA256 …
    /// ```
    ///
    /// - Returns: what was written.
    /// - Throws: ``ExportError``; nothing is left behind then (the partial directory is removed),
    ///   except when the final `fsync` of the exports directory fails after the rename: the export
    ///   is then in place but may not survive a crash. ``ExportError/busy(directory:)`` if another
    ///   export or prune holds the directory (the writer never waits for it).
    public static func write(
        source: some ExportSource, keys: [ExportSigningKey], into exportsDirectory: String, name: String,
        kind: ExportKind, previous: PreviousExport?, created: String
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
        let partial = ExportFormat.partialName(for: name)
        // With the lock held no one else is writing: a partial directory of this name was left by
        // a crash, and is removed.
        try FileSystem.removeDirectory(partial, in: parent, parentPath: exportsDirectory)
        guard mkdirat(parent, partial, 0o755) == 0 else {
            throw FileSystem.failure("create directory", FileSystem.join(exportsDirectory, partial))
        }
        var renamed = false
        defer {
            if !renamed { try? FileSystem.removeDirectory(partial, in: parent, parentPath: exportsDirectory) }
        }
        let partialPath = FileSystem.join(exportsDirectory, partial)
        let directory = openat(parent, partial, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW)
        guard directory >= 0 else { throw FileSystem.failure("open directory", partialPath) }
        defer { close(directory) }
        guard fchmod(directory, 0o755) == 0 else { throw FileSystem.failure("chmod", partialPath) }

        let session = ExportWriteSession(plan: plan, source: source, directory: directory, path: partialPath)
        let manifest = try session.writeFiles(created: created)
        let manifestBytes = Array(manifest.text.utf8)
        let manifestFile = try session.write(ExportFormat.manifestFile) { file throws(ExportError) in
            try file.write(manifestBytes)
        }
        var signatureFiles: [ExportManifest.FileEntry] = []
        for key in plan.keys {
            let signature = try sign(manifestBytes, with: key)
            let fileName = ExportFormat.signatureFileName(type: key.type, keyID: key.keyID)
            signatureFiles.append(try session.write(fileName) { file throws(ExportError) in try file.write(signature) })
        }

        try FileSystem.sync(directory, path: partialPath)
        try FileSystem.renameWithoutReplacing(partial, to: name, in: parent, path: exportsDirectory)
        renamed = true
        try FileSystem.sync(parent, path: exportsDirectory)

        let allFiles = manifest.files + [manifestFile] + signatureFiles
        return ExportSummary(
            directory: FileSystem.join(exportsDirectory, name), name: name, kind: kind, treeSize: plan.end,
            entriesStart: plan.start, bytes: allFiles.reduce(0) { $0 + $1.size }, files: allFiles.count,
            enterprises: manifest.enterpriseCount, listings: manifest.listingCount, entries: plan.end - plan.start,
            duration: clock.now - started, manifestSHA256: Hex.encode(manifestFile.sha256))
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
