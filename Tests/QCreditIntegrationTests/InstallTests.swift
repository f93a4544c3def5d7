import CanonicalJSON
import Foundation
import Glibc
import Testing
import VarlinkNIO

/// `Scripts/install` and `Scripts/uninstall`, staged with `--destdir` (no users, no systemctl)
/// from the built products, and the sysusers.d/tmpfiles.d entries applied to a scratch root.
@Suite struct InstallTests {
    static let install = Repository.path("Scripts/install")
    static let uninstall = Repository.path("Scripts/uninstall")

    static func stage(into destination: String) async throws -> CommandResult {
        try await runCommand(install, ["--destdir", destination, "--from-build", DaemonProcess.productsDirectory.path])
    }

    static func mode(_ path: String) -> mode_t? {
        var status = stat()
        return lstat(path, &status) == 0 ? status.st_mode & 0o7777 : nil
    }

    @Test func stagesEveryFileWithItsMode() async throws {
        let scratch = try ScratchDirectory("install")
        let root = scratch.path("root")
        let result = try await Self.stage(into: root)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")

        let expected: [String: mode_t] = [
            "usr/local/bin/qcreditd": 0o755, "usr/local/bin/qcredit": 0o755,
            "etc/systemd/system/qcreditd.service": 0o644, "etc/systemd/system/qcreditd.socket": 0o644,
            "etc/systemd/system/qcredit-export.service": 0o644, "etc/systemd/system/qcredit-export.timer": 0o644,
            "etc/sysusers.d/qcredit.conf": 0o644, "etc/tmpfiles.d/qcredit.conf": 0o644,
            "etc/qcredit": 0o755, "etc/qcredit/qcreditd.toml": 0o640, "etc/qcredit/policy.toml": 0o644,
            "etc/qcredit/keys": 0o700, "etc/qcredit/keys/ed25519.pem": 0o600, "etc/qcredit/keys/sm2.pem": 0o600,
            "etc/qcredit/keys/ed25519.pub.pem": 0o644, "etc/qcredit/keys/sm2.pub.pem": 0o644,
            "var/lib/qcredit": 0o700, "var/lib/qcredit-exports": 0o755, "var/lib/qcredit-exports/restricted": 0o2750,
        ]
        for (path, mode) in expected.sorted(by: { $0.key < $1.key }) {
            let actual = Self.mode("\(root)/\(path)")
            #expect(actual == mode, "\(path): \(actual.map { String($0, radix: 8) } ?? "missing"), expected \(String(mode, radix: 8))")
        }
        // The files are the repository's, unchanged.
        let pairs = [
            ("systemd/qcreditd.example.toml", "etc/qcredit/qcreditd.toml"),
            ("Sources/QCreditConfig/Defaults/policy.toml", "etc/qcredit/policy.toml"),
            ("systemd/qcreditd.service", "etc/systemd/system/qcreditd.service"),
            ("systemd/sysusers.d/qcredit.conf", "etc/sysusers.d/qcredit.conf"),
        ]
        for (source, installed) in pairs {
            #expect(
                FileManager.default.contentsEqual(atPath: Repository.path(source), andPath: "\(root)/\(installed)"), "\(installed)")
        }
        // Keys for the example config's origin, and their verifier keys printed for the operator.
        #expect(result.stdout.contains("verifier key: qcredit.example.gov.cn/registry+"), "\(result.stdout)")
        #expect(result.stdout.contains("systemctl was not run"))

        // The staged units verify silently, with only their program paths pointed at the build.
        let copies = try SystemdUnits.copyForVerification(from: "\(root)/etc/systemd/system", to: scratch.path("verify"))
        let findings = try await SystemdUnits.verify(copies)
        #expect(findings.isEmpty, "systemd-analyze verify: \(findings)")
    }

    /// The staged config, policy and keys are what the daemon needs: it starts on them (their
    /// paths moved under the staging root), socket activated, and signs with the staged keys.
    @Test func stagedConfigurationRunsTheDaemon() async throws {
        let scratch = try ScratchDirectory("install-run")
        let root = scratch.path("root")
        let result = try await Self.stage(into: root)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let config = try String(contentsOfFile: "\(root)/etc/qcredit/qcreditd.toml", encoding: .utf8)
            .replacingOccurrences(of: "\"/var/lib/", with: "\"\(root)/var/lib/")
            .replacingOccurrences(of: "\"/etc/qcredit/", with: "\"\(root)/etc/qcredit/")
            // sysusers.d makes qcredit-auditor on a real install; here the test's own group stands in.
            .replacingOccurrences(of: "restrictedGroup = \"qcredit-auditor\"", with: "restrictedGroup = \"\(String(cString: getgrgid(getgid()).pointee.gr_name))\"")
        #expect(config.contains("restrictedGroup = "), "the example config names the auditors' group")
        let configPath = scratch.path("qcreditd.toml")
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)

        let socketPath = scratch.path("s.sock")
        let daemon = try TestProcess(
            SocketActivate.program,
            SocketActivate.arguments(["-l", socketPath, "--fdname=varlink", "\(root)/usr/local/bin/qcreditd", "--config", configPath]),
            logPath: scratch.path("qcreditd.log"))
        try await waitForSocketFile(socketPath)
        let client = try await VarlinkClient.connect(socketPath: socketPath)
        let info: [String: JSONValue]
        do {
            info = try await client.call("org.varlink.service.GetInfo", parameters: [:])
            await client.close()
        } catch {
            await client.close()
            throw error
        }
        #expect(info["product"] == "qcreditd")
        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit() == 0, "\(daemon.log)")

        // The daemon signed with the keys install made (not keys of its own in the state directory).
        let printed = result.stdout.split(separator: "\n").compactMap { line -> String? in
            guard let range = line.range(of: "verifier key: ") else { return nil }
            return String(line[range.upperBound...])
        }
        #expect(printed.count == 2, "\(result.stdout)")
        for key in printed { #expect(daemon.log.contains("verifierKey=\(key)"), "\(key) not in \(daemon.log)") }
        #expect(!FileManager.default.fileExists(atPath: "\(root)/var/lib/qcredit/keys"))
        #expect(daemon.log.contains("origin=qcredit.example.gov.cn/registry"))
    }

    /// The keys are made for the key name the daemon will sign under, read from the config as the
    /// daemon reads it: TOML's literal strings and dotted keys included.
    @Test(arguments: [
        ("[log]\norigin = 'my.registry.example/log'\n", "my.registry.example/log"),
        ("log.origin = \"my.registry.example/log\"\nlog.keyName = 'my.example/key'\n", "my.example/key"),
    ])
    func keysAreMadeForTheConfiguredKeyName(config: String, keyName: String) async throws {
        let scratch = try ScratchDirectory("install-name")
        let root = scratch.path("root")
        try FileManager.default.createDirectory(atPath: "\(root)/etc/qcredit", withIntermediateDirectories: true)
        try config.write(toFile: "\(root)/etc/qcredit/qcreditd.toml", atomically: true, encoding: .utf8)
        let result = try await Self.stage(into: root)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let printed = result.stdout.split(separator: "\n").filter { $0.contains("verifier key: ") }
        #expect(printed.count == 2, "\(result.stdout)")
        for line in printed { #expect(line.contains("verifier key: \(keyName)+"), "\(line)") }
    }

    @Test func installingAgainKeepsConfigurationAndKeys() async throws {
        let scratch = try ScratchDirectory("install-again")
        let root = scratch.path("root")
        await #expect(try Self.stage(into: root).status == 0)
        let configPath = "\(root)/etc/qcredit/qcreditd.toml"
        let edited = try String(contentsOfFile: configPath, encoding: .utf8) + "\n# edited by the operator\n"
        try edited.write(toFile: configPath, atomically: false, encoding: .utf8)
        let key = try Data(contentsOf: URL(fileURLWithPath: "\(root)/etc/qcredit/keys/ed25519.pem"))

        let again = try await Self.stage(into: root)
        #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
        #expect(again.stdout.contains("qcreditd.toml exists: kept"), "\(again.stdout)")
        #expect(again.stdout.contains("policy.toml exists: kept"), "\(again.stdout)")
        #expect(again.stdout.contains("private key(s) in /etc/qcredit/keys: kept"), "\(again.stdout)")
        #expect(try String(contentsOfFile: configPath, encoding: .utf8) == edited)
        #expect(try Data(contentsOf: URL(fileURLWithPath: "\(root)/etc/qcredit/keys/ed25519.pem")) == key)
    }

    @Test func uninstallRemovesProgramsAndUnitsButKeepsData() async throws {
        let scratch = try ScratchDirectory("uninstall")
        let root = scratch.path("root")
        await #expect(try Self.stage(into: root).status == 0)
        let result = try await runCommand(Self.uninstall, ["--destdir", root])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        for removed in [
            "usr/local/bin/qcreditd", "usr/local/bin/qcredit", "etc/systemd/system/qcreditd.service",
            "etc/systemd/system/qcreditd.socket", "etc/systemd/system/qcredit-export.service",
            "etc/systemd/system/qcredit-export.timer", "etc/sysusers.d/qcredit.conf", "etc/tmpfiles.d/qcredit.conf",
        ] {
            #expect(!FileManager.default.fileExists(atPath: "\(root)/\(removed)"), "\(removed) was not removed")
        }
        for kept in [
            "etc/qcredit/qcreditd.toml", "etc/qcredit/policy.toml", "etc/qcredit/keys/ed25519.pem", "var/lib/qcredit",
            "var/lib/qcredit-exports",
        ] {
            #expect(FileManager.default.fileExists(atPath: "\(root)/\(kept)"), "\(kept) was not kept")
        }
        #expect(result.stdout.contains("Kept"), "\(result.stdout)")
    }

    /// The sysusers.d and tmpfiles.d entries, applied by systemd's own tools to a scratch root,
    /// make the user, the groups and the directories with their owners and modes.
    @Test(.enabled(if: getuid() == 0, "systemd-tmpfiles needs root to give directories to qcredit"))
    func sysusersAndTmpfilesMakeUsersAndDirectories() async throws {
        let scratch = try ScratchDirectory("sysusers")
        let root = scratch.path("root")
        try FileManager.default.createDirectory(atPath: "\(root)/etc", withIntermediateDirectories: true)
        let sysusers = try await runCommand(
            "/usr/bin/systemd-sysusers", ["--root=\(root)", Repository.path("systemd/sysusers.d/qcredit.conf")])
        #expect(sysusers.status == 0, "\(sysusers.stderr)")
        let passwd = try String(contentsOfFile: "\(root)/etc/passwd", encoding: .utf8)
        let group = try String(contentsOfFile: "\(root)/etc/group", encoding: .utf8)
        let user = try #require(passwd.split(separator: "\n").first { $0.hasPrefix("qcredit:") }, "\(passwd)")
        let fields = user.split(separator: ":", omittingEmptySubsequences: false)
        #expect(fields[5] == "/var/lib/qcredit")
        #expect(fields[6].hasSuffix("nologin"))
        for name in ["qcredit", "qcredit-clients", "qcredit-regulator", "qcredit-bank", "qcredit-auditor", "qcredit-operator"] {
            #expect(group.split(separator: "\n").contains { $0.hasPrefix("\(name):") }, "group \(name)")
        }
        let clients = try #require(group.split(separator: "\n").first { $0.hasPrefix("qcredit-clients:") })
        #expect(clients.hasSuffix(":qcredit"), "qcredit is a member of qcredit-clients: \(clients)")

        let tmpfiles = try await runCommand(
            "/usr/bin/systemd-tmpfiles", ["--root=\(root)", "--create", Repository.path("systemd/tmpfiles.d/qcredit.conf")])
        #expect(tmpfiles.status == 0, "\(tmpfiles.stderr)")
        let uid = try #require(UInt32(fields[2]))
        let auditors = try #require(
            group.split(separator: "\n").first { $0.hasPrefix("qcredit-auditor:") }.flatMap { UInt32($0.split(separator: ":")[2]) })
        for (path, mode, owner) in [
            ("var/lib/qcredit", mode_t(0o700), uid), ("var/lib/qcredit-exports", 0o755, uid),
            ("var/lib/qcredit-exports/restricted", 0o2750, uid), ("etc/qcredit", 0o755, 0), ("etc/qcredit/keys", 0o700, uid),
        ] {
            var status = stat()
            #expect(stat("\(root)/\(path)", &status) == 0, "\(path) missing")
            #expect(status.st_mode & 0o7777 == mode, "\(path) mode \(String(status.st_mode & 0o7777, radix: 8))")
            #expect(status.st_uid == owner, "\(path) owner \(status.st_uid)")
            if path.hasSuffix("restricted") { #expect(status.st_gid == auditors, "\(path): group qcredit-auditor") }
        }
    }
}
