import Foundation
import Glibc
import Testing

/// Runs programs as another, unprivileged user (through `setpriv`), for tests of what a peer
/// without roles can do. Only root can switch users: run by anyone else, the tests that need it
/// are skipped (CI runs as root); run as root without the tools, they fail when the interop
/// tools are required, as in CI, and return early otherwise.
struct SecondUser {
    /// Copies `program` to `copy` (mode 0755), for another user to run where the checkout is out
    /// of its reach. The copy is written through a descriptor closed on exec: FileManager's copy
    /// keeps one open that a child forked meanwhile by a parallel test inherits, and executing
    /// the copy then fails with ETXTBSY ("Text file busy", seen in a full run).
    static func executableCopy(of program: String, to copy: String) throws {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: program))
        let descriptor = open(copy, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o755)
        guard descriptor >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        defer { close(descriptor) }
        try bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                guard written > 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
                offset += written
            }
        }
        fchmod(descriptor, 0o755)  // whatever the umask took away
    }

    let name: String
    let uid: uid_t
    let gid: gid_t

    /// Skips the calling test unless the tests run as root, the only user that can switch users.
    static func requireRoot() throws {
        guard getuid() == 0 else { try Test.cancel("skipped: running a program as another user (nobody) needs root") }
    }

    /// `nobody`, when the tests run as root and `nobody` can run the system's Python.
    static var nobody: SecondUser? {
        get async throws {
            try requireRoot()
            guard let account = getpwnam("nobody"), FileManager.default.isExecutableFile(atPath: setpriv) else {
                if Interop.required { Issue.record("switching to nobody needs a user nobody and \(setpriv)") }
                return nil
            }
            let user = SecondUser(name: "nobody", uid: account.pointee.pw_uid, gid: account.pointee.pw_gid)
            guard (try? await runCommand(setpriv, user.privileges + ["/usr/bin/python3", "-c", "pass"]))?.status == 0 else {
                if Interop.required { Issue.record("nobody cannot run /usr/bin/python3") }
                return nil
            }
            return user
        }
    }

    private static let setpriv = "/usr/bin/setpriv"
    private var privileges: [String] { ["--reuid=\(uid)", "--regid=\(gid)", "--clear-groups"] }

    /// Starts `command` as this user, its output in a file in `output` (a directory the test
    /// owns: the file is opened before the switch).
    func start(_ command: [String], output: URL) throws -> TestProcess {
        let logPath = output.appendingPathComponent("\(name)-\(UUID().uuidString.prefix(8)).out").path
        return try TestProcess(Self.setpriv, privileges + command, logPath: logPath)
    }
}

extension TestProcess {
    /// Waits (generously) for an output line containing `text`, and returns it.
    func waitForLine(containing text: String, seconds: Double = 60) async throws -> String {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while true {
            if let line = log.split(separator: "\n").first(where: { $0.contains(text) }) { return String(line) }
            guard !hasExited, ContinuousClock.now < deadline else {
                throw ProgramOutputMissing(text: text, output: log)
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}

struct ProgramOutputMissing: Error, CustomStringConvertible {
    var text: String
    var output: String
    var description: String { "no line containing '\(text)'; the program wrote:\n\(output)" }
}
