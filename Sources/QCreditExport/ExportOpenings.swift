#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QCreditCrypto
import TransparencyLog

/// Reading the openings an export or a restricted part carries, for a restore that replays its
/// leaves with them.
///
/// ```swift
/// let part = ExportVerifier.restrictedPart(of: export)
/// let openings = try ExportOpenings.read(directory: part, entries: 7..<12, partOf: exportManifest)
/// openings[7]?.opens(leaf)   // true
/// ```
public enum ExportOpenings {
    /// The openings in `directory`'s `openings.jsonl` of the entries in `range`, by index, once
    /// the file's SHA-256 is checked against the directory's MANIFEST. With `partOf`, the
    /// directory must be the restricted part of the export with that MANIFEST.
    ///
    /// Whether an opening opens its leaf is for the caller to check, against the leaf it holds.
    public static func read(
        directory: String, entries range: Range<Int64>, partOf export: ExportManifest? = nil
    ) throws(ExportError) -> [Int64: RecordOpening] {
        let descriptor = try FileSystem.openDirectory(directory)
        defer { close(descriptor) }
        let manifest = try PreviousExport.readManifest(in: descriptor, path: directory)
        let manifestPath = FileSystem.join(directory, ExportFormat.manifestFile)
        if let export {
            guard manifest.part == .restricted, manifest.treeSize == export.treeSize, manifest.rootHash == export.rootHash,
                manifest.entriesStart == export.entriesStart, manifest.entriesEnd == export.entriesEnd
            else { throw .invalidManifest(path: manifestPath, reason: "not the restricted part of the export with this tree and entries") }
        }
        let name = ExportFormat.openingsFile
        guard let listed = manifest.file(named: name) else {
            throw .invalidManifest(path: manifestPath, reason: "lists no \(name)")
        }
        var openings: [Int64: RecordOpening] = [:]
        var badLine: Int64?
        let scanned = try FileScanner.scan(name, in: descriptor, path: directory) { number, bytes in
            guard badLine == nil else { return }
            guard let bytes, case .success(let (index, opening)) = OpeningLine.parse(bytes) else {
                badLine = number
                return
            }
            if range.contains(index) { openings[index] = opening }
        }
        guard scanned.sha256 == listed.sha256, scanned.size == listed.size else {
            throw .invalidManifest(path: manifestPath, reason: "\(name) is not the file it lists (SHA-256 or size)")
        }
        if let badLine { throw .invalidRecord(file: FileSystem.join(directory, name), line: badLine, reason: "not an opening") }
        return openings
    }
}
