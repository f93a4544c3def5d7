import CanonicalJSON
import Foundation
import Glibc
import QCreditDomain
import Testing
import Varlink

/// A disk that refuses a write: the caller gets the declared `StorageFailed` naming why (not an
/// `InternalError`), nothing of the write is kept, and once the disk has room the daemon goes on
/// without a restart, every acknowledged write still there. The state directory sits on a small
/// tmpfs of its own, so mounting needs root (CI runs as root); elsewhere the test is skipped.
@Suite(.serialized) struct FullDiskTests {
    @Test func aFullDiskRefusesWritesWithADeclaredErrorAndChangesNothing() async throws {
        guard geteuid() == 0 else { try Test.cancel("skipped: mounting a small file system needs root") }
        let mountPoint = "/tmp/qcredit-full-disk-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: mountPoint) }
        let mounted = try await runCommand("/usr/bin/mount", ["-t", "tmpfs", "-o", "size=16m", "tmpfs", mountPoint])
        try #require(mounted.status == 0, "\(mounted.stderr)")
        defer { _ = umount2(mountPoint, Int32(MNT_DETACH)) }

        let daemon = try await DaemonProcess(stateDirectory: mountPoint + "/state")
        let register = { (n: Int) in
            try await daemon.call("org.qcredit.admin.RegisterEnterprise", ["code": .string(USCC.madeUp(serial: 16_000_000 + n)), "name": "Full Disk Co."])
        }
        _ = try await register(0)
        // Fill what is left.
        let filler = mountPoint + "/filler"
        let descriptor = open(filler, O_WRONLY | O_CREAT, 0o600)
        let block = [UInt8](repeating: 0, count: 1 << 16)
        while write(descriptor, block, block.count) > 0 {}
        close(descriptor)

        var refused: VarlinkError?
        for n in 1...50 where refused == nil {
            do { _ = try await register(n) } catch let error as VarlinkError { refused = error }
        }
        let error = try #require(refused, "every write went through on a full disk")
        #expect(error.name == "org.qcredit.admin.StorageFailed", "\(error)")
        #expect(error.parameters["reason"]?.stringValue?.contains("full") == true, "\(error)")
        #expect(daemon.log.contains("the disk refused it"), "\(daemon.log)")

        // Room again: the daemon goes on, and what it acknowledged is there.
        unlink(filler)
        let after = try await register(1000)
        #expect(after["enterprise"] != nil, "\(after)")
        let first = try await daemon.call("org.qcredit.query.GetFile", ["code": .string(USCC.madeUp(serial: 16_000_000))])
        #expect(first["file"] != nil, "\(first)")
        #expect(daemon.stop() == 0)
    }
}
