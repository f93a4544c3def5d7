import QCreditCrypto
import TransparencyLog

extension ExportVerification {
    /// Streams `entries.jsonl`: each line a format-2 leaf (``LeafCommitment``), end − start of them, and `tree-start`
    /// extended with their leaf hashes giving the checkpoint's root (the MANIFEST's, which the
    /// checkpoint check ties to the note). Also returns the roots of the previous trees' sizes
    /// met on the way, so those trees can be compared without a proof.
    func checkEntries(
        manifest: ExportManifest, treeStart: [[UInt8]]?, previousTree: ExportManifest.Tree?
    ) -> [Int64: [UInt8]] {
        let name = ExportFormat.entriesFile
        let start = manifest.entriesStart
        let end = manifest.entriesEnd
        var accumulator: MerkleAccumulator? =
            start == 0 ? MerkleAccumulator() : treeStart.flatMap { try? MerkleAccumulator(size: start, rootNodeHashes: $0) }
        // Previous trees whose size falls within this export's entries (a full export: any; a
        // delta: an export the log withdrew after it, which the next delta does not name).
        var wanted: Set<Int64> = []
        for tree in [manifest.previous, previousTree].compactMap({ $0 }) where tree.size >= start && tree.size <= end {
            wanted.insert(tree.size)
        }
        var roots: [Int64: [UInt8]] = [:]
        if let accumulator, wanted.contains(start) { roots[start] = accumulator.root }
        var problems = ProblemList()
        var count: Int64 = 0
        let scanned = scanListedFile(name) { number, bytes in
            count = number
            // Wrapping: a hostile MANIFEST may put the start near Int64.max; this is only for messages.
            let entry = start &+ (number &- 1)
            guard let bytes else {
                problems.add("line \(number) (entry \(entry)) is longer than \(FileScanner.maximumLineLength) bytes")
                accumulator = nil
                return
            }
            if LeafCommitment(bytes: bytes) == nil {
                problems.add("line \(number) (entry \(entry)) is not a leaf of format \(LeafCommitment.format)")
            }
            accumulator?.append(leafData: bytes)
            if let size = accumulator?.size, wanted.contains(size) { roots[size] = accumulator?.root }
        }
        guard let scanned else { return roots }
        if !scanned.endsWithNewline { problems.add("the last line has no newline") }
        if count != end - start { problems.add("\(count) lines for entries \(start)..<\(end), which are \(end - start)") }
        if problems.isEmpty {
            pass(.entries, name, "\(count) entries \(start)..<\(end), each a leaf of format \(LeafCommitment.format)")
        } else {
            fail(.entries, name, problems.summary)
        }

        guard let accumulator else {
            fail(.root, name, "cannot be computed: " + (start > 0 && treeStart == nil ? "tree-start is unusable" : "a line is too long"))
            return roots
        }
        if accumulator.size == manifest.treeSize && accumulator.root == manifest.rootHash {
            pass(
                .root, name,
                (start > 0 ? "tree-start and the \(count) entries" : "the \(count) entries")
                    + " give the checkpoint's root \(Base64.encode(accumulator.root)) (tree size \(accumulator.size))")
        } else {
            fail(
                .root, name,
                "tree size \(accumulator.size) with root \(Base64.encode(accumulator.root)); the checkpoint's is size "
                    + "\(manifest.treeSize) with root \(Base64.encode(manifest.rootHash))")
        }
        return roots
    }

    /// The consistency proof leads from the previous tree to the checkpoint. The previous tree
    /// is, by preference: the previous export's (verified), the root `tree-start` folds to (a
    /// delta), the MANIFEST's previous tree. A previous export of another size within this
    /// export's entries is compared through them (`entryRoots`).
    func checkConsistency(
        _ content: [UInt8], manifest: ExportManifest, treeStart: [[UInt8]]?, previousTree: ExportManifest.Tree?,
        entryRoots: [Int64: [UInt8]]
    ) {
        let name = ExportFormat.consistencyProofFile
        guard let proof = Self.hashLines(content) else {
            fail(.consistency, name, "not base64 hashes of 32 bytes, one per line")
            return
        }
        let old: (tree: ExportManifest.Tree, what: String)?
        if let previousTree {
            old = (previousTree, "the previous export's checkpoint")
        } else if let previous = manifest.previous {
            if manifest.kind == .delta, previous.size == manifest.entriesStart, let treeStart,
                let folded = try? MerkleAccumulator(size: previous.size, rootNodeHashes: treeStart)
            {
                old = (ExportManifest.Tree(size: previous.size, rootHash: folded.root), "the root tree-start folds to")
            } else {
                old = (previous, "the MANIFEST's previous tree")
            }
        } else {
            old = nil
        }

        let new = "the checkpoint (size \(manifest.treeSize))"
        if let old {
            let from = "\(old.what) (size \(old.tree.size), root \(Base64.encode(old.tree.rootHash)))"
            if old.tree.size == 0 {
                if old.tree.rootHash == MerkleHash.empty && proof.isEmpty {
                    pass(.consistency, name, "empty: the previous tree is empty, and every log extends it")
                } else {
                    fail(.consistency, name, "\(from) is empty, so the proof must be empty and the root the empty hash")
                }
            } else if old.tree.size == manifest.previous?.size {
                do {
                    try MerkleProof.verifyConsistency(
                        oldSize: old.tree.size, newSize: manifest.treeSize, oldRoot: old.tree.rootHash,
                        newRoot: manifest.rootHash, proof: proof)
                    pass(.consistency, name, "\(proof.count) hash(es) prove that \(new) extends \(from)")
                } catch {
                    fail(.consistency, name, "does not prove that \(new) extends \(from): \(error)")
                }
            } else if let root = entryRoots[old.tree.size] {
                if root == old.tree.rootHash {
                    pass(.consistency, ExportFormat.entriesFile, "the first \(old.tree.size) entries give the root of \(from)")
                } else {
                    fail(
                        .consistency, ExportFormat.entriesFile,
                        "the first \(old.tree.size) entries give root \(Base64.encode(root)), not that of \(from)")
                }
            } else {
                let stated = manifest.previous.map { "size \($0.size)" } ?? "no previous tree"
                fail(.consistency, name, "the proof is from the MANIFEST's \(stated), not from \(from)")
            }
        } else if proof.isEmpty {
            pass(.consistency, name, "empty: the export names no previous tree")
        } else {
            fail(.consistency, name, "\(proof.count) hash(es), but the export names no previous tree")
        }

        // A full export holds the previous tree's entries: they must give its root too.
        if manifest.kind == .full, let previous = manifest.previous, previous.size > 0, let root = entryRoots[previous.size] {
            if root == previous.rootHash {
                pass(.consistency, ExportFormat.entriesFile, "the first \(previous.size) entries give the MANIFEST's previous root")
            } else {
                fail(
                    .consistency, ExportFormat.entriesFile,
                    "the first \(previous.size) entries give root \(Base64.encode(root)), "
                        + "not the MANIFEST's previous root \(Base64.encode(previous.rootHash))")
            }
        }
    }
}
