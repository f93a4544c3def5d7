#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QCreditCrypto
import SignedNote
import TransparencyLog

/// One run of ``ExportVerifier``: the checks made so far and what earlier checks established
/// for later ones. The steps are in extensions, one per part of the export.
final class ExportVerification {
    /// A trusted key given to the verifier.
    struct TrustedKey {
        let verifier: any PublicNoteKey
        let type: ExportKeyType
        /// `<name>+<8 hex key id>`.
        var label: String { "\(verifier.name)+\(Hex.keyID(verifier.keyID))" }
        var signatureFileName: String { ExportFormat.signatureFileName(type: type, keyID: verifier.keyID) }

        init(verifier: any PublicNoteKey, type: ExportKeyType) {
            self.verifier = verifier
            self.type = type
        }

        /// A verifier key string of a type exports are signed with, or nil.
        init?(parsing string: String) {
            guard let verifier = try? VerifierKey.parse(string), let type = ExportKeyType(encodedKeyType: verifier.encodedKey[0])
            else { return nil }
            self.init(verifier: verifier, type: type)
        }
    }

    /// Small files are read whole, up to this size.
    static let smallFileLimit = 64 * 1024

    let path: String
    private(set) var checks: [ExportCheck] = []
    var keys: [TrustedKey] = []
    /// The export directory, open (or -1).
    var directory: Int32 = -1
    /// What is in the directory, by name.
    var present: [String: FileSystem.FileType] = [:]
    var manifest: ExportManifest?
    /// The MANIFEST's and the checkpoint's bytes, once read: signatures by keys the export lists
    /// but the verifier was not given are checked with the export's own copies of them.
    var manifestBytes: [UInt8]?
    var checkpointNote: [UInt8]?

    init(path: String) { self.path = path }

    deinit {
        if directory >= 0 { close(directory) }
    }

    func record(_ name: ExportCheck.Name, _ file: String?, passed: Bool, _ detail: String) {
        checks.append(ExportCheck(name: name, file: file, passed: passed, detail: detail))
    }

    func pass(_ name: ExportCheck.Name, _ file: String?, _ detail: String) { record(name, file, passed: true, detail) }
    func fail(_ name: ExportCheck.Name, _ file: String?, _ detail: String) { record(name, file, passed: false, detail) }

    /// Opens the directory and lists it; false (reported under `check`) if it cannot be read.
    func openDirectory(check: ExportCheck.Name) -> Bool {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else {
            fail(check, nil, "cannot open the directory \(path): \(FileSystem.reason(errno))")
            return false
        }
        directory = descriptor
        do {
            for name in try FileSystem.names(in: directory, path: path) {
                present[name] = FileSystem.type(of: name, in: directory)
            }
        } catch {
            fail(check, nil, error.description)
            return false
        }
        return true
    }

    func run(verifierKeys: [String], previous: String?, restrictedPart: String?) {
        parseKeys(verifierKeys)
        guard openDirectory(check: .files) else { return }

        let manifestBytes = readManifest()
        if let manifestBytes { checkSignatures(over: manifestBytes) }
        guard let manifest else {
            // Without the MANIFEST's values only the checkpoint's signature can still be checked.
            if let note = readSmallFile(ExportFormat.checkpointFile) { checkCheckpointSignature(note) }
            return
        }
        guard manifest.part == .public else {
            fail(
                .manifest, ExportFormat.manifestFile,
                "this is the restricted part of \(manifest.exportName ?? "an export"): verify that export with --restricted-part")
            return
        }
        checkFileList(manifest)

        let checkpoint = scanSmallFile(ExportFormat.checkpointFile)
        if let checkpoint { checkCheckpoint(checkpoint, manifest: manifest) }
        checkpointNote = checkpoint
        checkVerifierKeys(manifest: manifest)
        let treeStart = scanSmallFile(ExportFormat.treeStartFile).flatMap { checkTreeStart($0, manifest: manifest) }
        let previousTree = previous.flatMap { checkPreviousExport(at: $0, manifest: manifest) }
        let entries = checkEntries(manifest: manifest, treeStart: treeStart, previousTree: previousTree)
        if let proof = scanSmallFile(ExportFormat.consistencyProofFile) {
            checkConsistency(
                proof, manifest: manifest, treeStart: treeStart, previousTree: previousTree, entryRoots: entries)
        }
        if previous == nil {
            pass(
                .previous, nil,
                manifest.previous == nil
                    ? "not checked: no previous export given (and the MANIFEST names none)"
                    : "not checked: no previous export given; the consistency proof was checked from "
                        + (manifest.kind == .delta ? "the root tree-start folds to" : "the MANIFEST's previous tree"))
        }
        checkState(manifest: manifest)
        checkListings(manifest: manifest)
        checkOpenings(manifest: manifest, leaves: directory, everyEntry: false)
        // Files listed but unknown to the format (already failed by the file list): digests only.
        let handled = Set(ExportFormat.fixedFiles(of: .public))
        for file in manifest.files where !handled.contains(file.name) && !isPublicKeyFileName(file.name) {
            _ = scanListedFile(file.name)
        }
        if let restrictedPart { checkRestrictedPart(at: restrictedPart, export: manifest) }
    }

    // MARK: Keys and MANIFEST

    func parseKeys(_ strings: [String]) {
        var problems: [String] = []
        for (index, string) in strings.enumerated() {
            do {
                let verifier = try VerifierKey.parse(string)
                guard let type = ExportKeyType(encodedKeyType: verifier.encodedKey[0]) else {
                    problems.append("key \(index + 1) is of an unknown type")
                    continue
                }
                keys.append(TrustedKey(verifier: verifier, type: type))
            } catch {
                problems.append("key \(index + 1) (\(string)): \(error)")
            }
        }
        if strings.isEmpty { problems.append("no verifier key given") }
        if problems.isEmpty {
            pass(.keys, nil, "trusting " + keys.map { "\($0.type.rawValue) \($0.label)" }.joined(separator: ", "))
        } else {
            fail(.keys, nil, problems.joined(separator: "; "))
        }
    }

    /// Reads and parses the MANIFEST; returns its bytes if it could be read.
    func readManifest() -> [UInt8]? {
        let name = ExportFormat.manifestFile
        guard case .regular = present[name] else {
            fail(.manifest, name, present[name] == nil ? "missing" : "not a regular file")
            return nil
        }
        let bytes: [UInt8]
        do {
            guard let read = try FileSystem.readSmallFile(name, in: directory, path: path, limit: ExportVerifier.manifestSizeLimit)
            else {
                fail(.manifest, name, "cannot be read")
                return nil
            }
            bytes = read
        } catch {
            fail(.manifest, name, error.description)
            return nil
        }
        do {
            let manifest = try ExportManifest(parsing: bytes)
            self.manifest = manifest
            pass(
                .manifest, name,
                "format \(ExportFormat.version), "
                    + (manifest.part == .restricted ? "restricted part of the \(manifest.kind.rawValue) export" : "\(manifest.kind.rawValue) export")
                    + " of \(manifest.origin), entries \(manifest.entriesStart)..<\(manifest.entriesEnd), \(manifest.files.count) files")
            for problem in manifest.problems { fail(.manifest, name, problem) }
        } catch {
            fail(.manifest, name, error.description)
        }
        return bytes
    }

    /// Verifies the signature files of the given keys over the MANIFEST's bytes.
    func checkSignatures(over manifest: [UInt8]) {
        manifestBytes = manifest
        let outcome = SignatureCheck.run(keys: keys, manifest: manifest, in: directory, path: path, present: present)
        for line in outcome.lines { record(.signature, line.file, passed: line.passed, line.detail) }
        var notes = outcome.ignored.isEmpty ? "" : "; ignored (keys not given): " + outcome.ignored.joined(separator: ", ")
        if !outcome.absent.isEmpty { notes += "; no signature by " + outcome.absent.joined(separator: ", ") }
        if !outcome.failed.isEmpty {
            fail(.signature, ExportFormat.manifestFile, "a signature by a given key does not verify: \(outcome.failed.joined(separator: ", "))")
        } else if outcome.verified.isEmpty {
            fail(.signature, ExportFormat.manifestFile, "no signature by a given key\(notes)")
        } else {
            pass(.signature, ExportFormat.manifestFile, "signed by \(outcome.verified.joined(separator: ", "))\(notes)")
        }
    }

    /// Every listed file is a regular file here; the required files are listed; nothing else is here.
    func checkFileList(_ manifest: ExportManifest) {
        var failures = 0
        let listed = Set(manifest.files.map(\.name))
        let fixedFiles = ExportFormat.fixedFiles(of: manifest.part)
        for required in fixedFiles where !listed.contains(required) {
            fail(.files, required, "required by format \(ExportFormat.version) but not listed in the MANIFEST")
            failures += 1
        }
        for file in manifest.files {
            if !fixedFiles.contains(file.name) && !isPublicKeyFileName(file.name) {
                fail(.files, file.name, "listed in the MANIFEST but not a file of format \(ExportFormat.version)")
                failures += 1
            }
            switch present[file.name] {
            case .regular: continue
            case nil: fail(.files, file.name, "listed in the MANIFEST but missing")
            case .symbolicLink: fail(.files, file.name, "a symbolic link, not a regular file")
            case .directory, .other: fail(.files, file.name, "not a regular file")
            }
            failures += 1
        }
        var signatures = 0
        for (name, type) in present.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) })
        where !listed.contains(name) {
            if name == ExportFormat.manifestFile { continue }
            if ExportFormat.isSignatureFileName(name) {
                signatures += 1
                if case .regular = type { continue }
                fail(.files, name, "a signature file that is not a regular file")
            } else {
                fail(.files, name, "not listed in the MANIFEST")
            }
            failures += 1
        }
        if failures == 0 {
            pass(
                .files, nil,
                "\(manifest.files.count) listed files present; nothing unlisted but MANIFEST and \(signatures) signature file(s)")
        }
    }

    func isPublicKeyFileName(_ name: String) -> Bool {
        ExportKeyType.allCases.contains { type in
            let prefix = type.rawValue + "-"
            let suffix = ".pub.pem"
            guard name.hasPrefix(prefix), name.hasSuffix(suffix) else { return false }
            let id = name.dropFirst(prefix.count).dropLast(suffix.count)
            return id.utf8.count == 8 && Hex.decode(id) != nil
        }
    }

    // MARK: Reading files

    /// Scans a listed, present file, checking its digests against the MANIFEST; nil if it cannot
    /// be read (that is then reported).
    func scanListedFile(
        _ name: String, contentLimit: Int = 0, line: ((Int64, UnsafeRawBufferPointer?) -> Void)? = nil
    ) -> FileScanner.Result? {
        guard let entry = manifest?.file(named: name), case .regular = present[name] else { return nil }
        let result: FileScanner.Result
        do {
            result = try FileScanner.scan(name, in: directory, path: path, contentLimit: contentLimit, line: line)
        } catch {
            fail(.digests, name, error.description)
            return nil
        }
        var problems: [String] = []
        if result.size != entry.size { problems.append("it has \(result.size) bytes, the MANIFEST says \(entry.size)") }
        if result.sha256 != entry.sha256 {
            problems.append("SHA-256 is \(Hex.encode(result.sha256)), the MANIFEST says \(Hex.encode(entry.sha256))")
        }
        if result.sm3 != entry.sm3 {
            problems.append("SM3 is \(Hex.encode(result.sm3)), the MANIFEST says \(Hex.encode(entry.sm3))")
        }
        if problems.isEmpty {
            pass(.digests, name, "\(result.size) bytes; size, SHA-256 and SM3 match the MANIFEST")
        } else {
            fail(.digests, name, problems.joined(separator: "; "))
        }
        return result
    }

    /// A small listed file's content (digests checked); nil if it is not listed, missing, or too
    /// large (the last reported under `digests`).
    func scanSmallFile(_ name: String) -> [UInt8]? {
        guard let result = scanListedFile(name, contentLimit: Self.smallFileLimit) else { return nil }
        guard let content = result.content else {
            fail(.digests, name, "larger than \(Self.smallFileLimit) bytes, too large for a \(name) file")
            return nil
        }
        return content
    }

    /// A small file read without the MANIFEST (so without digests).
    func readSmallFile(_ name: String) -> [UInt8]? {
        try? FileSystem.readSmallFile(name, in: directory, path: path, limit: Self.smallFileLimit)
    }
}
