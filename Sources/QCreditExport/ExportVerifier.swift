#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Checks an export offline (format: ``ExportFormat``), as `qcredit verify` does.
///
/// Every check is a line of the report, passed or failed, and verification goes on after a
/// failure wherever the later checks can still run, so one report shows everything wrong:
///
/// 1. **MANIFEST**: it parses; every file it lists is there and nothing else is (but MANIFEST
///    and `MANIFEST.*.sig`); each file's size, SHA-256 and SM3 match (a changed byte in any file
///    fails the `digests` check naming that file).
/// 2. **Signature**: a MANIFEST signature by one of the given verifier keys verifies, and none
///    by a given key fails. Signature files of other keys are ignored.
/// 3. **Checkpoint**: the note opens with the given keys; its origin, size and root are the
///    MANIFEST's.
/// 4. **Entries**: each line is a format-2 leaf; there are end − start of them; `tree-start`
///    extended with their leaf hashes gives the checkpoint's root. **Openings**: each line of
///    `openings.jsonl` is canonical, in index order, unique, within the entries, and its
///    commitment SHA-256(salt ‖ record) is exactly that entry's leaf.
/// 5. **Previous**: with `previous`, that export must verify (its MANIFEST signature and
///    checkpoint) and be the tree this one extends, and the consistency proof must lead from
///    its checkpoint to this one. Without, a delta's proof is checked from the root `tree-start`
///    folds to, and the report says the previous export was not checked.
/// 6. **State and listings**: canonical JSON lines, as many as the MANIFEST says; the state in
///    order (USCC, then organization code for files without one).
/// 7. **Restricted part** (when given): its MANIFEST, signatures and digests as above; it is the
///    part of this export (same origin, tree, entries, as-of date); its listings are canonical;
///    and **every** entry has an opening in it that opens the entry's leaf.
///
/// Files are streamed: memory stays flat whatever their size.
///
/// ```swift
/// let report = ExportVerifier.verify(
///     directory: "/srv/exports/qcredit-export-20261127T020000Z-delta",
///     verifierKeys: ["qcredit.example.gov.cn/registry+6f557b3a+AXQz+MKkQpjRHma341amMnXzKtT0WNHutjDODmhh2qqO"],
///     previous: "/srv/exports/qcredit-export-20261126T020000Z-full")
/// print(report)
/// // PASS manifest MANIFEST: format 2, delta export of qcredit.example.gov.cn/registry, entries 2..<3, 10 files
/// // …
/// // verified: /srv/exports/qcredit-export-20261127T020000Z-delta
/// ```
public enum ExportVerifier {
    /// A MANIFEST larger than this is refused unread (a real one is a few KiB).
    static let manifestSizeLimit = 1024 * 1024

    /// Where the restricted part of the export at `directory` is written:
    /// `<directory>/../restricted/<name>`.
    ///
    /// ```swift
    /// ExportVerifier.restrictedPart(of: "/var/lib/qcredit-exports/qcredit-export-20261127T020000Z-full")
    /// // "/var/lib/qcredit-exports/restricted/qcredit-export-20261127T020000Z-full"
    /// ```
    ///
    /// A relative path of plain names keeps its form (`exports/NAME` gives
    /// `exports/restricted/NAME`, as the report then names it); any other is resolved first
    /// (``resolved(_:)``), so `.` given from inside the export, a path ending in `/.` or `..`
    /// segments name the export, not a directory called `.`.
    public static func restrictedPart(of directory: String) -> String {
        let given = directory.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        if !directory.hasPrefix("/"), let name = given.last, !given.contains("."), !given.contains("..") {
            let parent = given.dropLast().joined(separator: "/")
            return FileSystem.join(parent.isEmpty ? "." : parent, ExportFormat.restrictedDirectory + "/" + name)
        }
        let resolved = resolved(directory)
        var components = resolved.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        let name = components.popLast() ?? ""
        let parent = (resolved.hasPrefix("/") ? "/" : "") + components.joined(separator: "/")
        return FileSystem.join(parent.isEmpty ? "." : parent, ExportFormat.restrictedDirectory + "/" + name)
    }

    /// `path` made absolute and rid of `.` and `..` segments, lexically: a symbolic link to an
    /// export is taken where it stands (its restricted part is looked for beside the link, as
    /// when the path is given whole), not where it points.
    static func resolved(_ path: String) -> String {
        var absolute = path
        if !path.hasPrefix("/"), let cwd = getcwd(nil, 0) {
            absolute = String(cString: cwd) + "/" + path
            free(cwd)
        }
        var components: [Substring] = []
        for component in absolute.split(separator: "/", omittingEmptySubsequences: true) {
            switch component {
            case ".": continue
            case "..": _ = components.popLast()
            default: components.append(component)
            }
        }
        return "/" + components.joined(separator: "/")
    }

    /// Checks the export in `directory` with the trusted `verifierKeys` (`<name>+<id>+<base64>`
    /// strings, obtained out of band), its link to the export in `previous` if given, and its
    /// restricted part in `restrictedPart` if given (``restrictedPart(of:)`` finds it).
    ///
    /// Never throws: an unreadable directory or file is a failed check like any other.
    ///
    /// ```swift
    /// let report = ExportVerifier.verify(directory: delta, verifierKeys: [vkey], previous: full)
    /// for failure in report.failures { print(failure) }   // "FAIL digests state.jsonl: SHA-256 is …"
    /// exit(report.passed ? 0 : 4)
    /// ```
    public static func verify(
        directory: String, verifierKeys: [String], previous: String?, restrictedPart: String? = nil
    ) -> ExportReport {
        let verification = ExportVerification(path: directory)
        verification.run(verifierKeys: verifierKeys, previous: previous, restrictedPart: restrictedPart)
        return ExportReport(directory: directory, checks: verification.checks)
    }

    /// The verifier keys the export in `directory` publishes (its `verifier-keys`, the last
    /// word of each line), unchecked: trust them only for what they are shown to have signed.
    public static func publishedVerifierKeys(directory: String) -> [String] {
        guard let descriptor = try? FileSystem.openDirectory(directory) else { return [] }
        defer { close(descriptor) }
        let bytes = (try? FileSystem.readSmallFile(ExportFormat.verifierKeysFile, in: descriptor, path: directory, limit: manifestSizeLimit)) ?? nil
        let text = String(decoding: bytes ?? [], as: UTF8.self)
        return text.split(separator: "\n").compactMap { $0.split(separator: " ").last.map(String.init) }
    }

    /// Why an export may not be the base of the next one (``problemAsPrevious(directory:verifierKeys:)``).
    public struct PreviousProblem: Sendable, CustomStringConvertible {
        public let reason: String
        /// None of the given keys signed its MANIFEST at all (as before a key rotation), rather
        /// than one of their signatures failing (an altered export).
        public let signedByNoGivenKey: Bool
        public var description: String { reason }
    }

    /// Why the export in `directory` may not be the base of the next one, or nil: its MANIFEST
    /// must be signed by one of `verifierKeys` and its checkpoint must verify and state the
    /// MANIFEST's tree, as `--previous` checks it (its other files are not read again).
    public static func problemAsPrevious(directory: String, verifierKeys: [String]) -> PreviousProblem? {
        let verification = ExportVerification(path: directory)
        verification.parseKeys(verifierKeys)
        do {
            _ = try ExportVerification.verifyPrevious(at: directory, keys: verification.keys)
            return nil
        } catch {
            return PreviousProblem(reason: error.reason, signedByNoGivenKey: error.noGivenSigner)
        }
    }
}
