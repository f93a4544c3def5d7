import Foundation
@testable import QCreditService
import QCreditStore
import Testing

/// A backup that cannot be staged says why in words: a full disk names where the copy is made
/// and how much room it needs, not a Foundation error dump.
@Suite struct BackupStagingTests {
    @Test func aFullDiskIsNamedWithWhereTheCopyIsMade() {
        let outOfSpace = CocoaError(.fileWriteOutOfSpace, userInfo: [NSUnderlyingErrorKey: NSError(domain: NSPOSIXErrorDomain, code: Int(ENOSPC))])
        let failed = BackupService.StagingFailed(directory: "/var/lib/qcredit", underlying: outOfSpace)
        #expect("\(failed)".hasPrefix("no space left to stage the copy in /var/lib/qcredit"), "\(failed)")
        #expect(!"\(failed)".contains("NSCocoaErrorDomain"))
        // SQLite's backup into a full file system (its own message there is "not an error").
        let sqliteFull = BackupService.StagingFailed(directory: "/var/lib/qcredit", underlying: StoreError.diskFull(path: "/x"))
        #expect("\(sqliteFull)".hasPrefix("no space left to stage the copy in /var/lib/qcredit"), "\(sqliteFull)")
        let denied = CocoaError(.fileWriteNoPermission, userInfo: [NSUnderlyingErrorKey: NSError(domain: NSPOSIXErrorDomain, code: Int(EACCES))])
        #expect("\(BackupService.StagingFailed(directory: "/s", underlying: denied))" == "cannot stage the copy in /s: Permission denied")
    }

    /// The staging directory itself cannot be made (a read-only file system, here a state
    /// directory that is a file): the reason says so in words, where it was a Foundation dump.
    @Test func aStagingDirectoryThatCannotBeMadeIsNamedInWords() async throws {
        let fixture = try await ServiceFixture()
        let notADirectory = fixture.directory.appendingPathComponent("a-file").path
        #expect(FileManager.default.createFile(atPath: notADirectory, contents: Data()))
        let backup = BackupService(database: fixture.registry.database, log: fixture.log, stateDirectory: notADirectory)
        let error = await #expect(throws: (any Error).self) { _ = try await backup.snapshot() }
        #expect(error.map { "\($0)" } == "cannot stage the copy in \(notADirectory): Not a directory")
    }
}
