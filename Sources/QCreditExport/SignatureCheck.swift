/// The MANIFEST signatures of an export checked against the trusted keys: shared by the export
/// being verified and the previous export it is compared with.
enum SignatureCheck {
    /// A signature file is refused unread beyond this size (SM2's DER is at most 72 bytes).
    static let sizeLimit = 4096

    struct Line {
        let file: String
        let passed: Bool
        let detail: String
    }

    struct Outcome {
        /// One line per signature file of a trusted key.
        var lines: [Line] = []
        /// The labels (`name+id`) of the keys whose signature verified.
        var verified: [String] = []
        /// The labels of the keys whose signature file is there but does not verify.
        var failed: [String] = []
        /// The signature files of keys not trusted, not checked.
        var ignored: [String] = []
        /// The labels of trusted keys without a signature file (not a failure: one key is enough).
        var absent: [String] = []
    }

    static func run(
        keys: [ExportVerification.TrustedKey], manifest: [UInt8], in directory: Int32, path: String,
        present: [String: FileSystem.FileType]
    ) -> Outcome {
        var outcome = Outcome()
        var checkedFiles: Set<String> = []
        for key in keys {
            let file = key.signatureFileName
            guard present[file] != nil else {
                outcome.absent.append(key.label)
                continue
            }
            guard checkedFiles.insert(file).inserted else { continue }
            let signature: [UInt8]?
            do {
                signature = try FileSystem.readSmallFile(file, in: directory, path: path, limit: sizeLimit)
            } catch {
                signature = nil
            }
            if let signature, key.verifier.isValid(signature: signature, for: manifest) {
                outcome.verified.append(key.label)
                outcome.lines.append(Line(file: file, passed: true, detail: "verifies over MANIFEST with \(key.label)"))
            } else {
                outcome.failed.append(key.label)
                outcome.lines.append(
                    Line(
                        file: file, passed: false,
                        detail: signature == nil
                            ? "cannot be read as a signature file"
                            : "does not verify over MANIFEST with \(key.label)"))
            }
        }
        outcome.ignored = present.keys.filter { ExportFormat.isSignatureFileName($0) && !checkedFiles.contains($0) }
            .sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        return outcome
    }
}
