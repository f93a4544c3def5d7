import Foundation
import Glibc
import Testing

/// The daemon as the Python `varlink` package sees it: introspection, every method, streams,
/// typed errors, and a second user refused by role.
@Suite(.interop) struct PythonVarlinkInteropTests {
    /// Roles for the user running the tests (root in CI), granted by each kind of principal.
    static var config: String {
        let uid = getuid()
        let user = String(cString: getpwuid(uid).pointee.pw_name)
        let group = String(cString: getgrgid(getgid()).pointee.gr_name)
        return """
            socketMode = "0666"
            [roles]
            regulator = ["user:\(user)"]
            bank = ["uid:\(uid)"]
            auditor = ["group:\(group)"]
            operator = ["user:\(user)"]
            """
    }

    @Test func thePythonClientCallsEveryMethod() async throws {
        guard try Interop.available(), let python = Interop.python else { return }
        let daemon = try DaemonProcess(config: Self.config)
        let result = try runCommand(python, [Interop.scripts.appendingPathComponent("varlink_client.py").path, daemon.socketPath, "full"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)\n--- daemon log ---\n\(daemon.log)")
        #expect(result.stdout.contains("all checks passed"))
    }

    @Test func aSecondUserWithoutRolesIsRefusedAndChangesNothing() async throws {
        guard try Interop.available(), let python = Interop.python else { return }
        guard getuid() == 0 else {
            if Interop.required { Issue.record("the second-user test needs root to switch to nobody") }
            return
        }
        let daemon = try DaemonProcess(config: Self.config)
        _ = try await daemon.call("org.qcredit.admin.RegisterEnterprise", ["code": "911522010783762860", "name": "Owner Co."])
        // nobody may not read the repository (it may live under /root): give it a copy.
        let script = daemon.directory.appendingPathComponent("varlink_client.py")
        try FileManager.default.copyItem(at: Interop.scripts.appendingPathComponent("varlink_client.py"), to: script)
        let result = try runCommand(
            "/usr/bin/setpriv", ["--reuid=nobody", "--regid=nogroup", "--clear-groups", python, script.path, daemon.socketPath, "denied"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)\n--- daemon log ---\n\(daemon.log)")
        #expect(daemon.log.contains("permission denied"))
        await #expect(throws: (any Error).self) {
            try await daemon.call("org.qcredit.query.GetGrade", ["code": "9115220107837941X1"])
        }
    }
}
