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
        let verified = try await runCommand(qcredit, ["verify", second, "--vkey", vkey, "--previous", again])
        #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")
        #expect(verified.stdout.contains("PASS consistency"))
        // Alone, a delta still proves it extends the tree it starts from.
        #expect(try await runCommand(qcredit, ["verify", second, "--vkey", vkey]).status == 0)
        // An export is not its own previous one, and a directory that is not there is a usage error.
        let itself = try await runCommand(qcredit, ["verify", second, "--vkey", vkey, "--previous", second])
        #expect(itself.status == 2 && itself.stderr.contains("is the export being verified"), "\(itself.stderr)")
        let missing = try await runCommand(qcredit, ["verify", second + "-missing", "--vkey", vkey])
        #expect(missing.status == 2 && missing.stderr.contains("is not a directory"), "\(missing.stderr)")
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

    @Test func stockToolsVerifyDigestsSignaturesAndTheLog() async throws {
        let daemon = try await DaemonProcess(config: DaemonProcess.logConfig)
        try await daemon.seed(from: 0, count: 3)
        let (vkey, _) = try await daemon.verifierKey("ed25519")
        let keys = try await daemon.call("org.qcredit.audit.GetVerifierKeys")["keys"]?.arrayValue ?? []
        let first = try await #require(try export(daemon)["directory"]?.stringValue)
        try await daemon.seed(from: 3, count: 2)
        let second = try await #require(try export(daemon)["directory"]?.stringValue)

        let shell = { (command: String, directory: String) async throws -> CommandResult in
            try await runCommand("/bin/sh", ["-c", command], directory: directory)
        }
        let sha = try await shell("sha256sum -c --strict MANIFEST", second)
        #expect(sha.status == 0, "\(sha.stdout)\(sha.stderr)")
        let sm3 = try await shell("grep '^# SM3 ' MANIFEST | cut -c3- | cksum --check --strict", second)
        #expect(sm3.status == 0, "\(sm3.stdout)\(sm3.stderr)")
        // The public keys as the auditor obtained them (here from the daemon), not from the export.
        for key in keys {
            let type = try #require(key["type"]?.stringValue)
            let id = try #require(key["keyId"]?.stringValue)
            let pem = try daemon.write(try #require(key["publicKeyPem"]?.stringValue), to: "trusted-\(type).pem")
            let digest = type == "sm2" ? "-digest sm3 -pkeyopt distid:1234567812345678" : ""
            let openssl = try await shell(
                "openssl pkeyutl -verify -rawin -pubin -inkey \(pem) \(digest) -in MANIFEST -sigfile MANIFEST.\(type)-\(id).sig",
                second)
            #expect(openssl.status == 0 && openssl.stdout.contains("Signature Verified Successfully"), "\(type): \(openssl.stdout)\(openssl.stderr)")
        }
        // The root over a full export's entries, with the README's Python (standard library only).
        let root = try await shell("python3 - <<'PY'\n\(Self.readmeRootScript)PY", first)
        let signed = try String(contentsOfFile: first + "/checkpoint", encoding: .utf8).split(separator: "\n")
        #expect(root.stdout == "\(signed[1]) \(signed[2])\n", "\(root.stdout)\(root.stderr)")

        guard try GoProgram.goverify.available() else { return }
        let checkpoint = try await GoProgram.goverify.run(["checkpoint", vkey, "\(second)/checkpoint"])
        #expect(checkpoint.status == 0, "\(checkpoint.stderr)")
        let consistency = try await GoProgram.goverify.run(["consistency", vkey, "\(first)/checkpoint", "\(second)/checkpoint", "\(second)/consistency-proof"])
        #expect(consistency.status == 0, "\(consistency.stderr)")
    }

    /// README, *With stock tools only*: the RFC 6962 root of `entries.jsonl`, verbatim.
    static let readmeRootScript = #"""
        import base64, hashlib, sys
        H = lambda data: hashlib.sha256(data).digest()
        def mth(leaves):                                   # RFC 6962, section 2.1
            if not leaves: return H(b"")
            if len(leaves) == 1: return H(b"\0" + leaves[0])
            k = 1
            while k * 2 < len(leaves): k *= 2
            return H(b"\1" + mth(leaves[:k]) + mth(leaves[k:]))
        leaves = [line.rstrip(b"\n") for line in open("entries.jsonl", "rb")]
        size = int(sys.argv[1]) if len(sys.argv) > 1 else len(leaves)
        print(size, base64.b64encode(mth(leaves[:size])).decode())

        """#

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
