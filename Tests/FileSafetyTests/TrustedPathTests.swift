import FileSafety
import Foundation
import Testing

/// Every directory and link on the way is judged, not only the last: an attacker owning a
/// directory higher up could swap what lay below it between a check and a write.
@Suite struct TrustedPathTests {
    let root: String

    init() throws {
        root = "/tmp/qcredit-trusted-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: root + "/mine/deep", withIntermediateDirectories: true)
    }

    @Test func ownDirectoriesAndStickySharedOnesAreTrusted() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        #expect(TrustedPath.problem(ofDirectory: root + "/mine/deep") == nil)
        #expect(TrustedPath.problem(ofDirectory: root + "/mine/not-yet/made") == nil)
        #expect(TrustedPath.problem(ofFile: root + "/mine/deep/out.csv") == nil)
        #expect(TrustedPath.problem(ofDirectory: "/tmp") == nil, "sticky")
        #expect(symlink(root + "/mine/deep", root + "/mine/link") == 0)
        #expect(TrustedPath.problem(ofDirectory: root + "/mine/link") == nil, "my own link")
    }

    @Test func aWritableDirectoryOnTheWayIsNot() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        #expect(chmod(root + "/mine", 0o777) == 0)
        #expect(TrustedPath.problem(ofDirectory: root + "/mine/deep")?.contains("/mine may be written by group or others (mode 777)") == true)
        #expect(TrustedPath.problem(ofFile: root + "/mine/deep/key.pem")?.contains("has no sticky bit") == true)
        // Reached through a link, the link's target is judged.
        #expect(chmod(root + "/mine", 0o755) == 0 && chmod(root + "/mine/deep", 0o777) == 0)
        #expect(symlink(root + "/mine/deep", root + "/link") == 0)
        #expect(TrustedPath.problem(ofDirectory: root + "/link/sub")?.contains("/mine/deep may be written") == true)
    }

    @Test func anotherUsersDirectoryOrLinkOnTheWayIsNot() throws {
        guard geteuid() == 0 else { try Test.cancel("skipped: giving files to another user needs root") }
        defer { try? FileManager.default.removeItem(atPath: root) }
        #expect(chown(root + "/mine", 65534, 65534) == 0)
        #expect(TrustedPath.problem(ofDirectory: root + "/mine/deep")?.contains("belongs to another user (uid 65534)") == true)
        #expect(chown(root + "/mine", 0, 0) == 0)
        #expect(symlink(root + "/mine", root + "/theirs") == 0 && lchown(root + "/theirs", 65534, 65534) == 0)
        #expect(TrustedPath.problem(ofFile: root + "/theirs/deep/out.csv")?.contains("is a symbolic link of another user (uid 65534)") == true)
        #expect(TrustedPath.problem(ofDirectory: root + "/theirs/deep", alsoTrusted: [65534]) == nil)
    }
}
