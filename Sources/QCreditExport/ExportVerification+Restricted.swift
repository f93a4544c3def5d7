#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension ExportVerification {
    /// Checks the restricted part at `partPath` (its MANIFEST, signatures, files, listings, and
    /// that it opens every entry of this export), reporting its checks under its path.
    func checkRestrictedPart(at partPath: String, export manifest: ExportManifest) {
        let part = ExportVerification(path: partPath)
        part.keys = keys
        part.runRestricted(export: manifest, exportName: Self.lastComponent(of: path), leaves: directory)
        for check in part.checks {
            record(check.name, check.file.map { FileSystem.join(partPath, $0) } ?? partPath, passed: check.passed, check.detail)
        }
    }

    /// The steps of ``checkRestrictedPart(at:export:)``, in the part's own verification.
    private func runRestricted(export: ExportManifest, exportName: String, leaves: Int32) {
        guard openDirectory(check: .part) else { return }
        let manifestBytes = readManifest()
        if let manifestBytes { checkSignatures(over: manifestBytes) }
        guard let manifest else { return }
        guard manifest.part == .restricted else {
            fail(.part, ExportFormat.manifestFile, "the MANIFEST is a public export's, not a restricted part's")
            return
        }
        checkFileList(manifest)
        var problems: [String] = []
        // An export kept under another directory name (an auditor's archive by date) is still the
        // export its part names when it was written under that name: the name the daemon gives it
        // follows from its creation time and kind, which are compared below with the rest.
        // (A second export of the same second was given `-2`, and so on, after that name.)
        let writtenAs = ExportFormat.isValidTimestamp(export.created) ? ExportFormat.exportName(created: export.created, kind: export.kind) : nil
        let partOf = manifest.exportName ?? "nothing"
        if partOf != exportName && !(writtenAs.map { ExportFormat.isName(partOf, givenAfter: $0) } ?? false) {
            problems.append("it is the part of \(partOf), not of \(exportName)")
        }
        let values: [(String, Bool)] = [
            ("origin", manifest.origin.utf8.elementsEqual(export.origin.utf8)), ("created", manifest.created == export.created),
            ("kind", manifest.kind == export.kind), ("as-of", manifest.asOf == export.asOf),
            ("tree size", manifest.treeSize == export.treeSize), ("root", manifest.rootHash == export.rootHash),
            ("entries", manifest.entriesStart == export.entriesStart && manifest.entriesEnd == export.entriesEnd),
            ("previous tree", manifest.previous == export.previous),
        ]
        for (value, same) in values where !same { problems.append("its \(value) is not the export's") }
        if problems.isEmpty {
            let kept = partOf == exportName ? "" : " (kept as \(exportName))"
            pass(.part, ExportFormat.manifestFile, "the restricted part of \(partOf)\(kept): the same log, entries and as-of date")
        } else {
            fail(.part, ExportFormat.manifestFile, problems.joined(separator: "; "))
        }
        checkVerifierKeys(manifest: manifest)
        checkListings(manifest: manifest)
        checkOpenings(manifest: manifest, leaves: leaves, everyEntry: true)
    }

    /// The name of the directory at `path` (`.` from inside it is that directory's name).
    static func lastComponent(of path: String) -> String {
        String(ExportVerifier.resolved(path).split(separator: "/").last ?? "")
    }
}
