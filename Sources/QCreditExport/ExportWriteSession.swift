import QCreditCrypto
import CanonicalJSON
import TransparencyLog

/// Writes the files of one export into its (partial) directory, checking the data as it streams
/// by; returns the MANIFEST that lists them.
struct ExportWriteSession<Source: ExportSource> {
    let plan: ExportPlan
    let source: Source
    /// The partial directory, open.
    let directory: Int32
    let path: String

    init(plan: ExportPlan, source: Source, directory: Int32, path: String) {
        self.plan = plan
        self.source = source
        self.directory = directory
        self.path = path
    }

    /// Creates `name`, lets `body` write it, then flushes and `fsync`s it.
    func write(_ name: String, _ body: (HashingFileWriter) throws(ExportError) -> Void) throws(ExportError) -> ExportManifest.FileEntry {
        let writer = try HashingFileWriter(creating: name, in: directory, directoryPath: path)
        try body(writer)
        return try writer.finish()
    }

    /// Every file but MANIFEST and the signatures. The small files and the proofs come first,
    /// so that an inconsistent log is refused before the long streams.
    func writeFiles(created: String) throws(ExportError) -> ExportManifest {
        var files: [ExportManifest.FileEntry] = []
        files.append(try write(ExportFormat.checkpointFile) { file throws(ExportError) in try file.write(plan.checkpoint.note) })

        let treeStart = try compactRangeAtStart()
        files.append(try write(ExportFormat.treeStartFile) { file throws(ExportError) in
            for hash in treeStart { try file.write(Base64.encode(hash) + "\n") }
        })
        let proof = try consistencyProof()
        files.append(try write(ExportFormat.consistencyProofFile) { file throws(ExportError) in
            for hash in proof { try file.write(Base64.encode(hash) + "\n") }
        })

        files.append(try write(ExportFormat.entriesFile) { file throws(ExportError) in
            try writeEntries(to: file, treeStart: treeStart)
        })
        var enterprises: Int64 = 0
        files.append(try write(ExportFormat.stateFile) { file throws(ExportError) in enterprises = try writeState(to: file) })
        var listings: Int64 = 0
        files.append(try write(ExportFormat.listingsFile) { file throws(ExportError) in listings = try writeListings(to: file) })

        files.append(try write(ExportFormat.verifierKeysFile) { file throws(ExportError) in
            for key in plan.keys { try file.write("\(key.type.rawValue) \(key.verifierKey)\n") }
        })
        for key in plan.keys {
            files.append(try write(ExportFormat.publicKeyFileName(type: key.type, keyID: key.keyID)) { file throws(ExportError) in
                try file.write(key.publicKeyPEM)
            })
        }

        return ExportManifest(
            origin: plan.origin, created: created, kind: plan.kind, asOf: plan.asOf, treeSize: plan.end,
            rootHash: plan.checkpoint.rootHash, entriesStart: plan.start, entriesEnd: plan.end,
            previous: plan.previous.map { ExportManifest.Tree(size: $0.treeSize, rootHash: $0.rootHash) },
            enterpriseCount: enterprises, listingCount: listings, files: files)
    }

    // MARK: The tree

    /// The hashes of the compact range `[0, start)`; for a delta they must fold to the previous
    /// export's root.
    private func compactRangeAtStart() throws(ExportError) -> [[UInt8]] {
        let start = plan.start
        let hashes: [[UInt8]]
        do {
            hashes = try source.compactRange(size: start)
        } catch {
            throw .source(what: "compact range at size \(start)", underlying: error)
        }
        let accumulator: MerkleAccumulator
        do {
            accumulator = try MerkleAccumulator(size: start, rootNodeHashes: hashes)
        } catch {
            throw .inconsistentLog("the compact range at size \(start): \(error)")
        }
        if let previous = plan.previous, previous.treeSize == start, accumulator.root != previous.rootHash {
            throw .inconsistentWithPrevious(
                "the log's tree of \(start) entries has root \(Base64.encode(accumulator.root)), "
                    + "the previous export's is \(Base64.encode(previous.rootHash))")
        }
        return hashes
    }

    /// The proof from the previous tree to the checkpoint, verified; empty when there is
    /// nothing to prove (no previous export, an empty previous tree, or equal sizes).
    private func consistencyProof() throws(ExportError) -> [[UInt8]] {
        guard let previous = plan.previous else { return [] }
        let end = plan.end
        let root = plan.checkpoint.rootHash
        if previous.treeSize == 0 {
            guard previous.rootHash == MerkleHash.empty else {
                throw .inconsistentWithPrevious("the previous export's empty tree has a root other than the empty hash")
            }
            return []
        }
        if previous.treeSize == end {
            // Nothing to prove, but two roots for one size would be a split view.
            guard previous.rootHash == root else {
                throw .inconsistentWithPrevious("the previous export has another root for the same size \(end)")
            }
            return []
        }
        let proof: [[UInt8]]
        do {
            proof = try source.consistencyProof(from: previous.treeSize, to: end)
        } catch {
            throw .source(what: "consistency proof from \(previous.treeSize) to \(end)", underlying: error)
        }
        do {
            try MerkleProof.verifyConsistency(
                oldSize: previous.treeSize, newSize: end, oldRoot: previous.rootHash, newRoot: root, proof: proof)
        } catch {
            throw .inconsistentWithPrevious("tree \(previous.treeSize) → \(end): \(error)")
        }
        return proof
    }

    // MARK: The streams

    /// Writes entries `start..<end`, checking each is one line of canonical JSON and that,
    /// appended to the compact range, they give the checkpoint's root (and, for a full export
    /// with a previous one, the previous root on the way).
    private func writeEntries(to file: HashingFileWriter, treeStart: [[UInt8]]) throws(ExportError) {
        let start = plan.start
        let end = plan.end
        let expected = end - start
        // Validated by compactRangeAtStart.
        var accumulator = (try? MerkleAccumulator(size: start, rootNodeHashes: treeStart)) ?? MerkleAccumulator()
        var count: Int64 = 0
        let previousTree = plan.previous.flatMap { $0.treeSize > start ? $0 : nil }
        do {
            try source.forEachEntry(from: start, to: end) { (bytes) throws(ExportError) in
                count += 1
                guard count <= expected else {
                    throw .inconsistentLog("the source gave more than the \(expected) entries \(start)..<\(end)")
                }
                try CanonicalLine.check(bytes, file: ExportFormat.entriesFile, line: count, what: "entry \(start + count - 1)")
                accumulator.append(leafData: bytes)
                if let previousTree, accumulator.size == previousTree.treeSize, accumulator.root != previousTree.rootHash {
                    throw .inconsistentWithPrevious(
                        "the first \(previousTree.treeSize) entries do not give the previous export's root")
                }
                try file.writeLine(bytes)
            }
        } catch let error as ExportError {
            throw error
        } catch {
            throw .source(what: "log entries \(start)..<\(end)", underlying: error)
        }
        guard count == expected else {
            throw .inconsistentLog("the source gave \(count) entries for \(start)..<\(end), not \(expected)")
        }
        guard accumulator.root == plan.checkpoint.rootHash else {
            throw .inconsistentLog(
                "entries \(start)..<\(end) on the compact range give root \(Base64.encode(accumulator.root)), "
                    + "not the checkpoint's \(Base64.encode(plan.checkpoint.rootHash))")
        }
    }

    /// Writes the enterprise files, canonical, checking the order; returns their number.
    private func writeState(to file: HashingFileWriter) throws(ExportError) -> Int64 {
        var count: Int64 = 0
        var last: StateOrderKey?
        do {
            try source.forEachEnterprise { (value) throws(ExportError) in
                count += 1
                guard let key = StateOrderKey(value) else {
                    throw .invalidRecord(
                        file: ExportFormat.stateFile, line: count, reason: "not an object with a \"uscc\" or \"orgCode\" string")
                }
                if let last, key < last {
                    throw .invalidRecord(file: ExportFormat.stateFile, line: count, reason: "\(key) is out of order after \(last)")
                }
                last = key
                try file.writeLine(try CanonicalLine.bytes(of: value, file: ExportFormat.stateFile, line: count))
            }
        } catch let error as ExportError {
            throw error
        } catch {
            throw .source(what: "enterprises", underlying: error)
        }
        return count
    }

    /// Writes the listings, canonical; returns their number.
    private func writeListings(to file: HashingFileWriter) throws(ExportError) -> Int64 {
        var count: Int64 = 0
        do {
            try source.forEachListing { (value) throws(ExportError) in
                count += 1
                guard value.objectValue != nil else {
                    throw .invalidRecord(file: ExportFormat.listingsFile, line: count, reason: "not a JSON object")
                }
                try file.writeLine(try CanonicalLine.bytes(of: value, file: ExportFormat.listingsFile, line: count))
            }
        } catch let error as ExportError {
            throw error
        } catch {
            throw .source(what: "listings", underlying: error)
        }
        return count
    }
}
