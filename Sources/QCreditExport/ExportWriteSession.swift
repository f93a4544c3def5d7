import QCreditCrypto
import CanonicalJSON
import TransparencyLog

/// Writes the files of one part of an export into its (partial) directory, checking the data as
/// it streams by; returns the MANIFEST that lists them.
struct ExportWriteSession<Source: ExportSource> {
    let plan: ExportPlan
    let source: Source
    let part: ExportPart
    /// The partial directory, open.
    let directory: Int32
    let path: String
    /// The group every file is given (restricted part only).
    let group: RestrictedGroup?

    init(plan: ExportPlan, source: Source, part: ExportPart, directory: Int32, path: String, group: RestrictedGroup? = nil) {
        self.plan = plan
        self.source = source
        self.part = part
        self.directory = directory
        self.path = path
        self.group = group
    }

    /// Creates `name`, lets `body` write it, then flushes and `fsync`s it.
    func write(_ name: String, _ body: (HashingFileWriter) throws(ExportError) -> Void) throws(ExportError) -> ExportManifest.FileEntry {
        let mode = part == .public ? ExportFormat.publicFileMode : ExportFormat.restrictedFileMode
        let writer = try HashingFileWriter(creating: name, in: directory, directoryPath: path, mode: mode, group: group)
        try body(writer)
        return try writer.finish()
    }

    /// The public export's files but MANIFEST and the signatures, and the restricted part's
    /// `openings.jsonl` (in `restricted`'s directory) from the same pass over the log: every
    /// opening's line is made once, for both. The small files and the proofs come first, so
    /// that an inconsistent log is refused before the long streams.
    func writePublicFiles(created: String, allOpeningsInto restricted: ExportWriteSession) throws(ExportError)
        -> (manifest: ExportManifest, allOpenings: WrittenOpenings)
    {
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

        // One pass over the log for three files: each leaf, its opening while disclosed, and
        // every opening for the restricted part.
        var openings = WrittenOpenings(file: nil, count: 0)
        var allOpenings = WrittenOpenings(file: nil, count: 0)
        files.append(try write(ExportFormat.entriesFile) { entries throws(ExportError) in
            openings.file = try write(ExportFormat.openingsFile) { file throws(ExportError) in
                allOpenings.file = try restricted.write(ExportFormat.openingsFile) { all throws(ExportError) in
                    (openings.count, allOpenings.count) = try writeEntries(
                        to: entries, openings: file, allOpenings: all, treeStart: treeStart)
                }
            }
        })
        if let file = openings.file { files.append(file) }
        var enterprises: Int64 = 0
        files.append(try write(ExportFormat.stateFile) { file throws(ExportError) in enterprises = try writeState(to: file) })
        var listings: Int64 = 0
        files.append(try write(ExportFormat.listingsFile) { file throws(ExportError) in listings = try writeListings(to: file) })
        files += try writeKeyFiles()
        return (
            manifest(
                created: created, exportName: nil, enterprises: enterprises, listings: listings, openings: openings.count,
                files: files),
            allOpenings
        )
    }

    /// An `openings.jsonl` written, and how many openings it holds.
    struct WrittenOpenings {
        var file: ExportManifest.FileEntry?
        var count: Int64
    }

    /// The restricted part's files but MANIFEST and the signatures: every opening of the
    /// export's entries (`openings`, written by the public pass), every listing.
    func writeRestrictedFiles(created: String, exportName: String, openings: WrittenOpenings) throws(ExportError) -> ExportManifest {
        var files: [ExportManifest.FileEntry] = []
        if let file = openings.file { files.append(file) }
        var listings: Int64 = 0
        files.append(try write(ExportFormat.listingsFile) { file throws(ExportError) in listings = try writeListings(to: file) })
        files += try writeKeyFiles()
        return manifest(
            created: created, exportName: exportName, enterprises: nil, listings: listings, openings: openings.count, files: files)
    }

    private func writeKeyFiles() throws(ExportError) -> [ExportManifest.FileEntry] {
        var files = [
            try write(ExportFormat.verifierKeysFile) { file throws(ExportError) in
                for key in plan.keys { try file.write("\(key.type.rawValue) \(key.verifierKey)\n") }
            }
        ]
        for key in plan.keys {
            files.append(try write(ExportFormat.publicKeyFileName(type: key.type, keyID: key.keyID)) { file throws(ExportError) in
                try file.write(key.publicKeyPEM)
            })
        }
        return files
    }

    private func manifest(
        created: String, exportName: String?, enterprises: Int64?, listings: Int64, openings: Int64,
        files: [ExportManifest.FileEntry]
    ) -> ExportManifest {
        ExportManifest(
            part: part, exportName: exportName, origin: plan.origin, created: created, kind: plan.kind, asOf: plan.asOf,
            treeSize: plan.end, rootHash: plan.checkpoint.rootHash, entriesStart: plan.start, entriesEnd: plan.end,
            previous: plan.previous.map { ExportManifest.Tree(size: $0.treeSize, rootHash: $0.rootHash) },
            enterpriseCount: enterprises, listingCount: listings, openingCount: openings, files: files)
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

    /// Writes entries `start..<end`, the openings disclosed among them to `openings` and every
    /// opening the source holds to `allOpenings` (an entry without one, a leaf a restore replayed
    /// without it, is left out there, and the restricted part's verification names it). Checks
    /// that each entry is a format-2 leaf, that each opening opens its leaf, and that the leaves,
    /// appended to the compact range, give the checkpoint's root (and, for a full export with a
    /// previous one, the previous root on the way). Returns the numbers of openings written to each.
    private func writeEntries(
        to file: HashingFileWriter, openings: HashingFileWriter, allOpenings: HashingFileWriter, treeStart: [[UInt8]]
    ) throws(ExportError) -> (disclosed: Int64, all: Int64) {
        let start = plan.start
        let end = plan.end
        let expected = end - start
        // Validated by compactRangeAtStart.
        var accumulator = (try? MerkleAccumulator(size: start, rootNodeHashes: treeStart)) ?? MerkleAccumulator()
        var count: Int64 = 0
        var openingCount: Int64 = 0
        var allOpeningCount: Int64 = 0
        let previousTree = plan.previous.flatMap { $0.treeSize > start ? $0 : nil }
        do {
            try source.forEachEntry(from: start, to: end) { (entry) throws(ExportError) in
                count += 1
                guard count <= expected else {
                    throw .inconsistentLog("the source gave more than the \(expected) entries \(start)..<\(end)")
                }
                let index = start + count - 1
                guard LeafCommitment(bytes: entry.leaf) != nil else {
                    throw .invalidRecord(
                        file: ExportFormat.entriesFile, line: count, reason: "entry \(index) is not a leaf of format \(LeafCommitment.format)")
                }
                accumulator.append(leafData: entry.leaf)
                if let previousTree, accumulator.size == previousTree.treeSize, accumulator.root != previousTree.rootHash {
                    throw .inconsistentWithPrevious(
                        "the first \(previousTree.treeSize) entries do not give the previous export's root")
                }
                try file.writeLine(entry.leaf)
                if let opening = entry.opening {
                    allOpeningCount += 1
                    let line = try Self.openingLine(index: index, opening: opening, leaf: entry.leaf, line: allOpeningCount)
                    try allOpenings.writeLine(line)
                    if entry.isDisclosed {
                        openingCount += 1
                        try openings.writeLine(line)
                    }
                }
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
        return (openingCount, allOpeningCount)
    }

    /// The `openings.jsonl` line of entry `index`, checked: the opening opens the leaf, and the
    /// record is a canonical JSON object (so the line carries its exact bytes).
    private static func openingLine(index: Int64, opening: RecordOpening, leaf: [UInt8], line: Int64) throws(ExportError) -> [UInt8] {
        guard opening.opens(leaf) else { throw .inconsistentLog("the opening of entry \(index) does not open its leaf") }
        guard let bytes = OpeningLine.bytes(index: index, opening: opening) else {
            throw .invalidRecord(
                file: ExportFormat.openingsFile, line: line, reason: "the record of entry \(index) is not a canonical JSON object")
        }
        return bytes
    }

    /// Writes the enterprise files, canonical, checking the order; returns their number.
    private func writeState(to file: HashingFileWriter) throws(ExportError) -> Int64 {
        var count: Int64 = 0
        var last: StateOrderKey?
        do {
            try source.forEachEnterpriseLine { (line) throws(ExportError) in
                count += 1
                let key: StateOrderKey?
                let bytes: [UInt8]
                switch line {
                case .value(let value):
                    key = StateOrderKey(value)
                    bytes = try CanonicalLine.bytes(of: value, file: ExportFormat.stateFile, line: count)
                case .canonical(let canonical, let uscc, let orgCode):
                    key = StateOrderKey(uscc: uscc, orgCode: orgCode)
                    // The one-pass check decides nearly every line; the parse is for the few it leaves.
                    guard canonical.first == UInt8(ascii: "{"),
                        CanonicalForm.check(canonical) ?? (canonical.withUnsafeBytes { CanonicalLine.problem(in: $0) } == nil)
                    else {
                        throw .invalidRecord(file: ExportFormat.stateFile, line: count, reason: "not a canonical JSON object")
                    }
                    bytes = canonical
                }
                guard let key else {
                    throw .invalidRecord(
                        file: ExportFormat.stateFile, line: count, reason: "not an object with a \"uscc\" or \"orgCode\" string")
                }
                if let last, key < last {
                    throw .invalidRecord(file: ExportFormat.stateFile, line: count, reason: "\(key) is out of order after \(last)")
                }
                last = key
                try file.writeLine(bytes)
            }
        } catch let error as ExportError {
            throw error
        } catch {
            throw .source(what: "enterprises", underlying: error)
        }
        return count
    }

    /// Writes the part's listings, canonical; returns their number.
    private func writeListings(to file: HashingFileWriter) throws(ExportError) -> Int64 {
        var count: Int64 = 0
        do {
            try source.forEachListing(in: part) { (value) throws(ExportError) in
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
