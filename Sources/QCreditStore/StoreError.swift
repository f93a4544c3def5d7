import Foundation
import GRDB

/// Failures of the storage layer itself (not of the registry's rules).
public enum StoreError: Error, Sendable, CustomStringConvertible {
    /// The database could not be opened or migrated.
    case cannotOpen(path: String, reason: String)
    /// A stored value does not decode; the database was changed by something other than qcredit.
    case corruptRow(table: String, id: String, column: String)
    /// The database holds a log whose leaves are the records themselves (leaf format 1, before
    /// leaves became commitments): this version cannot extend it.
    case leafFormat1(records: Int)
    /// A reader still held pages of the write-ahead log, so it could not be folded into the file.
    case walInUse(path: String)
    /// The file system holding `path` has no room left for what was being written there.
    case diskFull(path: String)
    /// The database has schema migrations this version does not know: a newer qcreditd wrote it.
    case writtenByNewerVersion(path: String, unknownMigrations: [String])
    /// A backup copy was stopped part-way because the daemon is stopping; the partial copy is useless.
    case backupStopped

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason): return "cannot open the registry database \(path): \(reason)"
        case .corruptRow(let table, let id, let column):
            return "corrupt value in \(table) row \(id), column \(column)"
        case .leafFormat1(let records):
            return "the database holds a log of \(records) records in leaf format 1 (each record its own leaf, disclosed "
                + "for ever); this qcredit writes leaf format 2 (salted commitments, openings disclosed by rule) and cannot "
                + "extend it. No format-1 log was deployed: start with an empty state directory"
        case .walInUse(let path):
            return "a reader still uses the write-ahead log of \(path): its pages could not all be copied into the file"
        case .diskFull(let path):
            return "no space left on the file system holding \(path)"
        case .writtenByNewerVersion(let path, let unknown):
            return "the registry database \(path) was written by a newer qcredit (schema migrations this version does not know: "
                + "\(unknown.joined(separator: ", "))): run that version or a newer one; to go back to this one, restore a backup "
                + "taken before the upgrade"
        case .backupStopped:
            return "the daemon is stopping: the backup was stopped and nothing of it was kept; back up again once qcreditd is back"
        }
    }
}

extension StoreError {
    /// Why a write could not be stored, when `error` says the disk failed it (full, read-only,
    /// an I/O error, the file gone) rather than the registry's rules or a defect; nil otherwise.
    /// SQLite rolled the transaction back: nothing of it was kept.
    /// `databasePath`, when given, lets a read-only file system be named as such: SQLite reports
    /// a write it refused there as a plain "disk I/O error".
    public static func storageFailure(_ error: any Error, databasePath: String? = nil) -> String? {
        if let error = error as? StoreError, case .diskFull = error { return error.description }
        guard let error = error as? DatabaseError else { return nil }
        let said = error.message ?? "\(error.resultCode)"
        switch error.resultCode {
        case .SQLITE_FULL: return "the registry's disk is full (SQLite: \(said))"
        case .SQLITE_IOERR, .SQLITE_READONLY, .SQLITE_CANTOPEN:
            if let databasePath, isOnReadOnlyFileSystem(databasePath) {
                return "the registry's file system is read-only (SQLite: \(said))"
            }
            return "the registry's database could not be written (SQLite: \(said))"
        default: return nil
        }
    }

    /// Whether the file system holding the file at `path` is mounted read-only.
    static func isOnReadOnlyFileSystem(_ path: String) -> Bool {
        let directory = (path as NSString).deletingLastPathComponent
        var info = statvfs()
        return statvfs(directory.isEmpty ? "." : directory, &info) == 0 && info.f_flag & UInt(ST_RDONLY) != 0
    }
}
