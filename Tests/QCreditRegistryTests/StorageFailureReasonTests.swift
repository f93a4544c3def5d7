import Foundation
import GRDB
import Glibc
import QCreditStore
import Testing

/// A write the disk refused is named by its cause: SQLite says only "disk I/O error" for a write
/// on a read-only file system, which an operator reads as a failing disk.
@Suite struct StorageFailureReasonTests {
    @Test func aWriteRefusedOnAReadOnlyFileSystemIsNamedAsSuch() async throws {
        guard geteuid() == 0 else { try Test.cancel("skipped: a read-only bind mount needs root") }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("qcredit-read-only-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ioError = DatabaseError(resultCode: .SQLITE_IOERR, message: "disk I/O error")
        let writable = StoreError.storageFailure(ioError, databasePath: directory + "/registry.sqlite")
        #expect(writable == "the registry's database could not be written (SQLite: disk I/O error)")

        #expect(mount(directory, directory, nil, UInt(MS_BIND), nil) == 0, "\(String(cString: strerror(errno)))")
        defer { _ = umount2(directory, Int32(MNT_DETACH)) }
        #expect(mount(nil, directory, nil, UInt(MS_REMOUNT | MS_BIND | MS_RDONLY), nil) == 0, "\(String(cString: strerror(errno)))")
        let readOnly = StoreError.storageFailure(ioError, databasePath: directory + "/registry.sqlite")
        #expect(readOnly == "the registry's file system is read-only (SQLite: disk I/O error)")
        #expect(StoreError.storageFailure(DatabaseError(resultCode: .SQLITE_CONSTRAINT), databasePath: directory + "/r") == nil)
    }
}
