import QCreditCrypto
import SignedNote
import TransparencyLog

extension ExportVerification {
    /// The checkpoint note opens with the trusted keys.
    func checkCheckpointSignature(_ note: [UInt8]) {
        let name = ExportFormat.checkpointFile
        guard !keys.isEmpty else {
            fail(.checkpointSignature, name, "no usable verifier key to check it with")
            return
        }
        do {
            let (_, verified) = try NoteSigning.open(note, verifiers: keys.map(\.verifier))
            let signers = verified.map { "\($0.name)+\(Hex.keyID($0.keyID))" }
            pass(.checkpointSignature, name, "the note opens; signed by \(signers.joined(separator: ", "))")
        } catch {
            fail(.checkpointSignature, name, "\(error)")
        }
    }

    /// The checkpoint's signature, and its origin, size and root against the MANIFEST's.
    func checkCheckpoint(_ note: [UInt8], manifest: ExportManifest) {
        checkCheckpointSignature(note)
        let name = ExportFormat.checkpointFile
        let body: Checkpoint
        do {
            body = try Checkpoint(parsingNoteBodyOf: String(decoding: note, as: UTF8.self))
        } catch {
            fail(.checkpoint, name, "not a checkpoint note: \(error)")
            return
        }
        var problems: [String] = []
        if !body.origin.utf8.elementsEqual(manifest.origin.utf8) {
            problems.append("its origin is \(body.origin), the MANIFEST's \(manifest.origin)")
        }
        if body.size != manifest.treeSize { problems.append("its size is \(body.size), the MANIFEST's \(manifest.treeSize)") }
        if body.rootHash != manifest.rootHash {
            problems.append("its root is \(Base64.encode(body.rootHash)), the MANIFEST's \(Base64.encode(manifest.rootHash))")
        }
        if problems.isEmpty {
            pass(.checkpoint, name, "origin \(body.origin), size \(body.size), root \(Base64.encode(body.rootHash)): the MANIFEST's")
        } else {
            fail(.checkpoint, name, problems.joined(separator: "; "))
        }
    }

    /// `verifier-keys` parses, and each key's PEM file holds the same public key (and no PEM file
    /// is left over). Says which of the listed keys the verifier was given; the signatures by the
    /// others must verify with the export's own copies of their keys.
    func checkVerifierKeys(manifest: ExportManifest) {
        let name = ExportFormat.verifierKeysFile
        let content = scanSmallFile(name)
        var pems: [String: [UInt8]] = [:]
        for file in manifest.files where isPublicKeyFileName(file.name) {
            pems[file.name] = scanSmallFile(file.name)
        }
        guard let content else { return }
        guard let text = String(validating: content, as: UTF8.self) else {
            fail(.verifierKeys, name, "not valid UTF-8")
            return
        }
        guard !content.isEmpty, content.last == UInt8(ascii: "\n") else {
            fail(.verifierKeys, name, content.isEmpty ? "empty: it must list at least one key" : "no final newline")
            return
        }
        var problems: [String] = []
        var listed: [String] = []
        var referenced: Set<String> = []
        for (index, line) in text.dropLast().split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let parts = line.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, let type = ExportKeyType(rawValue: String(parts[0])) else {
                problems.append("line \(index + 1) is not \"<ed25519|sm2> <verifier key>\"")
                continue
            }
            let verifier: any PublicNoteKey
            do {
                verifier = try VerifierKey.parse(String(parts[1]))
            } catch {
                problems.append("line \(index + 1): \(error)")
                continue
            }
            let label = "\(verifier.name)+\(Hex.keyID(verifier.keyID))"
            guard ExportKeyType(encodedKeyType: verifier.encodedKey[0]) == type else {
                problems.append("line \(index + 1): \(label) is not an \(type.rawValue) key")
                continue
            }
            let given = keys.contains {
                $0.verifier.name.utf8.elementsEqual(verifier.name.utf8) && $0.verifier.encodedKey == verifier.encodedKey
            }
            listed.append("\(type.rawValue) \(label)" + (given ? " (given)" : " (not given)"))
            // The export is signed by every key it lists, given or not: a signature removed is
            // caught whatever keys the verifier trusts (audit: with both keys given, a missing
            // one passed as "no signature by", while one key given failed it).
            problems += signatureProblems(of: TrustedKey(verifier: verifier, type: type))
            let pemName = ExportFormat.publicKeyFileName(type: type, keyID: verifier.keyID)
            referenced.insert(pemName)
            guard let pem = pems[pemName] else {
                if manifest.file(named: pemName) == nil { problems.append("\(pemName), the PEM of \(label), is not listed") }
                continue
            }
            if let problem = Self.pemProblem(pem, type: type, verifier: verifier) {
                problems.append("\(pemName): \(problem)")
            }
        }
        for pemName in pems.keys.sorted() where !referenced.contains(pemName) {
            problems.append("\(pemName) is the PEM of no key listed")
        }
        if problems.isEmpty {
            pass(.verifierKeys, name, "\(listed.count) key(s), each with its PEM file: \(listed.joined(separator: ", "))")
        } else {
            fail(.verifierKeys, name, problems.joined(separator: "; "))
        }
    }

    private static func pemProblem(_ pem: [UInt8], type: ExportKeyType, verifier: any PublicNoteKey) -> String? {
        let text = String(decoding: pem, as: UTF8.self)
        do {
            let same: Bool =
                switch type {
                case .ed25519: try Ed25519PublicKey(spkiPEM: text).raw == Array(verifier.encodedKey.dropFirst())
                case .sm2: try SM2PublicKey(spkiPEM: text).uncompressedPoint == Array(verifier.encodedKey.suffix(65))
                }
            return same ? nil : "holds another public key than the verifier key"
        } catch {
            return "\(error)"
        }
    }

    /// `tree-start` holds the compact range of the entries' start; for a delta it folds to the
    /// MANIFEST's previous root. Returns the hashes if they form a compact range of that size.
    func checkTreeStart(_ content: [UInt8], manifest: ExportManifest) -> [[UInt8]]? {
        let name = ExportFormat.treeStartFile
        let start = manifest.entriesStart
        guard let hashes = Self.hashLines(content) else {
            fail(.treeStart, name, "not base64 hashes of 32 bytes, one per line")
            return nil
        }
        let accumulator: MerkleAccumulator
        do {
            accumulator = try MerkleAccumulator(size: start, rootNodeHashes: hashes)
        } catch {
            fail(.treeStart, name, "\(hashes.count) hashes, but a tree of \(start) entries has \(start.nonzeroBitCount) root nodes")
            return nil
        }
        guard start > 0 else {
            pass(.treeStart, name, "empty: the entries start at 0")
            return hashes
        }
        let root = Base64.encode(accumulator.root)
        if let previous = manifest.previous, previous.size == start {
            if accumulator.root == previous.rootHash {
                pass(.treeStart, name, "\(hashes.count) hash(es) fold to \(root), the MANIFEST's previous root at size \(start)")
            } else {
                fail(
                    .treeStart, name,
                    "\(hashes.count) hash(es) fold to \(root), not the MANIFEST's previous root \(Base64.encode(previous.rootHash))")
            }
        } else {
            pass(.treeStart, name, "\(hashes.count) hash(es): the compact range of the first \(start) entries, root \(root)")
        }
        return hashes
    }

    /// The hashes of a `tree-start` or `consistency-proof` file: strict base64 of 32 bytes, one
    /// per `\n`-terminated line; nil if the content is anything else.
    static func hashLines(_ content: [UInt8]) -> [[UInt8]]? {
        guard !content.isEmpty else { return [] }
        guard content.last == UInt8(ascii: "\n") else { return nil }
        var hashes: [[UInt8]] = []
        for line in content.dropLast().split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            guard let hash = Base64.decode(String(decoding: line, as: UTF8.self)), hash.count == MerkleHash.size else {
                return nil
            }
            hashes.append(hash)
        }
        return hashes
    }

    /// What is wrong with the signatures by `key`, a key the export lists: one missing was
    /// removed (the daemon signs with every key it lists), and one that does not verify with the
    /// key the export itself names was altered. For a key the verifier was not given such a
    /// signature proves nothing, but an auditor holding that key (or using the stock-tool recipe
    /// with it) would fail the export.
    func signatureProblems(of key: TrustedKey) -> [String] {
        var problems: [String] = []
        if let manifestBytes {
            let file = key.signatureFileName
            switch present[file] {
            case nil: problems.append("\(file) is missing: the export lists \(key.label) and is signed by every key it lists")
            case .regular:
                let signature = try? FileSystem.readSmallFile(file, in: directory, path: path, limit: SignatureCheck.sizeLimit)
                if signature.map({ key.verifier.isValid(signature: $0, for: manifestBytes) }) != true {
                    problems.append("\(file) does not verify over MANIFEST with the export's own \(key.type.rawValue) key \(key.label)")
                }
            default: problems.append("\(file) is not a regular file")
            }
        }
        if let checkpointNote {
            do {
                _ = try NoteSigning.open(checkpointNote, verifiers: [key.verifier])
            } catch .badSignature {
                problems.append("the checkpoint's signature by \(key.label) does not verify with the export's own key")
            } catch .noVerifiedSignature {
                problems.append("the checkpoint has no signature by \(key.label), which the export lists")
            } catch {
                // A note that does not parse has already failed its own check.
            }
        }
        return problems
    }
}
