import QCreditLog
import Testing

/// The folder of a path as a user types it, one character long ones included (Foundation's
/// `deletingLastPathComponent` traps on those here).
@Suite struct FilePathsTests {
    @Test(arguments: [
        ("q", ""), (".", ""), ("a/", ""), ("abc", ""), ("", ""),
        ("/", "/"), ("/a", "/"), ("//a", "/"), ("/a/", "/"),
        ("a/b", "a"), ("a//b", "a"), ("./q", "."), ("../q", ".."), ("/var/lib/qcredit/q.sock", "/var/lib/qcredit"), ("s/exports/", "s"),
    ])
    func theFolderOfAPath(_ path: String, _ folder: String) {
        #expect(FilePaths.parent(of: path) == folder, "\(path)")
    }
}
