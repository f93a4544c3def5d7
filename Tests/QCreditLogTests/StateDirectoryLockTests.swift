import Foundation
import QCreditLog
import Testing

/// What a process killed in the state directory left is removed by the next holder of its lock,
/// except a restore's staged database when it is the only one left.
@Suite struct StateDirectoryLockTests {
    @Test func leftoversGoButARestoresOnlyCopyStays() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("qcredit-lock-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for name in [".backup-AB12", ".restore-77"] {
            try FileManager.default.createDirectory(atPath: directory + "/" + name, withIntermediateDirectories: false)
        }
        for name in ["checkpoint.tmp-88", "notes.tmp-x", "checkpoint"] {
            #expect(FileManager.default.createFile(atPath: directory + "/" + name, contents: Data("x".utf8)))
        }
        do {
            let lock = try StateDirectoryLock(directory: directory)
            // No database: a restore was killed after moving it aside; its staged copy is kept.
            #expect(lock.removeLeftovers() == [".backup-AB12", "checkpoint.tmp-88"])
        }
        #expect(FileManager.default.createFile(atPath: directory + "/registry.sqlite", contents: Data()))
        let lock = try StateDirectoryLock(directory: directory)
        #expect(lock.removeLeftovers() == [".restore-77"])
        let left = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        #expect(left == ["checkpoint", "notes.tmp-x", "qcreditd.lock", "registry.sqlite"])
    }

    /// A second taker is told who holds the lock and what to do: a program other than qcreditd
    /// (a restore, here this test) is waited for, not stopped as if it were the daemon (audit).
    @Test func aHeldLockNamesItsHoldersProgram() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("qcredit-lock-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let held = try StateDirectoryLock(directory: directory)
        let program = try String(contentsOfFile: "/proc/self/comm", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let error = #expect(throws: StateDirectoryLockError.self) { try StateDirectoryLock(directory: directory) }
        #expect("\(error.map { "\($0)" } ?? "")".contains("another process (pid \(getpid()), \(program)) is using it; wait until it ends"), "\(String(describing: error))")
        withExtendedLifetime(held) {}
    }
}
