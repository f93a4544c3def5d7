import CanonicalJSON
import Foundation
import Testing

/// The nightly export end to end: written by the daemon on `qcredit export`, checked by
/// `qcredit verify` and by stock tools alone.
@Suite struct ExportTests {
    let qcredit = DaemonProcess.product("qcredit")

    func export(_ daemon: DaemonProcess, full: Bool = false) async throws -> JSONValue {
        let result = try await runCommand(qcredit, ["export", "--json", "--socket", daemon.socketPath] + (full ? ["--full"] : []))
        #expect(result.status == 0, "\(result.stderr)")
        return try JSONValue.parse(result.stdout)
    }

    func files(in directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
    }

    @Test func anExportVerifiesAndAFlippedByteInAnyFileIsCaughtByName() async throws {
        let daemon = try await DaemonProcess(config: DaemonProcess.logConfig)
        try await daemon.seed(from: 0, count: 6)
        let (vkey, _) = try await daemon.verifierKey("ed25519")
        let (sm2Key, _) = try await daemon.verifierKey("sm2")
        let reply = try await export(daemon)
        #expect(reply["kind"] == "full")
        #expect(reply["enterprises"] == 6)
        #expect(reply["entries"] == 7)
        let directory = try #require(reply["directory"]?.stringValue)
        for key in [vkey, sm2Key] {
            let verified = try await runCommand(qcredit, ["verify", directory, "--vkey", key])
            #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")
            #expect(verified.stdout.contains("verified: \(directory)"))
            #expect(!verified.stdout.contains("FAIL"))
        }

        for file in try files(in: directory) {
            let copy = daemon.directory.appendingPathComponent("flipped-\(file)").path
            try FileManager.default.copyItem(atPath: directory, toPath: copy)
            var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: "\(copy)/\(file)")))
            if bytes.isEmpty {
                bytes = [0x0A]  // an empty file (no previous export: no proof) gains a byte instead
            } else {
                bytes[bytes.count / 2] ^= 0x01
            }
            try Data(bytes).write(to: URL(fileURLWithPath: "\(copy)/\(file)"))
            // Both keys: a signature file is only checked by a verifier that knows its key.
            let result = try await runCommand(qcredit, ["verify", copy, "--vkey", vkey, "--vkey", sm2Key])
            #expect(result.status == 4, "\(file): \(result.stdout)")
            let failures = result.stdout.split(separator: "\n").filter { $0.hasPrefix("FAIL") }
            #expect(failures.contains { $0.contains(" \(file)") }, "\(file) not named: \(failures)")
            try FileManager.default.removeItem(atPath: copy)
        }
    }

    /// An export written while a regulator writes is one moment: every record its state and
    /// listings rest on is in the tree it publishes (a write committed after the newest
    /// checkpoint was in the state, past the tree, and `qcredit verify` passed it).
    @Test func anExportWrittenDuringWritesRestsOnlyOnRecordsInItsTree() async throws {
        let daemon = try await DaemonProcess(config: DaemonProcess.logConfig)
        try await daemon.seed(from: 0, count: 40)
        let (vkey, _) = try await daemon.verifierKey("ed25519")
        let writing = Task {
            var n = 0
            while !Task.isCancelled {
                _ = try? await daemon.call(
                    "org.qcredit.admin.OverrideGrade",
                    ["code": .string(DurabilityTests.uscc(n % 40)), "grade": n % 2 == 0 ? "AA" : "B", "reason": "on-site check",
                     "documentNumber": .string("内〔2026〕\(n)号")])
                n += 1
            }
        }
        // The writer holds the daemon: it is stopped and awaited before the daemon is, so that
        // the daemon is never left running past the test.
        func stopWriting() async {
            writing.cancel()
            _ = await writing.result
        }
        defer { writing.cancel() }
        for _ in 0..<6 {
            let reply = try await export(daemon, full: true)
            let directory = try #require(reply["directory"]?.stringValue)
            let treeSize = try #require(reply["treeSize"]?.intValue)
            let state = try String(contentsOfFile: directory + "/state.jsonl", encoding: .utf8)
            for line in state.split(separator: "\n") {
                let index = try JSONValue.parse(String(line))["logIndex"]?.intValue
                #expect(index.map { $0 < treeSize } ?? true, "\(line) rests on a record past the tree of \(treeSize)")
            }
            let verified = try await runCommand(qcredit, ["verify", directory, "--vkey", vkey])
            #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")
        }
        await stopWriting()
        #expect(await daemon.stop() == 0)
    }

    @Test func aDeltaVerifiesAgainstThePreviousExportAndTwoExportsOfOneStateAreIdentical() async throws {
        let daemon = try await DaemonProcess(config: DaemonProcess.logConfig)
        try await daemon.seed(from: 0, count: 4)
        let (vkey, _) = try await daemon.verifierKey("ed25519")
        let first = try await #require(try export(daemon, full: true)["directory"]?.stringValue)
        let again = try await #require(try export(daemon, full: true)["directory"]?.stringValue)
        // The same state exports to the same bytes; only the manifest's time and signatures differ.
        for file in try files(in: first) where !file.hasPrefix("MANIFEST") {
            #expect(FileManager.default.contentsEqual(atPath: "\(first)/\(file)", andPath: "\(again)/\(file)"), "\(file)")
        }
        #expect(try files(in: first) == files(in: again))

        try await daemon.seed(from: 4, count: 3)
        let delta = try await export(daemon)
        #expect(delta["kind"] == "delta")
        #expect(delta["entries"] == 3)
        let second = try #require(delta["directory"]?.stringValue)
        // The state is whole in a delta too (README, state.jsonl): the newest export alone tells what a bank sees.
        let stateLines = try String(contentsOfFile: second + "/state.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(stateLines.count == 7, "\(stateLines)")
        let verified = try await runCommand(qcredit, ["verify", second, "--vkey", vkey, "--previous", again])
        #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")
        #expect(verified.stdout.contains("PASS consistency"))
        // Alone, a delta still proves it extends the tree it starts from.
        #expect(try await runCommand(qcredit, ["verify", second, "--vkey", vkey]).status == 0)
        // An export is not its own previous one, and a directory that is not there is a usage error.
        let itself = try await runCommand(qcredit, ["verify", second, "--vkey", vkey, "--previous", second])
        #expect(itself.status == 2 && itself.stderr.contains("is the export being verified"), "\(itself.stderr)")
        let missing = try await runCommand(qcredit, ["verify", second + "-missing", "--vkey", vkey])
        #expect(missing.status == 2 && missing.stderr.contains("-missing does not exist: give an export directory"), "\(missing.stderr)")
    }

    @Test func anExportOfARewrittenLogFailsConsistencyWithThePreviousOne() async throws {
        let original = try await DaemonProcess(config: DaemonProcess.logConfig)
        try await original.seed(from: 0, count: 3)
        let (vkey, _) = try await original.verifierKey("ed25519")
        let first = try await #require(try export(original)["directory"]?.stringValue)
        // Another history signed with the same keys: the registry's data rewritten from scratch.
        let keys = (original.stateDirectory as NSString).appendingPathComponent("keys")
        let config = DaemonProcess.logConfig.replacingOccurrences(
            of: "checkpointIntervalSeconds = 1",
            with: "checkpointIntervalSeconds = 1\nkeys = [\"\(keys)/ed25519.pem\", \"\(keys)/sm2.pem\"]")
        let rewritten = try await DaemonProcess(config: config)
        try await rewritten.seed(from: 100, count: 5)
        let second = try await #require(try export(rewritten)["directory"]?.stringValue)
        #expect(try await runCommand(qcredit, ["verify", second, "--vkey", vkey]).status == 0)
        let result = try await runCommand(qcredit, ["verify", second, "--vkey", vkey, "--previous", first])
        #expect(result.status == 4, "\(result.stdout)")
        #expect(result.stdout.contains("FAIL consistency") || result.stdout.contains("FAIL previous"), "\(result.stdout)")
    }

    /// README, *With stock tools only*, run verbatim: the shell block (digests, signatures with the
    /// keys `qcredit audit keys --save-pem` saved, Go's sumdb checks) on a delta, and the Python
    /// block (root, openings) on a full export, a delta, a kept size and a restricted part.
    @Test(.goProgram(.goverify))
    func stockToolsVerifyDigestsSignaturesRootAndOpenings() async throws {
        guard try GoProgram.goverify.available() else { return }
        let readme = try ReadmeExampleTests.readme()
        let commands = try ReadmeExampleTests.section(of: readme, after: "From inside the public export directory:\n\n```sh\n", before: "```\n")
        let python = try ReadmeExampleTests.section(of: readme, after: "python3 - \"$@\" <<'PY'\n", before: "PY\n```")
        let daemon = try await DaemonProcess(config: DaemonProcess.logConfig)
        try await daemon.seed(from: 0, count: 3)
        let (vkey, _) = try await daemon.verifierKey("ed25519")
        let full = try await #require(try export(daemon)["directory"]?.stringValue)
        try await daemon.seed(from: 3, count: 2)
        let delta = try await #require(try export(daemon)["directory"]?.stringValue)
        let restricted = URL(fileURLWithPath: delta).deletingLastPathComponent()
            .appendingPathComponent("restricted").appendingPathComponent(URL(fileURLWithPath: delta).lastPathComponent).path

        // The keys as the auditor obtained them (here from the daemon), not from the export, in a
        // folder --save-pem makes.
        let keys = daemon.directory.appendingPathComponent("trusted/keys").path
        let saved = try await CLIHarness(daemon: daemon).run(["audit", "keys", "--save-pem", keys])
        #expect(saved.status == 0, "\(saved.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: keys).sorted().map { $0.hasSuffix(".pub.pem") } == [true, true])

        let goverify = URL(fileURLWithPath: try await GoProgram.goverify.executable()).deletingLastPathComponent().path
        let environment = ["KEYS": keys, "VKEY": vkey, "PATH": "\(goverify):/usr/local/bin:/usr/bin:/bin"]
        let shell = { (script: String, arguments: [String], directory: String) async throws -> CommandResult in
            try await runCommand("/bin/sh", ["-ec", script, "sh"] + arguments, environment: environment, directory: directory)
        }
        let stock = try await shell(commands.replacingOccurrences(of: "../PREVIOUS-EXPORT", with: full), [], delta)
        #expect(stock.status == 0, "\(stock.stdout)\(stock.stderr)")
        #expect(stock.stdout.components(separatedBy: "Signature Verified Successfully").count == 3, "\(stock.stdout)")

        let digestsAndSignatures = commands.split(separator: "\n").filter { !$0.hasPrefix("goverify") }.joined(separator: "\n")
        let ofPart = try await shell(digestsAndSignatures, [], restricted)
        #expect(ofPart.status == 0, "\(ofPart.stdout)\(ofPart.stderr)")
        #expect(ofPart.stdout.components(separatedBy: "Signature Verified Successfully").count == 3, "\(ofPart.stdout)")

        // A signature by a key the auditor does not hold is not checked (one valid signature by a
        // trusted key is enough, as `qcredit verify` has it); a bad one by a trusted key fails.
        let stray = daemon.directory.appendingPathComponent("stray").path
        try FileManager.default.copyItem(atPath: delta, toPath: stray)
        let signature = try #require(try FileManager.default.contentsOfDirectory(atPath: stray).first { $0.hasPrefix("MANIFEST.ed25519-") })
        try FileManager.default.copyItem(atPath: stray + "/" + signature, toPath: stray + "/MANIFEST.ed25519-00000000.sig")
        #expect(try await shell(digestsAndSignatures, [], stray).status == 0)
        var flipped = [UInt8](try Data(contentsOf: URL(fileURLWithPath: stray + "/" + signature)))
        flipped[0] ^= 1
        try Data(flipped).write(to: URL(fileURLWithPath: stray + "/" + signature))
        #expect(try await shell(digestsAndSignatures, [], stray).status != 0)
        // A signature by a listed key the auditor holds, removed: the export is signed by every key it lists.
        let unsigned = daemon.directory.appendingPathComponent("unsigned").path
        try FileManager.default.copyItem(atPath: delta, toPath: unsigned)
        let sm2 = try #require(try FileManager.default.contentsOfDirectory(atPath: unsigned).first { $0.hasPrefix("MANIFEST.sm2-") })
        try FileManager.default.removeItem(atPath: unsigned + "/" + sm2)
        let withoutOne = try await shell(digestsAndSignatures, [], unsigned)
        #expect(withoutOne.status != 0, "\(withoutOne.stdout)\(withoutOne.stderr)")

        let run = { (arguments: [String], directory: String) async throws -> CommandResult in
            try await shell("python3 - \"$@\" <<'PY'\n\(python)PY\n", arguments, directory)
        }
        let checkpoint = { (directory: String) throws -> String in
            let lines = try String(contentsOfFile: directory + "/checkpoint", encoding: .utf8).split(separator: "\n")
            return "root \(lines[1]) \(lines[2])"
        }
        let entries = { (directory: String) throws -> (start: Int, end: Int) in
            let manifest = try String(contentsOfFile: directory + "/MANIFEST", encoding: .utf8)
            let line = try #require(manifest.split(separator: "\n").first { $0.hasPrefix("# entries ") })
            let bounds = line.split(separator: " ").suffix(2).compactMap { Int($0) }
            return (bounds[0], bounds[1])
        }
        let (_, fullSize) = try entries(full), (start, end) = try entries(delta)
        #expect(start == fullSize && end > start)
        let fullRoot = try checkpoint(full), deltaRoot = try checkpoint(delta)
        let ofFull = try await run([], full)
        #expect(ofFull.status == 0 && ofFull.stdout == "\(fullRoot)\nopened \(fullSize) of \(fullSize) entries\n", "\(ofFull.stdout)\(ofFull.stderr)")
        let ofDelta = try await run([], delta)
        #expect(ofDelta.status == 0 && ofDelta.stdout == "\(deltaRoot)\nopened \(end - start) of \(end - start) entries\n", "\(ofDelta.stdout)\(ofDelta.stderr)")
        // The delta's tree-start and no leaf give the full export's root: the kept checkpoint.
        let kept = try await run(["--size", "\(fullSize)"], delta)
        #expect(kept.status == 0 && kept.stdout.hasPrefix("\(fullRoot)\n"), "\(kept.stdout)\(kept.stderr)")
        let part = try await run(["--openings", restricted + "/openings.jsonl"], delta)
        #expect(part.status == 0 && part.stdout.hasSuffix("opened \(end - start) of \(end - start) entries\n"), "\(part.stdout)\(part.stderr)")

        // One salt byte changed in a copy of the delta: the opening no longer opens its entry.
        let altered = daemon.directory.appendingPathComponent("altered").path
        try FileManager.default.copyItem(atPath: delta, toPath: altered)
        var openings = try String(contentsOfFile: altered + "/openings.jsonl", encoding: .utf8)
        let salt = try #require(openings.range(of: ",\"salt\":\""))
        let first = openings[salt.upperBound]
        openings.replaceSubrange(salt.upperBound...salt.upperBound, with: first == "A" ? "B" : "A")
        try openings.write(toFile: altered + "/openings.jsonl", atomically: true, encoding: .utf8)
        let refused = try await run([], altered)
        #expect(refused.status != 0 && refused.stderr.contains("line 1: no opening of entry "), "\(refused.stdout)\(refused.stderr)")
        let tampered = try await shell(commands.replacingOccurrences(of: "../PREVIOUS-EXPORT", with: full), [], altered)
        #expect(tampered.status != 0 && tampered.stdout.contains("openings.jsonl: FAILED"), "\(tampered.stdout)\(tampered.stderr)")

        // Another signed checkpoint of the log in place of the delta's (the full export's): the
        // Python names it, as the digests would not once the MANIFEST were signed again.
        let swapped = daemon.directory.appendingPathComponent("swapped").path
        try FileManager.default.copyItem(atPath: delta, toPath: swapped)
        try FileManager.default.removeItem(atPath: swapped + "/checkpoint")
        try FileManager.default.copyItem(atPath: full + "/checkpoint", toPath: swapped + "/checkpoint")
        let ofSwapped = try await run([], swapped)
        #expect(ofSwapped.status != 0 && ofSwapped.stderr.contains("the checkpoint is not the MANIFEST's tree"), "\(ofSwapped.stdout)\(ofSwapped.stderr)")
        // A restricted part missing an opening fails on its own, not only by the count it prints.
        let thinPart = daemon.directory.appendingPathComponent("thin-openings.jsonl").path
        let partLines = try String(contentsOfFile: restricted + "/openings.jsonl", encoding: .utf8).split(separator: "\n")
        try (partLines.dropLast().joined(separator: "\n") + "\n").write(toFile: thinPart, atomically: true, encoding: .utf8)
        let ofThinPart = try await run(["--openings", thinPart], delta)
        #expect(ofThinPart.status != 0 && ofThinPart.stderr.contains("the restricted part does not open every entry"), "\(ofThinPart.stdout)\(ofThinPart.stderr)")
        // One entry's opening twice, another's missing: the count is right, the order is not.
        let twicePart = daemon.directory.appendingPathComponent("twice-openings.jsonl").path
        try ([partLines[0], partLines[0]] + partLines.dropFirst(2) + [""]).joined(separator: "\n")
            .write(toFile: twicePart, atomically: true, encoding: .utf8)
        let ofTwicePart = try await run(["--openings", twicePart], delta)
        #expect(ofTwicePart.status != 0 && ofTwicePart.stderr.contains("line 2: entry \(start) comes after entry \(start)"), "\(ofTwicePart.stdout)\(ofTwicePart.stderr)")
        // A salt spelled as another base64 of the same bytes (an unused bit set): the commitment
        // still opens, but a byte string has one spelling, and the Python refuses the other.
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
        var respelled = String(partLines[0])
        let saltText = try #require(respelled.range(of: ",\"salt\":\"")).upperBound
        let lastDigit = respelled.index(saltText, offsetBy: 42)
        let digit = try #require(alphabet.firstIndex(of: respelled[lastDigit]))
        respelled.replaceSubrange(lastDigit...lastDigit, with: String(alphabet[digit | 1]))
        let respelledPart = daemon.directory.appendingPathComponent("respelled-openings.jsonl").path
        try ([respelled] + partLines.dropFirst().map(String.init) + [""]).joined(separator: "\n")
            .write(toFile: respelledPart, atomically: true, encoding: .utf8)
        let ofRespelled = try await run(["--openings", respelledPart], delta)
        #expect(
            ofRespelled.status != 0 && ofRespelled.stderr.contains("is not the one base64 spelling of its bytes"),
            "\(ofRespelled.stdout)\(ofRespelled.stderr)")
        // A hash too many in tree-start.
        let longStart = daemon.directory.appendingPathComponent("long-start").path
        try FileManager.default.copyItem(atPath: delta, toPath: longStart)
        let treeStart = try String(contentsOfFile: longStart + "/tree-start", encoding: .utf8)
        try (treeStart + treeStart.split(separator: "\n")[0] + "\n").write(toFile: longStart + "/tree-start", atomically: true, encoding: .utf8)
        let ofLongStart = try await run([], longStart)
        #expect(ofLongStart.status != 0 && ofLongStart.stderr.contains("tree-start does not hold one hash per 1-bit of start"), "\(ofLongStart.stdout)\(ofLongStart.stderr)")
    }

    @Test func exportingKeepsMemoryFlat() async throws {
        // In its own process, so nothing else running in the test process counts.
        let result = try await runCommand(DaemonProcess.product("qcredit-bench"), ["export", "--enterprises", "60000", "--grades", "no"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let figures = try #require(result.stdout.split(separator: "\n").first { $0.hasPrefix("figures:") })
        var values: [String: Double] = [:]
        for field in figures.split(separator: " ").dropFirst() {
            let parts = field.split(separator: "=")
            values[String(parts[0])] = Double(parts[1])
        }
        let bytes = try #require(values["bytes"])
        let growth = try #require(values["peak-kib"]) - (try #require(values["rss-before-kib"]))
        // Holding the files, or the state's values, would take at least their size.
        #expect(bytes > 10_000_000)
        #expect(growth * 1024 < bytes / 2, "peak grew by \(growth) KiB while writing \(bytes) bytes")
    }
}

/// `qcredit verify --restricted` by someone outside the auditor group: the part cannot be read,
/// which is a usage error (exit 2) saying so, not a failed verification (exit 4).
@Suite struct RestrictedPartPermissionTests {
    /// A directory named on the command line that is not there, or is a file, is a usage error.
    @Test func aPreviousOrRestrictedPartThatIsNotThereIsAUsageError() async throws {
        let daemon = try await DaemonProcess(config: DaemonProcess.logConfig)
        try await daemon.seed(from: 0, count: 1)
        let (vkey, _) = try await daemon.verifierKey("ed25519")
        let export = try #require(try await daemon.call("org.qcredit.operator.Export", ["full": true])["directory"]?.stringValue)
        let qcredit = DaemonProcess.product("qcredit")
        for (option, path, expected) in [
            ("--previous", daemon.directory.appendingPathComponent("no-such-export").path, "does not exist"),
            ("--restricted-part", daemon.directory.appendingPathComponent("no-such-part").path, "does not exist"),
            ("--restricted-part", export + "/MANIFEST", "is not a directory"),
        ] {
            let result = try await runCommand(qcredit, ["verify", export, "--vkey", vkey, option, path])
            #expect(result.status == 2, "\(option) \(path): \(result.stdout)\(result.stderr)")
            #expect(result.stderr.contains("\(option) \(path) \(expected): give an export directory"), "\(result.stderr)")
        }
    }

    @Test func aRestrictedPartTheUserMayNotReadIsAUsageError() async throws {
        guard let nobody = try await SecondUser.nobody else { return }
        let daemon = try await DaemonProcess(config: DaemonProcess.logConfig)
        try await daemon.seed(from: 0, count: 2)
        let (vkey, _) = try await daemon.verifierKey("ed25519")
        let exported = try await daemon.call("org.qcredit.operator.Export", ["full": true])
        let name = try #require(exported["name"]?.stringValue)
        // Copies anyone may reach (the state directory is the daemon's alone), modes kept.
        let scratch = try ScratchDirectory("restricted-mode")
        let exports = daemon.stateDirectory + "/exports"
        #expect(try await runCommand("/bin/cp", ["-a", exports, scratch.path("exports")]).status == 0)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: scratch.path("exports"))
        try FileManager.default.setAttributes([.posixPermissions: 0o750], ofItemAtPath: scratch.path("exports/restricted"))
        try SecondUser.executableCopy(of: DaemonProcess.product("qcredit"), to: scratch.path("qcredit"))
        let verify = try nobody.start(
            [scratch.path("qcredit"), "verify", scratch.path("exports/" + name), "--vkey", vkey, "--restricted"], output: scratch.url)
        let deadline = ContinuousClock.now + .seconds(60)
        while !verify.hasExited, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(verify.exitStatus == 2, "\(verify.log)")
        #expect(verify.log.contains("permission denied (a restricted part is readable by its auditor group only)"), "\(verify.log)")
        // The public export alone verifies for that user.
        let publicOnly = try nobody.start([scratch.path("qcredit"), "verify", scratch.path("exports/" + name), "--vkey", vkey], output: scratch.url)
        while !publicOnly.hasExited, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(publicOnly.exitStatus == 0, "\(publicOnly.log)")
        // An export inside a folder that user may not enter (a state directory's exports/) is
        // one it cannot read: said so, not taken for a directory that is not there.
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: scratch.path("exports"))
        let closed = try nobody.start([scratch.path("qcredit"), "verify", scratch.path("exports/" + name), "--vkey", vkey], output: scratch.url)
        while !closed.hasExited, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(closed.exitStatus == 2, "\(closed.log)")
        #expect(closed.log.contains("cannot read \(scratch.path("exports/" + name)): permission denied"), "\(closed.log)")
    }
}
