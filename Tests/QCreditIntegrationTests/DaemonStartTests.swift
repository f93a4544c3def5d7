import CanonicalJSON
import Foundation
import QCreditConfig
import Glibc
import Testing

/// What the daemon says when it cannot start on its configuration.
@Suite struct DaemonStartTests {
    /// A directory the daemon cannot make is refused naming the setting that gave it, and why.
    /// It is refused before anything is written: the state directory is not made.
    @Test func anExportDirectoryThatCannotBeMadeIsRefusedNamingTheSetting() async throws {
        let scratch = try ScratchDirectory("export-directory")
        try Data("not a directory".utf8).write(to: URL(fileURLWithPath: scratch.path("afile")))
        let cases = [
            ("/proc/qcredit-nowhere", "export.directory: cannot create or use the directory /proc/qcredit-nowhere"),
            (scratch.path("afile/sub"), "export.directory: cannot create or use the directory \(scratch.path("afile/sub")): \(scratch.path("afile")) is not a directory"),
            (scratch.path("afile"), "is not a directory"),
            ("", "export.directory: cannot create or use the directory : the path is empty"),
        ]
        for (directory, expected) in cases {
            let state = scratch.path("state-\(UUID().uuidString.prefix(8))")
            do {
                _ = try await DaemonProcess(config: "[export]\ndirectory = \"\(directory)\"\n", stateDirectory: state)
                Issue.record("the daemon started with an export directory it cannot make: \(directory)")
            } catch let failed as DaemonFailed {
                #expect(failed.log.contains(expected), "\(failed.log)")
            }
            #expect(!FileManager.default.fileExists(atPath: state), "\(directory): the state directory was made")
        }
    }

    /// A new log given another log's exports directory is refused (it would sign a tree the
    /// other log's history beside the exports says was signed), and told where that record is
    /// and what to do, not only that "the log" needs its keys back.
    @Test func aNewLogGivenAnotherLogsExportsDirectoryIsToldWhy() async throws {
        let scratch = try ScratchDirectory("shared-exports")
        let exports = scratch.path("exports")
        let first = try await DaemonProcess(config: DaemonProcess.logConfig + "\n[export]\ndirectory = \"\(exports)\"\n")
        _ = try await first.call("org.qcredit.admin.RegisterEnterprise", ["code": .string(DurabilityTests.uscc(1)), "name": "First Log Co."])
        _ = try await first.call("org.qcredit.admin.PublishGrades", ["codes": [.string(DurabilityTests.uscc(1))]])
        _ = try await first.waitForCheckpoint(ofSize: 2)
        await first.stop()
        let state = scratch.path("second-state")
        do {
            _ = try await DaemonProcess(config: "[export]\ndirectory = \"\(exports)\"\n", stateDirectory: state)
            Issue.record("a new log started on another log's exports directory")
        } catch let failed as DaemonFailed {
            #expect(failed.log.contains("(on record in \(exports)/"), "\(failed.log)")
            #expect(failed.log.contains("give this daemon an exports directory of its own ([export] directory)"), "\(failed.log)")
        }
        #expect(!FileManager.default.fileExists(atPath: state + "/keys"), "keys were made for the second log")
    }

    /// A second daemon pointed at the socket a live one serves is refused before it makes a
    /// state directory, keys and a database of its own; the first one goes on serving.
    @Test func aSocketInUseIsRefusedBeforeAnythingIsWritten() async throws {
        let daemon = try await DaemonProcess()
        let scratch = try ScratchDirectory("socket-in-use")
        let state = scratch.path("state")
        let result = try await runCommand(DaemonProcess.product("qcreditd"), ["--state-dir", state, "--socket", daemon.socketPath])
        #expect(result.status != 0)
        #expect((result.stdout + result.stderr).contains("a varlink server is already listening on \(daemon.socketPath)"), "\(result.stdout)\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: state), "the state directory was made")
        _ = try await daemon.call("org.varlink.service.GetInfo")
    }

    /// A socket directory another user could use to put their socket in the daemon's place
    /// (clients would talk to them) is refused before anything is written: one others may write
    /// without the sticky bit, or one of another user's. A sticky shared folder (/tmp) is fine.
    @Test func aSocketDirectoryAnotherUserCouldUseIsRefused() async throws {
        let scratch = try ScratchDirectory("socket-directory")
        let open = scratch.path("open")
        #expect(mkdir(open, 0o777) == 0 && chmod(open, 0o777) == 0)
        var cases = [(open, "\(open) may be written by group or others (mode 777) and has no sticky bit")]
        if geteuid() == 0 {
            let theirs = scratch.path("theirs")
            #expect(mkdir(theirs, 0o755) == 0 && chown(theirs, 65534, 65534) == 0)
            cases.append((theirs, "\(theirs) belongs to another user (uid 65534)"))
            // A link of theirs higher up: they could point it elsewhere once the daemon listens.
            let mine = scratch.path("mine")
            #expect(mkdir(mine, 0o755) == 0)
            let link = scratch.path("link")
            #expect(symlink(mine, link) == 0 && lchown(link, 65534, 65534) == 0)
            cases.append((link, "\(link) is a symbolic link of another user (uid 65534)"))
        }
        for (directory, reason) in cases {
            let state = scratch.path("state")
            let result = try await runCommand(DaemonProcess.product("qcreditd"), ["--state-dir", state, "--socket", directory + "/q.sock"])
            #expect(result.status != 0)
            #expect((result.stdout + result.stderr).contains("the socket's directory \(directory) is not safe: \(reason)"), "\(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: state), "the state directory was made")
        }
        let sticky = scratch.path("sticky")
        #expect(mkdir(sticky, 0o777) == 0 && chmod(sticky, 0o1777) == 0)
        // Stopped once it listens (up to a minute: a loaded machine took more than 3 s to start it).
        let script = #""$0" --state-dir "$1" --socket "$2" & pid=$!; for i in $(seq 600); do [ -S "$2" ] && break; sleep 0.1; done; kill -TERM $pid; wait $pid"#
        let served = try await runCommand(
            "/bin/bash", ["-c", script, DaemonProcess.product("qcreditd"), scratch.path("served"), sticky + "/q.sock"])
        #expect(served.stderr.contains("qcreditd stopped") && !served.stderr.contains("not safe"), "\(served.stderr)")
    }

    /// The connection limit needs as many open files: a soft limit below (a shell's) is raised
    /// towards the hard one, and a maxConnections beyond the hard limit is refused at start,
    /// naming both, before anything is written.
    @Test func theOpenFileLimitIsRaisedForTheConnectionsOrTheStartRefused() async throws {
        let scratch = try ScratchDirectory("nofile")
        let state = scratch.path("state")
        let hard = ["/bin/sh", "-c", "ulimit -n 1024 && exec \"$@\"", "sh"]
        do {
            _ = try await DaemonProcess(config: "[limits]\nmaxConnections = 2000\n", stateDirectory: state, launcher: hard)
            Issue.record("the daemon started with 2000 connections under an open-file limit of 1024")
        } catch let failed as DaemonFailed {
            #expect(failed.log.contains("limits.maxConnections (2000) needs 2256 open files"), "\(failed.log)")
            #expect(failed.log.contains("may open 1024"), "\(failed.log)")
        }
        #expect(!FileManager.default.fileExists(atPath: state), "the state directory was made")

        let soft = ["/bin/sh", "-c", "ulimit -S -n 300 && exec \"$@\"", "sh"]
        let daemon = try await DaemonProcess(stateDirectory: state, launcher: soft)
        // The launcher became the daemon (exec): found by its state directory on its command line.
        let pids = try FileManager.default.contentsOfDirectory(atPath: "/proc").compactMap { Int32($0) }
        let pid = try #require(pids.first { pid in
            let line = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline"))) ?? Data()
            return String(decoding: line, as: UTF8.self).contains(state) && String(decoding: line, as: UTF8.self).contains("qcreditd")
        })
        let limits = try String(contentsOfFile: "/proc/\(pid)/limits", encoding: .utf8)
        let openFiles = try #require(limits.split(separator: "\n").first { $0.hasPrefix("Max open files") })
        let softLimit = try #require(openFiles.split(separator: " ", omittingEmptySubsequences: true).dropFirst(3).first.flatMap { Int($0) })
        #expect(softLimit >= 256 + 256, "\(openFiles)")
        _ = try await daemon.call("org.varlink.service.GetInfo")
    }

    /// A group the config names that does not exist stops the daemon before it writes anything:
    /// no keys made, no database, no checkpoint signed.
    @Test func anUnknownGroupIsRefusedBeforeAnythingIsWritten() async throws {
        for setting in ["socketGroup = \"qcredit-no-such-group\"\n", "[export]\nrestrictedGroup = \"qcredit-no-such-group\"\n"] {
            let state = FileManager.default.temporaryDirectory.appendingPathComponent("qcredit-state-\(UUID().uuidString.prefix(8))").path
            defer { try? FileManager.default.removeItem(atPath: state) }
            do {
                _ = try await DaemonProcess(config: setting, stateDirectory: state)
                Issue.record("the daemon started with \(setting)")
            } catch let failed as DaemonFailed {
                #expect(failed.log.contains("no group named qcredit-no-such-group"), "\(failed.log)")
                // Named with its file, as settings refused while the file is parsed are.
                #expect(failed.log.contains("qcreditd.toml: \(setting.contains("restrictedGroup") ? "export.restrictedGroup" : "socketGroup"): no group named"), "\(failed.log)")
            }
            #expect(!FileManager.default.fileExists(atPath: state), "\(setting): the state directory was made")
        }
    }

    /// A key or policy file the daemon refuses stops it before it writes anything: the state
    /// directory is not even made (it used to get a lock file, exports/ and a migrated database).
    @Test func aRefusedKeyOrPolicyFileChangesNothing() async throws {
        let scratch = try ScratchDirectory("refused-files")
        let open = scratch.path("open.pem")
        let made = try await runCommand(DaemonProcess.product("qcredit"), ["keygen", "--dir", scratch.path("keys"), "--name", "a.test/log"])
        #expect(made.status == 0, "\(made.stderr)")
        try FileManager.default.copyItem(atPath: scratch.path("keys/ed25519.pem"), toPath: open)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: open)
        let cases = [
            ("[log]\nkeys = [\"\(scratch.path("missing.pem"))\"]\n", "qcreditd.toml: log.keys: loading private key file \(scratch.path("missing.pem")) failed: no such file or directory"),
            ("[log]\nkeys = [\"\(open)\"]\n", "qcreditd.toml: log.keys: loading private key file \(open) failed: mode 0644 lets group or others access it"),
            ("policy = \"\(scratch.path("missing.toml"))\"\n", "qcreditd.toml: policy: \(scratch.path("missing.toml")): cannot read the policy file (No such file or directory)"),
        ]
        for (setting, expected) in cases {
            let state = scratch.path("state-\(UUID().uuidString.prefix(8))")
            do {
                _ = try await DaemonProcess(config: setting, stateDirectory: state)
                Issue.record("the daemon started with \(setting)")
            } catch let failed as DaemonFailed {
                #expect(failed.log.contains(expected), "\(failed.log)")
            }
            #expect(!FileManager.default.fileExists(atPath: state), "\(setting): the state directory was made")
        }
    }

    /// A socket path as long as `sun_path` holds (107 bytes) is one the daemon listens on and
    /// its own client reaches (NIO's connect stops at 103).
    @Test(arguments: [103, 104, 107])
    func theClientReachesASocketPathAsLongAsTheDaemonTakes(_ length: Int) async throws {
        let daemon = try await DaemonProcess(socketPathLength: length)
        #expect(daemon.socketPath.utf8.count == length)
        let info = try await runCommand(DaemonProcess.product("qcredit"), ["info", "--socket", daemon.socketPath])
        #expect(info.status == 0, "\(info.stderr)")
        #expect(info.stdout.contains("org.qcredit.query"), "\(info.stdout)")
        _ = await daemon.stop()
    }

    /// Development mode's two keys sign together: one lost (deleted, or a link to nothing) is
    /// refused at start, naming it, rather than every later checkpoint lacking its signature.
    @Test(arguments: ["ed25519.pem", "sm2.pem"])
    func aLostStateKeyIsRefusedNotDropped(_ file: String) async throws {
        let daemon = try await DaemonProcess()
        _ = try await daemon.call("org.qcredit.admin.RegisterEnterprise", ["code": .string(DurabilityTests.uscc(0)), "name": "Keyed Co."])
        #expect(await daemon.stop() == 0)
        let path = daemon.stateDirectory + "/keys/" + file
        try FileManager.default.removeItem(atPath: path)
        try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: "/nonexistent/key.pem")
        let refusal = try await daemon.startExpectingRefusal()
        #expect(refusal.status != 0)
        #expect(refusal.log.contains("\(path) is missing: restore it there"), "\(refusal.log)")
    }

    /// A damaged checkpoint file is refused with the way forward, and that way works: moved
    /// aside, the daemon checks the log against the database's record and starts.
    @Test func aDamagedCheckpointFileIsRefusedWithTheWayForward() async throws {
        let daemon = try await DaemonProcess()
        _ = try await daemon.call("org.qcredit.admin.RegisterEnterprise", ["code": .string(DurabilityTests.uscc(0)), "name": "Torn Co."])
        #expect(await daemon.stop() == 0)
        let checkpoint = daemon.stateDirectory + "/checkpoint"
        let bytes = try Data(contentsOf: URL(fileURLWithPath: checkpoint))
        try bytes.prefix(40).write(to: URL(fileURLWithPath: checkpoint))
        let refusal = try await daemon.startExpectingRefusal()
        #expect(refusal.status != 0)
        #expect(refusal.log.contains("is not a signed checkpoint"), "\(refusal.log)")
        #expect(refusal.log.contains("moving the damaged file aside lets qcreditd start"), "\(refusal.log)")
        try FileManager.default.moveItem(atPath: checkpoint, toPath: daemon.directory.appendingPathComponent("checkpoint.damaged").path)
        try await daemon.start()
        #expect(try await daemon.call("org.qcredit.query.GetFile", ["code": .string(DurabilityTests.uscc(0))])["file"] != nil)
        #expect(await daemon.stop() == 0)
    }

    /// A database file cut in half is refused with the way forward (restore the newest backup).
    @Test func aDamagedDatabaseIsRefusedWithTheWayForward() async throws {
        let daemon = try await DaemonProcess()
        for n in 0..<200 {
            _ = try await daemon.call("org.qcredit.admin.RegisterEnterprise", ["code": .string(DurabilityTests.uscc(n)), "name": .string("Half Co. \(n)")])
        }
        #expect(await daemon.stop() == 0)
        let database = daemon.stateDirectory + "/registry.sqlite"
        let size = try #require(try FileManager.default.attributesOfItem(atPath: database)[.size] as? Int)
        #expect(truncate(database, off_t(size / 2)) == 0)
        let refusal = try await daemon.startExpectingRefusal()
        #expect(refusal.status != 0)
        #expect(refusal.log.contains("The file is damaged: restore the newest backup"), "\(refusal.log)")
    }

    /// An empty path given by a flag (an unset shell variable, most often) is refused and nothing
    /// is made: `--socket ""` served the system's socket, creating /run/qcredit.
    @Test func anEmptyPathFlagIsRefused() async throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("qcredit-empty-flag-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let state = scratch + "/state"
        for (flag, arguments) in [
            ("--socket", ["--socket", "", "--state-dir", state]),
            ("--state-dir", ["--state-dir", "", "--socket", scratch + "/q.sock"]),
        ] {
            let refused = try await runCommand(DaemonProcess.product("qcreditd"), arguments)
            #expect(refused.status == 1, "\(refused.stderr)")
            #expect(refused.stderr.contains("\(flag): the path is empty"), "\(refused.stderr)")
            #expect(!FileManager.default.fileExists(atPath: scratch), "a refused start made \(scratch)")
        }
    }

    /// A state directory that cannot be used is refused naming the flag that gave it (it was
    /// blamed on export.directory, a setting the operator never gave).
    @Test func anUnusableStateDirectoryIsRefusedByItsFlag() async throws {
        let scratch = try ScratchDirectory("state-directory-flag")
        let file = scratch.path("afile")
        try Data("not a directory".utf8).write(to: URL(fileURLWithPath: file))
        let refused = try await runCommand(DaemonProcess.product("qcreditd"), ["--state-dir", file, "--socket", scratch.path("q.sock")])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("--state-dir: cannot create or use the directory \(file): \(file) is not a directory"), "\(refused.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.url.path).sorted() == ["afile"])
    }

    /// A config file that cannot be read is refused with the system's reason, which says what to fix.
    @Test func aConfigFileThatCannotBeReadIsRefusedWithTheReason() async throws {
        let daemon = try await DaemonProcess(config: "")
        #expect(await daemon.stop() == 0)
        let path = try #require(daemon.configPath)
        try FileManager.default.removeItem(atPath: path)
        let refusal = try await daemon.startExpectingRefusal()
        #expect(refusal.status != 0)
        #expect(refusal.log.contains("\(path): cannot read the config file: no such file or directory"), "\(refusal.log)")
    }

    /// A policy changed under a version the registry already published is refused at start,
    /// naming the file and the settings that differ, and the database is left byte for byte.
    /// An operator without the sources starts their own policy from the built-in one: what
    /// `--print-default-policy` prints is that policy, which a daemon runs under as it is.
    @Test func theDefaultPolicyPrintedIsTheOneTheDaemonRunsWithout() async throws {
        let printed = try await runCommand(DaemonProcess.product("qcreditd"), ["--print-default-policy"])
        #expect(printed.status == 0, "\(printed.stderr)")
        #expect(printed.stdout.contains("version = \""))
        let scratch = try ScratchDirectory("printed-policy")
        let policyPath = scratch.path("policy.toml")
        try printed.stdout.write(toFile: policyPath, atomically: true, encoding: .utf8)
        let roles = "[roles]\noperator = [\"uid:\(getuid())\"]\nauditor = [\"uid:\(getuid())\"]\n"
        let builtIn = try await DaemonProcess(config: roles)
        let configured = try await DaemonProcess(config: "policy = \"\(policyPath)\"\n" + roles)
        let status = { (daemon: DaemonProcess) in try await daemon.call("org.qcredit.operator.GetStatus")["policyVersion"] }
        #expect(try await status(configured) == status(builtIn))
        // The same rules: the policy each published is the same (the records' times may differ).
        let record = { (daemon: DaemonProcess) async throws -> JSONValue? in
            let client = try await daemon.client()
            defer { Task { await client.close() } }
            var record: JSONValue?
            for try await reply in client.stream("org.qcredit.audit.GetEntries", parameters: ["start": 0, "end": 1]) {
                record = reply["opening"]?["record"]?["policy"]
            }
            return record
        }
        let (configuredPolicy, builtInPolicy) = (try await record(configured), try await record(builtIn))
        #expect(configuredPolicy != nil && configuredPolicy != .null)
        #expect(configuredPolicy == builtInPolicy)
        await configured.stop()
        await builtIn.stop()
    }

    @Test func aChangedPolicyUnderAPublishedVersionIsRefusedAndChangesNothing() async throws {
        let scratch = try ScratchDirectory("policy-version")
        let policyPath = scratch.path("policy.toml")
        let text = PolicyFile.defaultText.replacingOccurrences(of: "version = \"2026.1\"", with: "version = \"custom-1\"")
        try text.write(toFile: policyPath, atomically: true, encoding: .utf8)
        let daemon = try await DaemonProcess(config: "policy = \"\(policyPath)\"\n")
        #expect(await daemon.stop() == 0)
        try text.replacingOccurrences(of: "baseScore = 80", with: "baseScore = 81").write(toFile: policyPath, atomically: true, encoding: .utf8)
        let before = try Self.stateFiles(daemon.stateDirectory)
        let refusal = try await daemon.startExpectingRefusal()
        #expect(refusal.status != 0)
        #expect(
            refusal.log.contains("\(policyPath): policy version custom-1 was already published with different rules (differing: baseScore)"),
            "\(refusal.log)")
        #expect(try Self.stateFiles(daemon.stateDirectory) == before, "the lock file or the database changed")
    }

    /// Keys that cannot sign this log are refused before the state directory is locked or its
    /// database opened for writing (which rewrote the file's header and folded its write-ahead
    /// log into it): a development key that others may read, and configured keys that did not
    /// sign the log's newest checkpoint.
    @Test func keysThatCannotSignThisLogAreRefusedAndChangeNothing() async throws {
        let daemon = try await DaemonProcess(config: DaemonProcess.config(grantingMe: "regulator"))  // keys: the state directory's
        _ = try await daemon.call("org.qcredit.admin.RegisterEnterprise", ["code": "911522010783762860", "name": "内蒙古示例质量有限公司"])
        #expect(await daemon.stop() == 0)
        let before = try Self.stateFiles(daemon.stateDirectory)
        #expect(before.keys.contains("registry.sqlite") && before.keys.contains("checkpoint"), "\(before.keys.sorted())")

        let developmentKey = daemon.stateDirectory + "/keys/ed25519.pem"
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: developmentKey)
        let readable = try await daemon.startExpectingRefusal()
        #expect(readable.status != 0)
        #expect(readable.log.contains("lets group or others access it"), "\(readable.log)")
        #expect(try Self.stateFiles(daemon.stateDirectory) == before, "a refused development key changed the state directory")
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: developmentKey)

        let scratch = try ScratchDirectory("other-keys")
        let made = try await runCommand(DaemonProcess.product("qcredit"), ["keygen", "--dir", scratch.path("keys"), "--name", "other.test/log"])
        #expect(made.status == 0, "\(made.stderr)")
        try daemon.rewriteConfig("[log]\nkeys = [\"\(scratch.path("keys/ed25519.pem"))\"]\n")
        let otherKeys = try await daemon.startExpectingRefusal()
        #expect(otherKeys.status != 0)
        #expect(otherKeys.log.contains("none of the configured signing keys"), "\(otherKeys.log)")
        #expect(try Self.stateFiles(daemon.stateDirectory) == before, "keys that did not sign the log changed the state directory")
    }

    /// Every file under the state directory by its relative path, but SQLite's `-shm` (its
    /// readers' shared index) and an empty `-wal`, which a read-only look updates or makes.
    static func stateFiles(_ directory: String) throws -> [String: Data] {
        var files: [String: Data] = [:]
        let enumerator = FileManager.default.enumerator(atPath: directory)
        while let name = enumerator?.nextObject() as? String {
            let path = directory + "/" + name
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
                !name.hasSuffix("-shm")
            else { continue }
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            if name.hasSuffix("-wal"), data.isEmpty { continue }
            files[name] = data
        }
        return files
    }

    /// A socket path longer than a Unix socket address holds is refused before anything is
    /// written (bind(2) would refuse it only after the database was opened and keys made).
    @Test func aSocketPathTooLongIsRefusedBeforeAnythingIsWritten() async throws {
        let scratch = try ScratchDirectory("long-socket")
        let state = scratch.path("state")
        let socket = scratch.path(String(repeating: "s", count: 120) + ".sock")
        let result = try await runCommand(DaemonProcess.product("qcreditd"), ["--state-dir", state, "--socket", socket])
        #expect(result.status != 0)
        #expect((result.stdout + result.stderr).contains("a Unix socket's path holds at most 107"), "\(result.stdout)\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: state), "the state directory was made")
    }

    /// README, *Development mode*: without `--config` the daemon says so when it starts, the user
    /// running it holds every role, and another user holds none.
    @Test func developmentModeSaysSoAndGivesRolesToItsUserAlone() async throws {
        let daemon = try await DaemonProcess()
        #expect(daemon.log.contains("development mode (no --config)"), "\(daemon.log)")
        #expect(daemon.log.contains("(uid \(getuid())) holds every role; nobody else holds any"), "\(daemon.log)")
        _ = try await daemon.call("org.qcredit.admin.RegisterEnterprise", ["code": .string(DurabilityTests.uscc(0)), "name": "Dev Co."])
        _ = try await daemon.call("org.qcredit.operator.GetStatus")
        guard let nobody = try await SecondUser.nobody else { return }
        // Not allowed to open the socket, nobody is told why, not asked whether the daemon runs.
        let scratch = try ScratchDirectory("socket-access")
        try SecondUser.executableCopy(of: DaemonProcess.product("qcredit"), to: scratch.path("qcredit"))
        let refused = try nobody.start([scratch.path("qcredit"), "grade", DurabilityTests.uscc(0), "--socket", daemon.socketPath], output: scratch.url)
        let deadline = ContinuousClock.now + .seconds(60)
        while !refused.hasExited, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(refused.exitStatus == 3, "\(refused.log)")
        #expect(refused.log.contains("permission denied; your user may not open the socket"), "\(refused.log)")
        #expect(!refused.log.contains("is it running?"), "\(refused.log)")
        // Let nobody reach the socket at all: what it may then do is the roles' business.
        chmod(daemon.socketPath, 0o666)
        let probe = daemon.directory.appendingPathComponent("roleless.py").path
        try #"""
            import json, socket, sys
            s = socket.socket(socket.AF_UNIX)
            s.connect(sys.argv[1])
            s.sendall(b'{"method":"org.qcredit.query.GetGrade","parameters":{"code":"' + sys.argv[2].encode() + b'"}}\0')
            reply = b""
            while not reply.endswith(b"\0"):
                chunk = s.recv(65536)
                if not chunk: break
                reply += chunk
            print(json.loads(reply[:-1]).get("error"), flush=True)
            """#.write(toFile: probe, atomically: true, encoding: .utf8)
        let asNobody = try nobody.start(["/usr/bin/python3", probe, daemon.socketPath, DurabilityTests.uscc(0)], output: daemon.directory)
        #expect(try await asNobody.waitForLine(containing: "org.") == "org.qcredit.query.PermissionDenied")
    }

    /// SIGHUP (often sent to "reload"), SIGUSR1, SIGUSR2, SIGALRM and SIGPIPE (a closed pipe
    /// under its stderr) are ignored: the daemon keeps serving, and still stops gracefully on SIGTERM.
    @Test(arguments: [SIGHUP, SIGUSR1, SIGUSR2, SIGALRM, SIGPIPE])
    func aSignalWithNothingToDoDoesNotStopTheDaemon(_ signal: Int32) async throws {
        let daemon = try await DaemonProcess()
        let pid = try #require(daemon.process?.pid)
        #expect(kill(pid, signal) == 0)
        try await Task.sleep(for: .milliseconds(300))
        #expect(daemon.isRunning)
        #expect(try await daemon.call("org.qcredit.operator.GetStatus")["version"] != nil)
        #expect(await daemon.stop() == 0)
    }
}
