import QCreditExport

/// The MANIFEST of a signed export, as `qcredit verify` and the daemon (reading the previous
/// export) parse it.
///
/// Checked: a parsed MANIFEST prints back to exactly its input and parses to itself; its files
/// are in strictly increasing byte order of name and each is found by name; checking how the
/// values fit together never fails.
enum ExportManifestTarget {
    static let target = FuzzTarget(
        name: "export-manifest", summary: "export MANIFEST files and their consistency checks", body: run)

    static func run(_ input: UnsafeRawBufferPointer) throws(InvariantViolation) {
        guard let manifest = try? ExportManifest(parsing: input) else { return }
        try require(manifest.text.utf8.elementsEqual(input), "the MANIFEST does not print back to its input")
        try require((try? ExportManifest(parsing: Array(manifest.text.utf8))) == manifest, "the printed MANIFEST parses differently")
        for (earlier, later) in zip(manifest.files, manifest.files.dropFirst()) {
            try require(earlier.name.utf8.lexicographicallyPrecedes(later.name.utf8), "files out of order: \(earlier.name), \(later.name)")
        }
        for file in manifest.files {
            try require(manifest.file(named: file.name) == file, "the file \(file.name) is not found by its name")
        }
        _ = manifest.problems
    }
}
