import CanonicalJSON
import Foundation
import Glibc
import Testing
import VarlinkNIO

@testable import QCreditDaemon

/// qcreditd under systemd: the units in `systemd/` pass `systemd-analyze verify`, the daemon
/// serves the socket systemd passes, speaks the notification protocol (READY, WATCHDOG,
/// STOPPING) and lives within its unit's sandbox. No systemd runs as PID 1 in CI, so the tests
/// use `systemd-socket-activate` and a notification socket of their own.
@Suite struct SystemdTests {
    // MARK: Units

    @Test func everyUnitVerifiesSilently() async throws {
        let scratch = try ScratchDirectory("units")
        let copies = try SystemdUnits.copyForVerification(from: Repository.path("systemd"), to: scratch.path)
        let findings = try await SystemdUnits.verify(copies)
        #expect(findings.isEmpty, "systemd-analyze verify: \(findings)")
    }

    /// verify is silent on a unit it cannot fully check, so the test shows it does speak up.
    @Test func verifyReportsABrokenUnit() async throws {
        let scratch = try ScratchDirectory("units-broken")
        let copies = try SystemdUnits.copyForVerification(from: Repository.path("systemd"), to: scratch.path)
        let service = try #require(copies.first { $0.hasSuffix("qcreditd.service") })
        let text = try String(contentsOfFile: service, encoding: .utf8)
        try text.replacingOccurrences(of: "WatchdogSec=30", with: "WatchdogSecs=30")
            .write(toFile: service, atomically: true, encoding: .utf8)
        let findings = try await SystemdUnits.verify([service])
        #expect(findings["qcreditd.service"]?.contains("Unknown key") == true, "\(findings)")
    }

    @Test func serviceIsANotifyServiceWithItsSandbox() throws {
        let units = Repository.path("systemd")
        let service = Dictionary(
            try SystemdUnits.assignments("\(units)/qcreditd.service").map { ($0.key, $0.value) }, uniquingKeysWith: { "\($0)\n\($1)" })
        let expected: [String: String] = [
            "Type": "notify", "NotifyAccess": "main", "WatchdogSec": "30", "Restart": "on-failure",
            "ExecStart": "/usr/local/bin/qcreditd --config /etc/qcredit/qcreditd.toml",
            "User": "qcredit", "Group": "qcredit", "StateDirectory": "qcredit", "StateDirectoryMode": "0700",
            "RuntimeDirectory": "qcredit", "RuntimeDirectoryMode": "0755", "RuntimeDirectoryPreserve": "yes",
            "ConfigurationDirectory": "qcredit", "ReadWritePaths": "/var/lib/qcredit-exports", "UMask": "0077",
            "ExecStartPre": "+/usr/bin/systemd-tmpfiles --create qcredit.conf", "MemoryMax": "4G", "TasksMax": "512",
            "LimitNOFILE": "16384", "IPAddressDeny": "any", "PrivateNetwork": "yes",
            "NoNewPrivileges": "yes", "ProtectSystem": "strict", "ProtectHome": "yes", "PrivateTmp": "yes",
            "PrivateDevices": "yes", "ProtectKernelTunables": "yes", "ProtectKernelModules": "yes",
            "ProtectKernelLogs": "yes", "ProtectControlGroups": "yes", "ProtectClock": "yes", "ProtectHostname": "yes",
            "RestrictAddressFamilies": "AF_UNIX", "RestrictNamespaces": "yes", "RestrictRealtime": "yes",
            "RestrictSUIDSGID": "yes", "LockPersonality": "yes", "MemoryDenyWriteExecute": "yes",
            "SystemCallArchitectures": "native", "SystemCallFilter": "@system-service\n~@privileged @resources",
            "CapabilityBoundingSet": "", "Also": "qcreditd.socket",
        ]
        for (key, value) in expected {
            #expect(service[key] == value, "qcreditd.service \(key)=")
        }
        #expect(service["PrivateUsers"] == nil, "PrivateUsers= would hide peers' uids from the role checks")

        let socket = Dictionary(try SystemdUnits.assignments("\(units)/qcreditd.socket").map { ($0.key, $0.value) }) { $1 }
        let expectedSocket = [
            "ListenStream": "/run/qcredit/qcreditd.sock", "FileDescriptorName": "varlink", "SocketUser": "qcredit",
            "SocketGroup": "qcredit-clients", "SocketMode": "0660", "DirectoryMode": "0755", "RemoveOnStop": "yes",
        ]
        for (key, value) in expectedSocket {
            #expect(socket[key] == value, "qcreditd.socket \(key)=")
        }
        let export = Dictionary(try SystemdUnits.assignments("\(units)/qcredit-export.service").map { ($0.key, $0.value) }) { $1 }
        #expect(export["Type"] == "oneshot")
        #expect(export["User"] == "qcredit")
        #expect(export["ExecStart"] == "/usr/local/bin/qcredit export --socket /run/qcredit/qcreditd.sock")
        #expect(export["SystemCallFilter"] == "~@privileged @resources")
        let timer = Dictionary(try SystemdUnits.assignments("\(units)/qcredit-export.timer").map { ($0.key, $0.value) }) { $1 }
        #expect(timer["OnCalendar"] == "*-*-* 02:00:00")
        #expect(timer["Persistent"] == "true")
    }

    // MARK: The environment systemd passes

    /// Sanitizer settings reach a daemon that systemd-socket-activate starts; nothing else does.
    @Test func socketActivationPassesOnlySanitizerSettings() {
        let arguments = ["-l", "/tmp/s.sock", "qcreditd"]
        #expect(SocketActivate.arguments(arguments, environment: ["PATH": "/usr/bin", "HOME": "/root"]) == arguments)
        #expect(
            SocketActivate.arguments(arguments, environment: ["TSAN_OPTIONS": "halt_on_error=0", "LD_PRELOAD": "/tmp/x.so", "PATH": "/usr/bin"])
                == ["-E", "TSAN_OPTIONS", "-E", "LD_PRELOAD"] + arguments)
    }

    @Test func notifySocketAddresses() {
        #expect(SystemdNotifier.address("/run/systemd/notify") == Array("/run/systemd/notify".utf8))
        #expect(SystemdNotifier.address("@org/systemd/notify") == [0] + Array("org/systemd/notify".utf8))
        #expect(SystemdNotifier.address("") == nil)
        #expect(SystemdNotifier.address("@") == nil)
        #expect(SystemdNotifier.address("vsock:2:1234") == nil)
        #expect(SystemdNotifier.address("/" + String(repeating: "x", count: 200)) == nil)
    }

    @Test func watchdogIntervalIsHalfOfWatchdogUsecForThisProcess() {
        let me = getpid()
        #expect(SystemdNotifier.watchdogInterval(environment: ["WATCHDOG_USEC": "400000"], pid: me) == .milliseconds(200))
        #expect(
            SystemdNotifier.watchdogInterval(environment: ["WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "\(me)"], pid: me)
                == .seconds(15))
        #expect(SystemdNotifier.watchdogInterval(environment: ["WATCHDOG_USEC": "400000", "WATCHDOG_PID": "\(me + 1)"], pid: me) == nil)
        #expect(SystemdNotifier.watchdogInterval(environment: ["WATCHDOG_USEC": "0"], pid: me) == nil)
        #expect(SystemdNotifier.watchdogInterval(environment: ["WATCHDOG_USEC": "soon"], pid: me) == nil)
        #expect(SystemdNotifier.watchdogInterval(environment: [:], pid: me) == nil)
    }

    @Test func socketActivationVariables() {
        let me: pid_t = 4242
        #expect(SocketActivation.passed(environment: [:], pid: me) == nil)
        #expect(SocketActivation.passed(environment: ["LISTEN_PID": "4243", "LISTEN_FDS": "1"], pid: me) == nil)
        #expect(SocketActivation.passed(environment: ["LISTEN_PID": "4242", "LISTEN_FDS": "0"], pid: me) == nil)
        #expect(
            SocketActivation.passed(environment: ["LISTEN_PID": "4242", "LISTEN_FDS": "1"], pid: me)
                == SocketActivation(descriptor: 3, name: nil, count: 1))
        #expect(
            SocketActivation.passed(environment: ["LISTEN_PID": "4242", "LISTEN_FDS": "1", "LISTEN_FDNAMES": "varlink"], pid: me)
                == SocketActivation(descriptor: 3, name: "varlink", count: 1))
        #expect(
            SocketActivation.passed(environment: ["LISTEN_PID": "4242", "LISTEN_FDS": "2", "LISTEN_FDNAMES": "metrics:varlink"], pid: me)
                == SocketActivation(descriptor: 4, name: "varlink", count: 2))
    }

    // MARK: The daemon under systemd's protocols

    /// EXTEND_TIMEOUT_USEC while the database opens (its migrations may outlast systemd's start
    /// timeout), READY=1 once serving, WATCHDOG=1 every half WATCHDOG_USEC, STOPPING=1 at
    /// SIGTERM before the server drains, then exit 0.
    @Test func notifiesReadyWatchdogAndStopping() async throws {
        let scratch = try ScratchDirectory("notify")
        let notify = try NotifyListener(path: scratch.path("notify.sock"))
        let socketPath = scratch.path("qcreditd.sock")
        let daemon = try TestProcess(
            DaemonProcess.product("qcreditd"),
            ["--state-dir", scratch.path("state"), "--socket", socketPath, "--log-level", "trace"],
            environment: ["NOTIFY_SOCKET": notify.address, "WATCHDOG_USEC": "400000"], logPath: scratch.path("qcreditd.log"))

        // Messages are read in the order they came: the extension first, then READY=1.
        let extended = try await notify.next(line: "EXTEND_TIMEOUT_USEC=60000000", from: daemon)
        #expect(extended.contains("STATUS=Opening the database (applying schema migrations)"), "\(extended)")
        let ready = try await notify.next(line: "READY=1", from: daemon)
        #expect(ready.contains("STATUS=Serving on \(socketPath)"), "\(ready)")
        // READY=1 means serving: the socket accepts at once.
        #expect(DaemonProcess.accepts(socketPath))
        try await notify.next(line: "WATCHDOG=1", from: daemon)
        try await notify.next(line: "WATCHDOG=1", from: daemon)

        daemon.signal(SIGTERM)
        let stopping = try await notify.next(line: "STOPPING=1", from: daemon)
        #expect(stopping.contains("STATUS=Stopping"))
        let status = try await daemon.waitForExit()
        #expect(status == 0, "\(daemon.log)")
        // STOPPING=1 went out before the server drained and stopped.
        let log = daemon.log
        let notified = try #require(log.range(of: "message=STOPPING=1"), "\(log)")
        let stopped = try #require(log.range(of: "[VarlinkNIO] stopped"), "\(log)")
        #expect(notified.lowerBound < stopped.lowerBound, "\(log)")
        #expect(!log.contains("cannot notify systemd"), "\(log)")
    }

    /// `systemd-socket-activate` stands in for qcreditd.socket: the daemon serves the descriptor
    /// it passes, says so, binds nothing itself, and leaves the socket file to systemd.
    @Test func servesTheSocketSystemdPasses() async throws {
        let scratch = try ScratchDirectory("activate")
        let notify = try NotifyListener(abstractName: "qcredit-test-\(UUID().uuidString.prefix(8))")
        let socketPath = scratch.path("s.sock")
        let configuredPath = scratch.path("configured.sock")
        let daemon = try TestProcess(
            SocketActivate.program,
            SocketActivate.arguments([
                "-l", socketPath, "--fdname=varlink", "-E", "NOTIFY_SOCKET=\(notify.address)",
                DaemonProcess.product("qcreditd"), "--state-dir", scratch.path("state"), "--socket", configuredPath,
            ]),
            logPath: scratch.path("qcreditd.log"))
        try await waitForSocketFile(socketPath)

        // The first connection makes systemd-socket-activate exec the daemon, which answers it.
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
        #expect(info["interfaces"]?.arrayValue?.contains("org.qcredit.query") == true, "\(info)")

        let ready = try await notify.next(line: "READY=1", from: daemon)
        #expect(ready.contains("STATUS=Serving on \(socketPath) (socket from systemd)"), "\(ready)")
        #expect(!FileManager.default.fileExists(atPath: configuredPath), "the configured socket path must not be bound")

        daemon.signal(SIGTERM)
        try await notify.next(line: "STOPPING=1", from: daemon)
        let status = try await daemon.waitForExit()
        #expect(status == 0, "\(daemon.log)")
        let log = daemon.log
        #expect(log.contains("serving the socket passed by systemd"), "\(log)")
        #expect(log.contains("LISTEN_FDNAMES=varlink"), "\(log)")
        #expect(log.contains("name=varlink"), "\(log)")
        #expect(log.contains("path=\(socketPath)"), "\(log)")
        // The socket belongs to systemd (RemoveOnStop=): the daemon leaves the file alone.
        var fileStatus = stat()
        #expect(stat(socketPath, &fileStatus) == 0 && fileStatus.st_mode & S_IFMT == S_IFSOCK)
    }

    /// A passed descriptor that is not a listening stream socket (ListenDatagram= by mistake)
    /// stops the daemon at once with a message saying so, rather than serving nothing.
    @Test func refusesAPassedSocketThatIsNotAStreamSocket() async throws {
        let scratch = try ScratchDirectory("activate-datagram")
        let socketPath = scratch.path("d.sock")
        let daemon = try TestProcess(
            SocketActivate.program,
            SocketActivate.arguments([
                "--datagram", "-l", socketPath, "--fdname=varlink", DaemonProcess.product("qcreditd"),
                "--state-dir", scratch.path("state"), "--socket", scratch.path("configured.sock"),
            ]),
            logPath: scratch.path("qcreditd.log"))
        try await waitForSocketFile(socketPath, stream: false)
        // A datagram makes systemd-socket-activate exec the daemon.
        let sender = try NotifyListener(path: scratch.path("sender.sock"))
        #expect(sender.send("hello", to: socketPath))
        let status = try await daemon.waitForExit()
        #expect(status == 1, "\(daemon.log)")
        #expect(daemon.log.contains("is not a stream socket"), "\(daemon.log)")
    }

    /// Variables meant for another process (LISTEN_PID is not ours) are ignored: the daemon
    /// binds its configured path, and no NOTIFY_SOCKET means no notifications at all.
    @Test func bindsItsOwnSocketWhenTheVariablesAreNotForIt() async throws {
        let scratch = try ScratchDirectory("not-activated")
        let socketPath = scratch.path("qcreditd.sock")
        let daemon = try TestProcess(
            DaemonProcess.product("qcreditd"), ["--state-dir", scratch.path("state"), "--socket", socketPath],
            environment: ["LISTEN_PID": "1", "LISTEN_FDS": "1", "LISTEN_FDNAMES": "varlink"],
            logPath: scratch.path("qcreditd.log"))
        try await waitForSocketFile(socketPath)
        let deadline = ContinuousClock.now + .seconds(90)
        while !DaemonProcess.accepts(socketPath) && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(DaemonProcess.accepts(socketPath), "\(daemon.log)")
        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit() == 0, "\(daemon.log)")
        #expect(!daemon.log.contains("passed by systemd"))
        #expect(!FileManager.default.fileExists(atPath: socketPath), "the daemon removes the socket it bound")
    }

    // MARK: The sandbox

    /// The filters are real: what the unit forbids fails under the emulation.
    @Test func sandboxEmulationForbidsWhatTheUnitForbids() async throws {
        let python = try #require(UnitSandbox.python)
        let probe = """
            import mmap, os, socket
            def refused(action):
                try: action(); return "allowed"
                except OSError as error: return error.strerror
            print("inet", refused(lambda: socket.socket(socket.AF_INET)))
            print("unix", refused(lambda: socket.socket(socket.AF_UNIX)))
            print("setpriority", refused(lambda: os.setpriority(os.PRIO_PROCESS, 0, 5)))
            print("chown", refused(lambda: os.chown("/", 0, 0)))
            print("wx", refused(lambda: mmap.mmap(-1, 4096, prot=mmap.PROT_WRITE | mmap.PROT_EXEC)))
            """
        let command = try UnitSandbox.commandLine(
            unit: Repository.path("systemd/qcreditd.service"), user: nil, command: [python, "-c", probe])
        let result = try await runCommand(command[0], Array(command.dropFirst()))
        #expect(result.status == 0, "\(result.stderr)")
        let lines = Set(result.stdout.split(separator: "\n").map(String.init))
        #expect(lines.contains("inet Address family not supported by protocol"), "\(result.stdout)")
        #expect(lines.contains("unix allowed"), "\(result.stdout)")
        #expect(lines.contains("setpriority Operation not permitted"), "\(result.stdout)")
        #expect(lines.contains("chown Operation not permitted"), "\(result.stdout)")
        #expect(lines.contains("wx Operation not permitted"), "\(result.stdout)")
    }

    /// qcreditd under its unit's system call filter, W^X and AF_UNIX-only sockets, as an
    /// unprivileged user when the tests run as root, socket activated and notifying: it starts,
    /// records, publishes, signs a checkpoint and stops cleanly.
    @Test func daemonWorksWithinItsUnitSandbox() async throws {
        let scratch = try ScratchDirectory("sandbox")
        let state = scratch.path("state")
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        // As root, the daemon runs as nobody, like the unit's own user; from a copy nobody can
        // reach, since the checkout may sit in a directory only its owner can enter.
        let program = try UnitSandbox.reachableCopy(of: DaemonProcess.product("qcreditd"), in: scratch)
        var user: String?
        if getuid() == 0 {
            if let problem = await UnitSandbox.problemRunning(program, as: "nobody") {
                Issue.record("cannot run qcreditd as nobody under the unit's sandbox: \(problem)")
                return
            }
            user = "nobody"
        }
        if let user, let account = getpwnam(user) { chown(state, account.pointee.pw_uid, account.pointee.pw_gid) }
        let config = scratch.path("qcreditd.toml")
        try """
            stateDirectory = "\(state)"
            socket = "\(scratch.path("unused.sock"))"
            [log]
            origin = "qcredit.test/sandbox"
            checkpointIntervalSeconds = 1
            [roles]
            regulator = ["uid:\(getuid())"]
            auditor = ["uid:\(getuid())"]
            operator = ["uid:\(getuid())"]
            """.write(toFile: config, atomically: true, encoding: .utf8)

        let notify = try NotifyListener(abstractName: "qcredit-test-\(UUID().uuidString.prefix(8))")
        let socketPath = scratch.path("s.sock")
        let sandboxed = try UnitSandbox.commandLine(
            unit: Repository.path("systemd/qcreditd.service"), user: user,
            command: [program, "--config", config])
        let daemon = try TestProcess(
            SocketActivate.program,
            SocketActivate.arguments(
                ["-l", socketPath, "--fdname=varlink", "-E", "NOTIFY_SOCKET=\(notify.address)", "-E", "WATCHDOG_USEC=2000000"]
                    + sandboxed),
            logPath: scratch.path("qcreditd.log"))
        try await waitForSocketFile(socketPath)
        #expect(DaemonProcess.accepts(socketPath))  // starts the daemon
        try await notify.next(line: "READY=1", from: daemon)

        let cli = { (arguments: [String]) async throws -> CommandResult in
            try await runCommand(DaemonProcess.product("qcredit"), arguments, environment: ["QCREDIT_SOCKET": socketPath])
        }
        let code = "911522010783762860"
        let steps: [[String]] = [
            ["register", code, "--name", "内蒙古示例质量有限公司"],
            [
                "event", code, "--dimension", "product", "--kind", "spot-check-failed", "--severity", "low",
                "--occurred-on", "2026-01-05", "--authority", "Inner Mongolia AMR", "--document", "内市监抽〔2026〕7号",
                "--summary", "Label information incomplete",
            ],
            // An export and its restricted part are written within the unit's filters (no chown).
            ["publish"], ["grade", code], ["maintenance"], ["export"],
        ]
        for step in steps {
            let result = try await cli(step)
            #expect(result.status == 0, "qcredit \(step.joined(separator: " ")): \(result.stdout)\(result.stderr)\n\(daemon.log)")
        }
        try await notify.next(line: "WATCHDOG=1", from: daemon)

        // The client, as qcredit-export.service runs it, lives within that unit's filters.
        let client = try UnitSandbox.commandLine(
            unit: Repository.path("systemd/qcredit-export.service"), user: nil,
            command: [DaemonProcess.product("qcredit"), "grade", code, "--socket", socketPath])
        let graded = try await runCommand(client[0], Array(client.dropFirst()))
        #expect(graded.status == 0, "\(graded.stdout)\(graded.stderr)")
        #expect(graded.stdout.contains("USCC         \(code)"), "\(graded.stdout)")

        daemon.signal(SIGTERM)
        try await notify.next(line: "STOPPING=1", from: daemon)
        let status = try await daemon.waitForExit()
        #expect(status == 0, "\(daemon.log)")
        // The last checkpoint, signed at shutdown, covers what was published.
        let checkpoint = try String(contentsOfFile: (state as NSString).appendingPathComponent("checkpoint"), encoding: .utf8)
        #expect(checkpoint.hasPrefix("qcredit.test/sandbox\n"), "\(checkpoint)")
        let parts = (try? FileManager.default.contentsOfDirectory(atPath: state + "/exports/restricted")) ?? []
        #expect(parts.count == 1 && parts.first?.hasPrefix("qcredit-export-") == true, "restricted parts: \(parts)")
        if let user, let account = getpwnam(user) {
            var fileStatus = stat()
            stat((state as NSString).appendingPathComponent("registry.sqlite"), &fileStatus)
            #expect(fileStatus.st_uid == account.pointee.pw_uid, "the daemon ran as \(user)")
        }
    }
}
