import Foundation
import Logging
import QCreditLog
import QCreditStore
import Synchronization

/// Online backups: a consistent copy of the database (SQLite's backup API, while the daemon
/// serves) and of the last-checkpoint file, staged in the state directory and read back in chunks.
public final class BackupService: Sendable {
    public let database: RegistryDatabase
    public let log: TransparencyLogService
    public let stateDirectory: String
    /// Set when the daemon starts to stop: a copy in progress stops at its next step and no new
    /// one starts. Copying a database of ten million files takes minutes; finished regardless,
    /// it held a stopping daemon past its stop bound (and systemd's stop timeout).
    private let stopping = Atomic<Bool>(false)
    private let logger: Logger

    public init(
        database: RegistryDatabase, log: TransparencyLogService, stateDirectory: String,
        logger: Logger = Logger(label: "qcredit.backup")
    ) {
        self.database = database
        self.log = log
        self.stateDirectory = stateDirectory
        self.logger = logger
    }

    /// Tells the operator why a backup was refused: the client that asked may be a cron job
    /// whose output nobody reads, and a full state directory stops every backup until it is freed.
    public func logFailure(_ reason: String) {
        if isStopping {
            logger.notice("backup stopped", metadata: ["reason": "\(reason)"])
        } else {
            logger.error("backup failed", metadata: ["reason": "\(reason)"])
        }
    }

    /// Tells the operator who took a backup: it holds every opening, the undisclosed ones too,
    /// so each one sent is on record by peer (uid, gid, pid), as an export is.
    public func logSent(_ snapshot: Snapshot, to peer: AuditContext.Peer?) {
        var metadata: Logger.Metadata = ["bytes": "\(snapshot.files.reduce(0) { $0 + $1.size })"]
        if let peer { (metadata["uid"], metadata["gid"], metadata["pid"]) = ("\(peer.uid)", "\(peer.gid)", "\(peer.pid)") }
        logger.notice("backup sent", metadata: metadata)
    }

    /// Stops a copy in progress (its caller gets `BackupFailed` saying the daemon is stopping,
    /// and nothing staged is kept) and refuses new ones.
    public func stopCopying() {
        stopping.store(true, ordering: .releasing)
    }

    /// Whether the daemon is stopping: a copy being sent stops at its next chunk too.
    public var isStopping: Bool { stopping.load(ordering: .acquiring) }

    /// A staged backup; `remove()` deletes it once it has been sent.
    public struct Snapshot: Sendable {
        public let directory: String
        /// The files to restore, in the order to send them: the database, then the checkpoint.
        public let files: [(name: String, path: String, size: Int)]

        public func remove() { try? FileManager.default.removeItem(atPath: directory) }
    }

    /// Takes the backup. The checkpoint file is copied *before* the database: the database only
    /// grows, so the copied checkpoint never claims more records than the copied database holds
    /// (the other order could pair a newer checkpoint with an older database, which the daemon
    /// would rightly refuse to start on).
    public func snapshot() async throws -> Snapshot {
        if isStopping { throw StoreError.backupStopped }
        let directory = (stateDirectory as NSString).appendingPathComponent(".backup-\(UUID().uuidString)")
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
            var files: [(name: String, path: String, size: Int)] = []
            let checkpoint = log.checkpointFile
            let checkpointCopy = (directory as NSString).appendingPathComponent("checkpoint")
            let copiedCheckpoint = try await blocking { () -> Bool in
                guard FileManager.default.fileExists(atPath: checkpoint) else { return false }
                try FileManager.default.copyItem(atPath: checkpoint, toPath: checkpointCopy)
                return true
            }
            let databaseCopy = (directory as NSString).appendingPathComponent("registry.sqlite")
            try await blocking { [self] in
                try database.backup(to: databaseCopy) { isStopping }
            }
            files.append((name: "registry.sqlite", path: databaseCopy, size: try Self.size(databaseCopy)))
            if copiedCheckpoint {
                files.append((name: "checkpoint", path: checkpointCopy, size: try Self.size(checkpointCopy)))
            }
            return Snapshot(directory: directory, files: files)
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            if case StoreError.backupStopped = error { throw error }
            throw StagingFailed(directory: stateDirectory, underlying: error)
        }
    }

    /// Why the copy could not be made, in words: a full disk is the usual cause, and the copy is
    /// made where the operator may not expect it (the state directory, not `DEST`).
    struct StagingFailed: Error, CustomStringConvertible {
        let directory: String
        let underlying: any Error

        var description: String {
            let error = underlying as NSError
            let posix = FileErrors.posixCode(of: underlying).map(Int.init)
            var full = (error.domain == NSCocoaErrorDomain && error.code == CocoaError.fileWriteOutOfSpace.rawValue)
                || posix == Int(ENOSPC)
            if case StoreError.diskFull = underlying { full = true }
            if full {
                return "no space left to stage the copy in \(directory): the daemon copies the database there before "
                    + "sending it, so that file system needs free space as large as the database"
            }
            return "cannot stage the copy in \(directory): \(posix.map { String(cString: strerror(Int32($0))) } ?? "\(underlying)")"
        }
    }

    static func size(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    }
}
