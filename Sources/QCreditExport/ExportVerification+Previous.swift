#if canImport(Glibc)
import QCreditCrypto
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SignedNote
import TransparencyLog

extension ExportVerification {
    /// Checks the previous export at `previousPath` (its MANIFEST signature by a trusted key, and
    /// its checkpoint: digests, signature, and the MANIFEST's tree), then that it is the tree this
    /// export extends. Returns its tree if it verified, for the consistency check.
    func checkPreviousExport(at previousPath: String, manifest: ExportManifest) -> ExportManifest.Tree? {
        let previous: (manifest: ExportManifest, signers: [String])
        var byFormerKey = false
        do {
            previous = try Self.verifyPrevious(at: previousPath, keys: keys)
        } catch {
            // After a key rotation the export before it is signed by the log's former keys alone.
            // One that a key it publishes verifies is taken for this log's only as far as this
            // export, signed by a given key, ties its tree to the checkpoint (the checks below:
            // the previous tree this MANIFEST names, its entries, the consistency proof).
            guard error.noGivenSigner, let former = Self.verifyPreviousWithItsOwnKeys(at: previousPath) else {
                fail(.previous, previousPath, "does not verify: \(error.reason)")
                return nil
            }
            previous = former
            byFormerKey = true
        }
        let tree = ExportManifest.Tree(size: previous.manifest.treeSize, rootHash: previous.manifest.rootHash)
        pass(
            .previous, previousPath,
            "verifies: MANIFEST and checkpoint (size \(tree.size)) signed by \(previous.signers.joined(separator: ", "))"
                + (byFormerKey
                    ? ", a key it publishes and not a given one (as before a key rotation): its tree is this log's only "
                        + "if this export, which a given key signed, names or proves it (below); that proves the tree, not the key"
                    : ""))

        var problems: [String] = []
        if !previous.manifest.origin.utf8.elementsEqual(manifest.origin.utf8) {
            problems.append("it is an export of \(previous.manifest.origin), not \(manifest.origin)")
        }
        // A tree within this export's entries is compared through them (the consistency check);
        // that is how a kept export the log withdrew (a repair, a revocation) is checked against
        // the next delta, which extends the export before it.
        let withinEntries = tree.size >= manifest.entriesStart && tree.size <= manifest.entriesEnd
        if let stated = manifest.previous, !(withinEntries && stated.size != tree.size) {
            if stated.size != tree.size { problems.append("its tree size is \(tree.size), this MANIFEST's previous size \(stated.size)") }
            if stated.rootHash != tree.rootHash {
                problems.append(
                    "its root is \(Base64.encode(tree.rootHash)), this MANIFEST's previous root \(Base64.encode(stated.rootHash))")
            }
        } else if manifest.previous == nil, manifest.kind == .delta {
            problems.append("this delta names no previous tree")
        }
        if tree.size > manifest.treeSize {
            problems.append("its tree (\(tree.size)) is larger than this export's (\(manifest.treeSize))")
        }
        if problems.isEmpty {
            let named = manifest.previous.map { $0.size == tree.size } ?? false
            pass(
                .previous, previousPath,
                named
                    ? "is the previous tree this export names: size \(tree.size), root \(Base64.encode(tree.rootHash))"
                    : "the same log; " + (manifest.previous.map { "this export names the tree of size \($0.size)" }
                        ?? "this full export names no previous tree") + ", so its entries are compared with size \(tree.size) instead")
        } else {
            fail(.previous, previousPath, problems.joined(separator: "; "))
        }
        return tree
    }

    struct PreviousFailure: Error {
        let reason: String
        /// No given key signed its MANIFEST (and none that did failed to verify).
        var noGivenSigner = false
    }

    /// ``verifyPrevious(at:keys:)`` with the verifier keys the export at `path` publishes, one
    /// at a time: the export as its own signer presents it.
    static func verifyPreviousWithItsOwnKeys(at path: String) -> (manifest: ExportManifest, signers: [String])? {
        for published in ExportVerifier.publishedVerifierKeys(directory: path) {
            guard let key = TrustedKey(parsing: published) else { continue }
            if let verified = try? verifyPrevious(at: path, keys: [key]) { return verified }
        }
        return nil
    }

    /// The previous export's MANIFEST and the keys that signed it, if its MANIFEST signature and
    /// its checkpoint verify.
    static func verifyPrevious(
        at path: String, keys: [TrustedKey]
    ) throws(PreviousFailure) -> (manifest: ExportManifest, signers: [String]) {
        let directory = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard directory >= 0 else { throw PreviousFailure(reason: "cannot open it: \(FileSystem.reason(errno))") }
        defer { close(directory) }
        var present: [String: FileSystem.FileType] = [:]
        let manifestBytes: [UInt8]
        do {
            for name in try FileSystem.names(in: directory, path: path) { present[name] = FileSystem.type(of: name, in: directory) }
            guard
                let bytes = try FileSystem.readSmallFile(
                    ExportFormat.manifestFile, in: directory, path: path, limit: ExportVerifier.manifestSizeLimit)
            else { throw PreviousFailure(reason: "no MANIFEST") }
            manifestBytes = bytes
        } catch let error as PreviousFailure {
            throw error
        } catch {
            throw PreviousFailure(reason: "\(error)")
        }
        let manifest: ExportManifest
        do {
            manifest = try ExportManifest(parsing: manifestBytes)
        } catch {
            throw PreviousFailure(reason: error.description)
        }
        let signatures = SignatureCheck.run(keys: keys, manifest: manifestBytes, in: directory, path: path, present: present)
        guard signatures.failed.isEmpty else {
            throw PreviousFailure(reason: "its MANIFEST signature by \(signatures.failed.joined(separator: ", ")) does not verify")
        }
        guard !signatures.verified.isEmpty else {
            throw PreviousFailure(reason: "its MANIFEST has no signature by a given key", noGivenSigner: true)
        }

        let name = ExportFormat.checkpointFile
        guard let entry = manifest.file(named: name) else { throw PreviousFailure(reason: "its MANIFEST lists no checkpoint") }
        let scanned: FileScanner.Result
        do {
            scanned = try FileScanner.scan(name, in: directory, path: path, contentLimit: smallFileLimit)
        } catch {
            throw PreviousFailure(reason: error.description)
        }
        guard let note = scanned.content, scanned.size == entry.size, scanned.sha256 == entry.sha256, scanned.sm3 == entry.sm3
        else { throw PreviousFailure(reason: "its checkpoint file is not the one its MANIFEST lists") }
        do {
            _ = try NoteSigning.open(note, verifiers: keys.map(\.verifier))
        } catch {
            throw PreviousFailure(reason: "its checkpoint: \(error)")
        }
        guard let body = try? Checkpoint(parsingNoteBodyOf: String(decoding: note, as: UTF8.self)),
            body.origin.utf8.elementsEqual(manifest.origin.utf8), body.size == manifest.treeSize,
            body.rootHash == manifest.rootHash
        else { throw PreviousFailure(reason: "its checkpoint is not the tree its MANIFEST states") }
        return (manifest, signatures.verified)
    }
}
