import CanonicalJSON
import Foundation
import Glibc
import QCreditConfig
import QCreditCrypto
import QCreditDomain
import QCreditExport
import QCreditLog
import QCreditStore
import SignedNote
import TransparencyLog

/// What `qcredit restore` does, step by step: stage the backup's database beside the state,
/// replay missing records, check every signed tree, then swap the files in.
struct Restore {
    let stateDirectory: String
    let exportsDirectory: String
    let backup: String
    let exports: [String]
    /// The operator's word that the backup holds the newest tree the log signed, for a restore
    /// with no history of the signed trees at hand (``refuseWithoutHistory(_:)``).
    var backupIsNewest = false
    /// The log's settings: its key files, and the name its signature lines carry (`keyName`,
    /// when set, not the origin).
    let logSettings: DaemonConfiguration.LogSettings
    /// The registry's time zone: the day a replayed record was published on is a day there.
    let utcOffset: UTCOffset
    var keyFiles: [String] { logSettings.keyFiles }
    var keysConfigured: Bool { !keyFiles.isEmpty }

    /// The operator's own copies of the history of signed trees, trusted as they are: the state
    /// directory's and the configured exports directory's.
    var histories: [String] { [stateDirectory, exportsDirectory].map(Self.history(in:)) }
    var exportsDirectoryHistory: String { Self.history(in: exportsDirectory) }

    static func history(in directory: String) -> String {
        (directory as NSString).appendingPathComponent(CheckpointHistory.fileName)
    }

    /// The `checkpoint-history` files beside export `export`: in the folder it was given in and in
    /// the one it is in once links are followed, where the daemon that wrote it kept its history
    /// (restore may be run without the daemon's --config, and then knows only a default). Not
    /// the configured ones (``histories``).
    func historiesBeside(_ export: String) -> [String] {
        let given = URL(fileURLWithPath: export).standardizedFileURL
        let trusted = Set(histories.map { URL(fileURLWithPath: $0).standardizedFileURL.path })
        var seen: Set<String> = []
        return [given, given.resolvingSymlinksInPath()].map {
            $0.deletingLastPathComponent().appendingPathComponent(CheckpointHistory.fileName).path
        }.filter { !trusted.contains($0) && seen.insert($0).inserted }
    }

    init(configuration: DaemonConfiguration, backup: String, exports: [String]) throws {
        stateDirectory = configuration.stateDirectory
        exportsDirectory = configuration.exportDirectory
        self.backup = backup
        self.exports = exports
        logSettings = configuration.log
        utcOffset = configuration.utcOffset
    }

    struct Outcome {
        var backupSize: Int64
        var replayed: Int64
        /// How many of the replayed leaves came with their openings.
        var replayedOpenings: Int64
        var size: Int64
        var signed: SignedTree?
        /// Records still missing: the log does not reach its newest signed tree.
        var missing: Range<Int64>?
        var replacedDirectory: String?
        /// The state directory had a database, now in ``replacedDirectory`` (else only its checkpoint is).
        var replacedADatabase = false
        var keysMissing: Bool
        /// The backup's log had signed a checkpoint (verified or not).
        var backupSigned = false
        /// The exports directory looked in for the exports' copy of the signed-tree history,
        /// when it holds none (a daemon configured elsewhere, or restore run without `--config`).
        var exportsHistoryNotFound: String? = nil
        /// Exports checked only with the keys they publish: the log's own were not at hand, or
        /// they were signed before a key rotation.
        var exportsNotCheckedWithLogKeys: [String] = []
        /// Exports given whose records start after the first missing one: a gap before them
        /// left them unused.
        var exportsPastTheGap: [(export: String, records: Range<Int64>)] = []

        var lines: [String] {
            var lines = ["restored \(Render.records(size)): \(backupSize) from the backup, \(replayed) replayed from exports"]
            if replayed > 0 && replayedOpenings == replayed {
                lines.append(
                    (replayed == 1 ? "the one replayed came" : "all \(replayed) replayed came")
                        + " with their openings (from the restricted parts where readable, else the disclosed ones)")
            } else if replayed > 0 {
                lines.append(
                    "\(replayedOpenings) of the \(replayed) replayed with their openings (from the restricted parts where readable, "
                        + "else the disclosed ones); the others are leaves only")
            }
            if let signed {
                if missing == nil {
                    lines.append("the log reaches its newest signed tree (\(Render.records(signed.size)), root \(Base64.encode(signed.rootHash)))")
                }
            } else {
                lines.append("no signed tree is on record: the log starts from the backup")
            }
            if let replacedDirectory {
                lines.append(
                    replacedADatabase
                        ? "the database it replaced is kept in \(replacedDirectory)"
                        : "there was no database to replace; the state directory's checkpoint file is kept in \(replacedDirectory)")
            }
            if let missing, let signed {
                var warning =
                    "WARNING: the log signed \(signed.size) records, but records \(missing.lowerBound)..<\(missing.upperBound) are "
                    + "missing; qcreditd will refuse to start until they are replayed: "
                    + "qcredit restore BACKUP --entries EXPORT… with the exports that hold them"
                if !exportsPastTheGap.isEmpty {
                    warning +=
                        "; not used: "
                        + exportsPastTheGap.map { "\($0.export) (records \($0.records.lowerBound)..<\($0.records.upperBound))" }
                        .joined(separator: ", ")
                        + ", since the replay runs without a gap and no export given holds record \(missing.lowerBound)"
                }
                lines.append(warning)
            }
            if let exportsHistoryNotFound {
                lines.append(
                    "WARNING: \(exportsHistoryNotFound) holds no \(CheckpointHistory.fileName): only the state directory's history "
                        + "was checked. If the daemon keeps its exports elsewhere, run restore again with its --config, "
                        + "and start qcreditd only with that config, or a log it signed further may be forked")
            }
            if !exportsNotCheckedWithLogKeys.isEmpty {
                lines.append(
                    "note: \(exportsNotCheckedWithLogKeys.joined(separator: ", ")) \(exportsNotCheckedWithLogKeys.count == 1 ? "was" : "were") "
                        + "checked with the keys \(exportsNotCheckedWithLogKeys.count == 1 ? "it publishes" : "they publish"): the "
                        + "log's own were not at hand (those keys signed the backup's checkpoint), or rotated since (their trees are on "
                        + "record as signed)")
            }
            if keysMissing {
                lines.append(
                    "WARNING: no signing key is configured or in the state directory's keys/: copy the log's keys back "
                        + "(backups do not hold them); qcreditd will not make new keys for a log that has signed before")
            }
            return lines
        }

        var json: JSONValue {
            [
                "backupSize": .int(backupSize), "replayed": .int(replayed), "replayedOpenings": .int(replayedOpenings),
                "size": .int(size),
                "signedSize": JSONValue(signed?.size), "signedRoot": JSONValue(signed.map { Base64.encode($0.rootHash) }),
                "missing": missing.map { ["start": .int($0.lowerBound), "end": .int($0.upperBound)] } ?? .null,
                "replaced": JSONValue(replacedDirectory), "keysMissing": .bool(keysMissing),
                "exportsHistoryNotFound": JSONValue(exportsHistoryNotFound),
                "exportsNotCheckedWithLogKeys": .array(exportsNotCheckedWithLogKeys.map(JSONValue.string)),
                "exportsNotUsed": .array(
                    exportsPastTheGap.map { ["export": .string($0.export), "start": .int($0.records.lowerBound), "end": .int($0.records.upperBound)] }),
            ]
        }
    }

    func run() async throws -> Outcome {
        let backupDatabase = (backup as NSString).appendingPathComponent("registry.sqlite")
        // Readable before anything else: a backup written by another user (mode 0700, files
        // 0600) must be named as unreadable, not as "not a backup".
        let descriptor = open(backupDatabase, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            let code = errno
            if code == ENOENT || code == ENOTDIR {
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: backup, isDirectory: &isDirectory) else {
                    throw Failure.badInput("\(backup) does not exist; nothing was changed")
                }
                throw Failure.badInput(
                    "\(backup) \(isDirectory.boolValue ? "holds no registry.sqlite" : "is a file, not a directory"): "
                        + "it is not a backup written by qcredit backup")
            }
            throw Failure.badInput(
                "cannot read \(backupDatabase): \(systemErrorText(code))"
                    + (code == EACCES ? " (a backup is readable by the user who wrote it: chown -R it to the user restoring)" : ""))
        }
        close(descriptor)
        // A refused restore changes nothing: a state directory it had to make goes again (see
        // removeWhatWasMade), from the first folder of its path that was not there.
        let stateDirectory = URL(fileURLWithPath: self.stateDirectory).standardizedFileURL.path
        let made = Self.firstMissingFolder(of: stateDirectory)
        do {
            try FileManager.default.createDirectory(
                atPath: stateDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw Failure.badInput("cannot make or use the state directory \(stateDirectory): \(fileErrorText(error))")
        }
        let lock: StateDirectoryLock
        do {
            lock = try StateDirectoryLock(directory: stateDirectory)
        } catch {
            throw Failure.badInput("\(error)")
        }
        defer { withExtendedLifetime(lock) {} }
        do {
            return try await restoreLocked()
        } catch {
            if let made {
                Self.removeWhatWasMade(stateDirectory, upTo: made)
            } else {
                // A refused restore changes nothing, not even the lock file it made (under its lock).
                lock.removeItsFileIfMade()
            }
            throw error
        }
    }

    /// The outermost folder of `path` (itself included) that does not exist yet, or nil.
    static func firstMissingFolder(of path: String) -> String? {
        var missing: String?
        var folder = path
        while !folder.isEmpty, folder != "/", !FileManager.default.fileExists(atPath: folder) {
            missing = folder
            folder = FilePaths.parent(of: folder)
        }
        return missing
    }

    /// Undoes the making of `directory` and its missing parents up to `made`, under its lock: only
    /// while it holds nothing but the lock file (nothing was installed, no other process put
    /// anything there), and folder by folder with rmdir(2), which removes only empty ones.
    static func removeWhatWasMade(_ directory: String, upTo made: String) {
        guard (try? FileManager.default.contentsOfDirectory(atPath: directory)) == [StateDirectoryLock.fileName] else { return }
        unlink((directory as NSString).appendingPathComponent(StateDirectoryLock.fileName))
        var folder = directory
        while rmdir(folder) == 0, folder != made, folder.count > made.count {
            folder = FilePaths.parent(of: folder)
        }
    }

    /// The restore itself, in a state directory that exists, under its lock.
    private func restoreLocked() async throws -> Outcome {
        let backupDatabase = (backup as NSString).appendingPathComponent("registry.sqlite")
        let staging = (stateDirectory as NSString).appendingPathComponent(".restore-\(getpid())")
        try? FileManager.default.removeItem(atPath: staging)
        try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(atPath: staging) }
        try refuseWithoutHistory(backupSigned: FileManager.default.fileExists(atPath: (backup as NSString).appendingPathComponent("checkpoint")))
        let stagedPath = (staging as NSString).appendingPathComponent("registry.sqlite")
        try FileManager.default.copyItem(atPath: backupDatabase, toPath: stagedPath)
        // A database a daemon was killed over (a `replaced-<time>/` folder, a cold copy of a state
        // directory) has its newest acknowledged writes in its write-ahead log: read with it,
        // not without (audit: a restore of `replaced-<time>/` lost them). Its -shm is not needed:
        // SQLite rebuilds it from the log.
        if FileManager.default.fileExists(atPath: backupDatabase + "-wal") {
            try FileManager.default.copyItem(atPath: backupDatabase + "-wal", toPath: stagedPath + "-wal")
            try? RegistryDatabase.foldWriteAheadLog(ofDatabaseAt: stagedPath)
        }
        // Checked before it is opened (opening an empty file would make a new, empty registry)
        // and long before it replaces anything.
        if let problem = RegistryDatabase.problemWithCopy(at: stagedPath) {
            throw Failure.badInput("\(backupDatabase) is not an intact registry database: \(problem); nothing was changed")
        }

        var outcome = try await stage(stagedPath)
        try refuseWithoutHistory(outcome)
        // An incomplete restore leaves a daemon that refuses to start: never put one in place of
        // a database that holds more of the log (the exports that fill the gap were forgotten).
        let current = (stateDirectory as NSString).appendingPathComponent("registry.sqlite")
        if let missing = outcome.missing, let held = RegistryDatabase.logSize(ofDatabaseAt: current), held > outcome.size {
            throw Failure.badInput(
                "the state directory's database holds \(held) records, and this backup with these exports reaches only "
                    + "\(outcome.size) of the \(missing.upperBound) the log signed (records \(missing.lowerBound)..<\(missing.upperBound) "
                    + "missing): restoring it would leave qcreditd refusing to start; nothing was changed. Give the exports that "
                    + "hold them (--entries), or move \(current) aside first if it is damaged")
        }
        (outcome.replacedDirectory, outcome.replacedADatabase) = try install(staging: staging)
        try recordSignedTree(outcome)
        try giveToTheStateDirectorysOwner(replaced: outcome.replacedDirectory)
        outcome.keysMissing = !keysConfigured && !hasKeyFiles
        let exportsHistories = [exportsDirectoryHistory] + exports.flatMap(historiesBeside)
        if !exportsHistories.contains(where: FileManager.default.fileExists(atPath:)) { outcome.exportsHistoryNotFound = exportsDirectory }
        return outcome
    }

    /// With neither copy of the signed-tree history at hand (a state directory lost or new, and
    /// no exports directory holding one) and no export given, nothing says how far the log
    /// signed after the backup: the daemon, its keys put back, would sign new roots for sizes it
    /// may already have signed — a fork. So that is refused, changing nothing, unless the
    /// operator gives the exports (`--entries`, whose trees then count) or says the backup is
    /// the newest tree there is (`--backup-is-newest`). A log that never signed cannot fork.
    private func refuseWithoutHistory(_ outcome: Outcome) throws {
        try refuseWithoutHistory(backupSigned: outcome.signed != nil || outcome.backupSigned)
    }

    /// ``refuseWithoutHistory(_:)`` for a backup that has signed; asked before the backup is
    /// staged too, when its `checkpoint` file says so, so that a refusal does not wait for a
    /// copy of a large database.
    private func refuseWithoutHistory(backupSigned: Bool) throws {
        guard backupSigned, exports.isEmpty, !backupIsNewest else { return }
        // The state directory's `checkpoint` file (the newest signed note) is such a record too.
        let histories = self.histories + [(stateDirectory as NSString).appendingPathComponent("checkpoint")]
        guard !histories.contains(where: FileManager.default.fileExists(atPath:)) else { return }
        throw Failure.badInput(
            "no record of the trees this log signed is at hand (none of \(histories.joined(separator: ", ")) exists): "
                + "the log may have signed past this backup, and a daemon started on it would sign other roots for those sizes "
                + "(a fork); nothing was changed. Run restore with the daemon's --config if it keeps its exports elsewhere, "
                + "give the newest exports you hold (--entries EXPORT…), or, if you know no tree was signed after the backup's "
                + "checkpoint, say so with --backup-is-newest")
    }

    /// Replays what can be replayed into the staged copy and checks it against every signed tree.
    private func stage(_ stagedPath: String) async throws -> Outcome {
        let database: RegistryDatabase
        do {
            database = try RegistryDatabase(path: stagedPath)
        } catch StoreError.writtenByNewerVersion(_, let unknown) {
            // Named as the operator knows it, not by the staged copy that is about to go.
            let named = StoreError.writtenByNewerVersion(path: (backup as NSString).appendingPathComponent("registry.sqlite"), unknownMigrations: unknown)
            throw Failure.badInput("\(named); nothing was changed")
        } catch {
            throw Failure.badInput("\(backup)/registry.sqlite: \(error)")
        }
        let records = try await signedTrees(database: database)
        let trees = records.trees
        let newest = trees.max { $0.tree.size < $1.tree.size }?.tree
        let backupSize = try await database.read { try $0.publicationCount() }
        let backupSigned = try await database.read { try $0.latestCheckpoint() != nil }
            || FileManager.default.fileExists(atPath: (backup as NSString).appendingPathComponent("checkpoint"))
        var size = backupSize
        var replayedOpenings: Int64 = 0
        if let newest, newest.size > size {
            let leaves = try missingLeaves(from: size, to: newest.size)
            if !leaves.isEmpty {
                replayedOpenings = Int64(leaves.count { $0.opening != nil })
                size = try await LogReplay.append(
                    leaves, to: database, at: Instant(secondsSinceEpoch: Int64(Date().timeIntervalSince1970)), utcOffset: utcOffset,
                    source: exports.joined(separator: ", "))
            }
        }
        // Every signed tree the log now reaches must have the root that was signed.
        for (tree, source) in trees where tree.size <= size {
            let root = try await database.read { try $0.merkleRoot(size: tree.size) }
            guard root == tree.rootHash else {
                // A backup signed by other keys is most likely another log's: said first.
                let otherKeys = records.backupNotSigned.map { "\($0.reason); " } ?? ""
                throw Failure.verification(
                    "\(otherKeys)the first \(tree.size) records give root \(Base64.encode(root)), but \(source) signed "
                        + "\(Base64.encode(tree.rootHash)): this backup (with these exports) is not this log's history; nothing was changed")
            }
        }
        // A backup checkpoint the keys do not verify is let go only when a tree they did sign,
        // as large as the backup, now has its signed root: that root covers the backup's records.
        if let (_, reason) = records.backupNotSigned,
            !trees.contains(where: { $0.tree.size >= backupSize && $0.tree.size <= size })
        {
            throw Failure.verification(
                "\(reason): it cannot be trusted; nothing was changed. If the log's keys were rotated since this backup, "
                    + "restore with the old keys listed beside the new ones in [log] keys, or give exports up to a tree the "
                    + "configured keys signed (--entries)")
        }
        // The newest tree the keys signed that the log reaches, as a checkpoint in the database:
        // the daemon checks its keys against the newest one there (after a rotation, the
        // backup's own are the old keys').
        let stored = try await database.read { try $0.latestCheckpoint()?.size } ?? -1
        if let note = records.notes.filter({ $0.size <= size && $0.size > stored }).max(by: { $0.size < $1.size }) {
            var note = note
            note.signedAt = Int64(Date().timeIntervalSince1970)
            try await database.insertCheckpoint(note)
        }
        try await database.checkpointWAL()
        let missing = newest.flatMap { $0.size > size ? size..<$0.size : nil }
        var outcome = Outcome(
            backupSize: backupSize, replayed: size - backupSize, replayedOpenings: replayedOpenings, size: size, signed: newest,
            missing: missing,
            replacedDirectory: nil, keysMissing: false, backupSigned: backupSigned, exportsNotCheckedWithLogKeys: records.uncheckedSigners)
        if let missing {
            outcome.exportsPastTheGap = try exports.compactMap { export in
                let manifest = try Self.manifest(of: export)
                return manifest.entriesStart > missing.lowerBound ? (export, manifest.entriesStart..<manifest.entriesEnd) : nil
            }
        }
        return outcome
    }

    /// Every signed tree on record: every line of the histories, the checkpoint files (state
    /// and backup), the staged database's newest checkpoint, and the exports given.
    ///
    /// What comes from outside the state directory is trusted only once it verifies with the
    /// log's own keys and names the log's origin: the backup's checkpoint note, and each export
    /// as `qcredit verify` checks it (MANIFEST signature, digests, checkpoint, entries giving
    /// the root). An edited MANIFEST or checkpoint could otherwise extend the log with invented
    /// leaves, or record a size it never reached and block the state directory for good.
    private func signedTrees(database: RegistryDatabase) async throws -> SignedRecords {
        var uncheckedSigners: [String] = []
        var notes: [StoredCheckpoint] = []
        var backupNotSigned: (source: String, reason: String)?
        let logKeys = try loadLogKeys()
        let histories = self.histories.map(CheckpointHistory.init(path:))
        // The state directory's own records of what was signed: the operator's, trusted.
        let stateCheckpoint = (stateDirectory as NSString).appendingPathComponent("checkpoint")
        var trees: [(tree: SignedTree, source: String)] = []
        for history in histories {
            trees += try history.all().map { ($0, history.path) }
        }
        var origin: String?
        if let file = try Self.checkpoint(stateCheckpoint) {
            trees.append((SignedTree(size: file.size, rootHash: file.rootHash), stateCheckpoint))
            origin = Self.origin(of: file)
            notes.append(file)
        }
        // The backup's: its checkpoint file and the newest checkpoint its database holds, each
        // used only once its note verifies with the log's keys (without them, not at all).
        let backupCheckpointPath = (backup as NSString).appendingPathComponent("checkpoint")
        var backupCheckpoints: [(StoredCheckpoint, String)] = []
        if let file = try Self.checkpoint(backupCheckpointPath) { backupCheckpoints.append((file, backupCheckpointPath)) }
        if let stored = try await database.read({ try $0.latestCheckpoint() }) {
            backupCheckpoints.append((stored, "the newest checkpoint in \(backup)/registry.sqlite"))
        }
        for (checkpoint, source) in backupCheckpoints {
            guard let backupOrigin = Self.origin(of: checkpoint) else {
                throw Failure.verification("\(source) is not signed by the log's keys (it is not a signed checkpoint); nothing was changed")
            }
            if let origin, backupOrigin != origin {
                throw Failure.verification(
                    "\(backup) is a backup of the log \(backupOrigin), and this state directory holds the log \(origin); nothing was changed")
            }
            origin = origin ?? backupOrigin
            let verifiers = Self.verifiers(
                try logKeys.map { try $0.verifierKey(named: logSettings.signatureName(origin: backupOrigin)) })
            guard !verifiers.isEmpty else { continue }
            do {
                _ = try NoteSigning.open(checkpoint.note, verifiers: verifiers)
            } catch {
                // A signature line of one of the log's keys that does not verify: altered.
                let signatures = (try? Note(parsing: checkpoint.note))?.signatures ?? []
                if signatures.isEmpty || signatures.contains(where: { line in
                    verifiers.contains { $0.name == line.name && $0.keyID == line.keyID }
                }) {
                    throw Failure.verification("\(source) is not signed by the log's keys (\(error)): it cannot be trusted; nothing was changed")
                }
                // Signed by other keys only, before a key rotation perhaps: not trusted, and not
                // needed when the log reaches a newer tree the keys did sign (its root covers the
                // backup's records); `stage` decides.
                let signers = signatures.map { "\($0.name)+\(String(format: "%08x", $0.keyID))" }
                backupNotSigned = backupNotSigned ?? (
                    source,
                    "\(source) is not signed by the log's keys (it is signed by \(signers.joined(separator: ", ")))")
                continue
            }
            trees.append((SignedTree(size: checkpoint.size, rootHash: checkpoint.rootHash), source))
        }
        for export in exports {
            let manifest = try Self.manifest(of: export)
            if let origin, manifest.origin != origin {
                throw Failure.verification("\(export) is an export of the log \(manifest.origin), not of \(origin); nothing was changed")
            }
            var keys = try logKeys.map { try $0.verifierKey(named: logSettings.signatureName(origin: manifest.origin)) }
            if keys.isEmpty {
                // Without the log's keys, the keys the export publishes are used only if they
                // verify a checkpoint of the backup: then they are the keys that signed the log
                // (a signature verifies under its own key alone). Keys an attacker put in a
                // forged export verify nothing of the backup's.
                let published = ExportVerifier.publishedVerifierKeys(directory: export)
                let verifiers = Self.verifiers(published)
                guard !verifiers.isEmpty,
                    backupCheckpoints.contains(where: { (try? NoteSigning.open($0.0.note, verifiers: verifiers)) != nil })
                else {
                    throw Failure.verification(
                        "\(export) publishes keys that did not sign the backup's checkpoint, and the log's own keys are not at "
                            + "hand to check it: put the log's keys back (in [log] keys or \(stateDirectory)/keys) and run restore "
                            + "again; nothing was changed")
                }
                keys = published
                uncheckedSigners.append(export)
            }
            // Its restricted part too, when it can be read (its openings are the ones replayed):
            // signed by the same keys, the same log and entries, every opening opening its leaf.
            let part = ExportVerifier.restrictedPart(of: export)
            let partReadable = FileManager.default.isReadableFile(atPath: (part as NSString).appendingPathComponent(ExportFormat.manifestFile))
            var report = ExportVerifier.verify(directory: export, verifierKeys: keys, previous: nil, restrictedPart: partReadable ? part : nil)
            let exportTree = SignedTree(size: manifest.treeSize, rootHash: manifest.rootHash)
            if !report.passed, trees.contains(where: { $0.tree == exportTree }) {
                // Signed by the keys the log had before a rotation: still the log's, when the keys
                // it publishes verify it all and its tree is one on record (the same root at its
                // size), as `qcredit verify` with the old and new keys would accept it.
                let published = ExportVerifier.publishedVerifierKeys(directory: export)
                let byPublished = ExportVerifier.verify(
                    directory: export, verifierKeys: published, previous: nil, restrictedPart: partReadable ? part : nil)
                if !published.isEmpty, byPublished.passed {
                    report = byPublished
                    uncheckedSigners.append(export)
                }
            }
            guard report.passed else {
                let failures = report.failures.prefix(3).map { "\($0)" }.joined(separator: "; ")
                throw Failure.verification("\(export) does not verify with the log's keys: \(failures); nothing was changed")
            }
            trees.append((exportTree, "\(export)/MANIFEST"))
            if let checkpoint = try Self.checkpoint((export as NSString).appendingPathComponent(ExportFormat.checkpointFile)) {
                notes.append(checkpoint)
            }
            // The history beside it is unsigned: it counts only when it records this export's own
            // tree (then it is this log's, as the exports directory the export was written in),
            // and is otherwise left alone (a copy's folder, another log's history, a planted file).
            for path in historiesBeside(export) {
                guard FileManager.default.fileExists(atPath: path) else { continue }
                let beside: [SignedTree]
                do {
                    beside = try CheckpointHistory(path: path).all()
                } catch {
                    throw Failure.badInput(
                        "\(error): it records the trees this log signed, which restore must see; run restore as the daemon's "
                            + "user; nothing was changed")
                }
                if beside.contains(exportTree) { trees += beside.map { ($0, path) } }
            }
        }
        // Two sources naming different roots for one size: the log was forked somewhere.
        var rootOfSize: [Int64: (root: [UInt8], source: String)] = [:]
        for (tree, source) in trees {
            if let earlier = rootOfSize[tree.size], earlier.root != tree.rootHash {
                throw Failure.verification("\(earlier.source) and \(source) record different roots for size \(tree.size)")
            }
            rootOfSize[tree.size] = (tree.rootHash, source)
        }
        // The notes the daemon will check at start against its keys: only those they verify.
        if let origin {
            let logVerifiers = Self.verifiers(try logKeys.map { try $0.verifierKey(named: logSettings.signatureName(origin: origin)) })
            notes = notes.filter { note in
                !logVerifiers.isEmpty && (try? NoteSigning.open(note.note, verifiers: logVerifiers)) != nil
            }
        } else {
            notes = []
        }
        return SignedRecords(trees: trees, uncheckedSigners: uncheckedSigners, notes: notes, backupNotSigned: backupNotSigned)
    }

    /// What ``signedTrees(database:)`` found.
    private struct SignedRecords {
        /// Every signed tree on record that is trusted, with where it was found.
        var trees: [(tree: SignedTree, source: String)]
        /// Exports checked with the keys they publish.
        var uncheckedSigners: [String]
        /// Checkpoint notes the log's configured keys verify (the state's and the exports').
        var notes: [StoredCheckpoint]
        /// A checkpoint of the backup the log's keys do not verify, and why.
        var backupNotSigned: (source: String, reason: String)?
    }

    /// The checkpoint in `path`, or nil when there is none; a file that is not a signed
    /// checkpoint is named as such.
    static func checkpoint(_ path: String) throws -> StoredCheckpoint? {
        do {
            return try TransparencyLogService.readCheckpointFile(path)
        } catch {
            throw Failure.verification("\(error); nothing was changed")
        }
    }

    /// The origin (first line) of a stored checkpoint's note, if it is a signed checkpoint.
    static func origin(of stored: StoredCheckpoint) -> String? {
        (try? Note(parsing: stored.note)).flatMap { try? Checkpoint(parsing: $0.text).origin }
    }

    /// Verifier keys as note verifiers; one that does not parse verifies nothing.
    static func verifiers(_ keys: [String]) -> [any NoteVerifier] {
        keys.compactMap { try? VerifierKey.parse($0) }
    }

    /// The owner of the state directory, when it is there: the daemon's user, whose keys and
    /// backups a restore run as root may trust as its own.
    static func daemonUser(of stateDirectory: String) -> Set<uid_t> {
        var status = stat()
        return stat(stateDirectory, &status) == 0 ? [status.st_uid] : []
    }

    /// The log's private keys, read once: from the configured key files, else from the state
    /// directory's `keys/`, as the daemon finds them. Empty when there are none.
    private func loadLogKeys() throws -> [PrivateKey] {
        var paths = keyFiles
        if paths.isEmpty {
            let directory = (stateDirectory as NSString).appendingPathComponent("keys")
            // The files the daemon reads there, and no others (`qcredit keygen` puts public halves beside them).
            paths = DaemonConfiguration.LogSettings.stateKeyFileNames.map { (directory as NSString).appendingPathComponent($0) }
                .filter { FileManager.default.fileExists(atPath: $0) }
        }
        do {
            // Run as root, a restore reads the keys of the state directory's owner (the daemon's user).
            let daemonUser = Self.daemonUser(of: stateDirectory)
            return try paths.map { try PrivateKeyFile.load(path: $0, alsoOwnedBy: daemonUser) }
        } catch {
            throw Failure.badInput("cannot read the log's signing keys: \(error)")
        }
    }

    /// Leaves `start..<end` from the exports' entries, as far as they run without a gap, each with
    /// its opening where an export has it.
    private func missingLeaves(from start: Int64, to end: Int64) throws -> [LogReplay.Leaf] {
        var byIndex: [Int64: [UInt8]] = [:]
        var openings: [Int64: RecordOpening] = [:]
        for export in exports {
            let manifest = try Self.manifest(of: export)
            guard manifest.entriesEnd > start, manifest.entriesStart < end else { continue }
            let path = (export as NSString).appendingPathComponent(ExportFormat.entriesFile)
            let bytes = try InputFile.rawBytes(of: path)
            guard let listed = manifest.files.first(where: { $0.name == ExportFormat.entriesFile }),
                Digest.sha256(bytes) == listed.sha256
            else { throw Failure.verification("\(path) does not match its MANIFEST's SHA-256") }
            var index = manifest.entriesStart
            for line in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).dropLast() {
                if index >= start && index < end { byIndex[index] = Array(line) }
                index += 1
            }
            openings.merge(try Self.openings(of: export, manifest: manifest, in: start..<end)) { kept, _ in kept }
        }
        var leaves: [LogReplay.Leaf] = []
        var index = start
        while index < end, let leaf = byIndex[index] {
            leaves.append(LogReplay.Leaf(leaf: leaf, opening: openings[index]))
            index += 1
        }
        return leaves
    }

    /// The openings an export carries for `range`: every one from its restricted part when that
    /// is there and readable (by an auditor, or the daemon's user), else the disclosed ones.
    static func openings(of export: String, manifest: ExportManifest, in range: Range<Int64>) throws -> [Int64: RecordOpening] {
        let part = ExportVerifier.restrictedPart(of: export)
        do {
            if FileManager.default.isReadableFile(atPath: (part as NSString).appendingPathComponent(ExportFormat.manifestFile)) {
                return try ExportOpenings.read(directory: part, entries: range, partOf: manifest)
            }
            return try ExportOpenings.read(directory: export, entries: range)
        } catch {
            throw Failure.verification("\(error)")
        }
    }

    static func manifest(of export: String) throws -> ExportManifest {
        let path = (export as NSString).appendingPathComponent(ExportFormat.manifestFile)
        guard let data = FileManager.default.contents(atPath: path) else {
            let descriptor = open(path, O_RDONLY | O_CLOEXEC)
            let code = errno
            if descriptor >= 0 { close(descriptor) }
            if descriptor < 0, code != ENOENT, code != ENOTDIR {
                throw Failure.badInput("cannot read \(path): \(systemErrorText(code))")
            }
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: export, isDirectory: &isDirectory) else {
                throw Failure.badInput("--entries \(export) does not exist: give an export directory")
            }
            guard isDirectory.boolValue else {
                throw Failure.badInput("--entries \(export) is not a directory: give an export directory")
            }
            throw Failure.badInput("\(export) holds no MANIFEST: it is not an export directory")
        }
        do {
            return try ExportManifest(parsing: [UInt8](data))
        } catch {
            // A MANIFEST that does not parse is an export that does not verify.
            throw Failure.verification("\(export) does not verify: \(path): \(error); nothing was changed")
        }
    }

    /// Moves the state directory's database and checkpoint aside (if any) and the staged database
    /// into place; returns where they went and whether a database was among them.
    private func install(staging: String) throws -> (aside: String?, hadDatabase: Bool) {
        let fileManager = FileManager.default
        let files = ["registry.sqlite", "registry.sqlite-wal", "registry.sqlite-shm"]
        // Its write-ahead log folded in first: the files are moved one by one, and a restore
        // stopped between two moves must not leave the database and its newest writes apart.
        try? RegistryDatabase.foldWriteAheadLog(ofDatabaseAt: (stateDirectory as NSString).appendingPathComponent("registry.sqlite"))
        let present = files.filter { fileManager.fileExists(atPath: (stateDirectory as NSString).appendingPathComponent($0)) }
        var replaced: String?
        if !present.isEmpty || fileManager.fileExists(atPath: (stateDirectory as NSString).appendingPathComponent("checkpoint")) {
            let stamp = Instant(secondsSinceEpoch: Int64(Date().timeIntervalSince1970)).rfc3339.filter { $0.isNumber || $0 == "T" }
            var aside = (stateDirectory as NSString).appendingPathComponent("replaced-\(stamp)")
            var n = 2
            while fileManager.fileExists(atPath: aside) {
                aside = (stateDirectory as NSString).appendingPathComponent("replaced-\(stamp)-\(n)")
                n += 1
            }
            try fileManager.createDirectory(atPath: aside, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
            for file in present + ["checkpoint"] where fileManager.fileExists(atPath: (stateDirectory as NSString).appendingPathComponent(file)) {
                try fileManager.moveItem(
                    atPath: (stateDirectory as NSString).appendingPathComponent(file), toPath: (aside as NSString).appendingPathComponent(file))
            }
            replaced = aside
        }
        for file in files where fileManager.fileExists(atPath: (staging as NSString).appendingPathComponent(file)) {
            try fileManager.moveItem(
                atPath: (staging as NSString).appendingPathComponent(file), toPath: (stateDirectory as NSString).appendingPathComponent(file))
        }
        try DurableFile.syncDirectory(of: (stateDirectory as NSString).appendingPathComponent("registry.sqlite"))
        return (replaced, present.contains("registry.sqlite"))
    }

    /// Keeps the newest signed tree on record in the state directory's history, so that the
    /// daemon checks against it even if the exports directory goes away.
    private func recordSignedTree(_ outcome: Outcome) throws {
        guard let signed = outcome.signed else { return }
        let history = CheckpointHistory(path: (stateDirectory as NSString).appendingPathComponent(CheckpointHistory.fileName))
        if try history.newest()?.size ?? -1 < signed.size { try history.append(signed) }
    }

    /// Run as root for a daemon that runs as its own user (the README says to run restore as
    /// that user; root is the easy mistake), the files restore made would be root's, and the
    /// daemon could not open its own database: they go to the state directory's owner.
    private func giveToTheStateDirectorysOwner(replaced: String?) throws {
        var state = stat()
        guard geteuid() == 0, stat(stateDirectory, &state) == 0, state.st_uid != 0 else { return }
        var paths = ["registry.sqlite", "registry.sqlite-wal", "registry.sqlite-shm", CheckpointHistory.fileName, StateDirectoryLock.fileName]
            .map { (stateDirectory as NSString).appendingPathComponent($0) }
        if let replaced {
            paths.append(replaced)
            paths += ((try? FileManager.default.contentsOfDirectory(atPath: replaced)) ?? []).map { (replaced as NSString).appendingPathComponent($0) }
        }
        for path in paths where FileManager.default.fileExists(atPath: path) {
            guard chown(path, state.st_uid, state.st_gid) == 0 else {
                throw Failure.unexpected("cannot give \(path) to the state directory's owner (uid \(state.st_uid)): \(systemErrorText(errno))")
            }
        }
    }

    private var hasKeyFiles: Bool {
        let keys = (stateDirectory as NSString).appendingPathComponent("keys")
        return ((try? FileManager.default.contentsOfDirectory(atPath: keys)) ?? []).contains { $0.hasSuffix(".pem") }
    }
}

extension PrivateKey {
    /// This key's verifier key under `name` (a log's origin), as the log signs with it.
    fileprivate func verifierKey(named name: String) throws(Failure) -> String {
        do {
            return try LogSigningKey(name: name, key: self).verifierKey
        } catch {
            throw .badInput("cannot read the log's signing keys: \(error)")
        }
    }
}
