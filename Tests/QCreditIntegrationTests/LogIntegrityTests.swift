import CanonicalJSON
import Foundation
import Testing
import Varlink

/// The daemon never signs two checkpoints that disagree, refuses weak key files, and the
/// client's offline checks catch tampering.
@Suite struct LogIntegrityTests {
    @Test func theDaemonRefusesADatabaseOlderThanItsLastCheckpoint() async throws {
        let daemon = try await DaemonProcess(config: DaemonProcess.logConfig)
        try await daemon.seed(from: 0, count: 2)
        _ = try await daemon.waitForCheckpointOfWholeLog()
        #expect(await daemon.stop() == 0)
        // Keep a copy of the database as it is now, write more, then put the copy back.
        let database = (daemon.stateDirectory as NSString).appendingPathComponent("registry.sqlite")
        let backup = daemon.directory.appendingPathComponent("old.sqlite").path
        try FileManager.default.copyItem(atPath: database, toPath: backup)
        try await daemon.start()
        try await daemon.seed(from: 2, count: 3)
        _ = try await daemon.waitForCheckpointOfWholeLog()
        #expect(await daemon.stop() == 0)
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: database + suffix) }
        try FileManager.default.copyItem(atPath: backup, toPath: database)
        let refusal = try await daemon.startExpectingRefusal()
        #expect(refusal.status != 0)
        #expect(refusal.log.contains("records 3..<6 are missing"), "\(refusal.log)")
        #expect(refusal.log.contains("restored from an older backup"), "\(refusal.log)")
    }

    @Test func theDaemonRefusesALogWhoseRecordsWereAltered() async throws {
        let daemon = try await DaemonProcess(config: DaemonProcess.logConfig)
        // Sixteen grades and the policy: 17 leaves, so the tree stores a node (its lowest stored
        // level covers 16 leaves; those below are hashed from the leaves).
        try await daemon.seed(from: 0, count: 16)
        _ = try await daemon.waitForCheckpointOfWholeLog()
        #expect(await daemon.stop() == 0)
        // Only by dropping the append-only triggers can the stored tree be rewritten (as a forger
        // who changed a record would have to); the log notices before signing anything.
        let database = (daemon.stateDirectory as NSString).appendingPathComponent("registry.sqlite")
        let altered = try await runCommand(
            "/usr/bin/sqlite3",
            [
                database,
                "DROP TRIGGER merkle_node_append_only_update; UPDATE merkle_node SET hash = zeroblob(32);",
            ])
        #expect(altered.status == 0, "\(altered.stderr)")
        let refusal = try await daemon.startExpectingRefusal()
        #expect(refusal.status != 0)
        #expect(refusal.log.contains("the log was altered"), "\(refusal.log)")
    }

    /// A record changed behind the tree (the tree itself intact, so the daemon starts) is not
    /// handed out as evidence: it would fail the bank's check. The operator is told why.
    @Test func evidenceIsRefusedForARecordAlteredBehindTheTree() async throws {
        let daemon = try await DaemonProcess(config: DaemonProcess.logConfig)
        try await daemon.seed(from: 0, count: 2)
        _ = try await daemon.waitForCheckpointOfWholeLog()
        let altered = DurabilityTests.uscc(0)
        let untouched = DurabilityTests.uscc(1)
        let evidence = try await daemon.call("org.qcredit.query.GetEvidence", ["code": .string(altered)])
        let index = try #require(evidence["evidence"]?["logIndex"]?.intValue)
        #expect(await daemon.stop() == 0)
        let database = (daemon.stateDirectory as NSString).appendingPathComponent("registry.sqlite")
        let update = try await runCommand(
            "/usr/bin/sqlite3",
            [
                database,
                "DROP TRIGGER publication_append_only_update; "
                    + "UPDATE publication SET record = CAST(replace(CAST(record AS TEXT), 'Log Co. 0', 'Log Co. X') AS BLOB) "
                    + "WHERE idx = \(index);",
            ])
        #expect(update.status == 0, "\(update.stderr)")
        try await daemon.start()
        await #expect {
            try await daemon.call("org.qcredit.query.GetEvidence", ["code": .string(altered)])
        } throws: { error in
            (error as? VarlinkError) == VarlinkError(name: "org.qcredit.query.RecordDoesNotMatchLog", parameters: ["logIndex": .int(index)])
        }
        #expect(daemon.log.contains("record \(index) does not match the signed log"), "\(daemon.log)")
        // Evidence for the records left alone is still given.
        let other = try await daemon.call("org.qcredit.query.GetEvidence", ["code": .string(untouched)])
        #expect(other["evidence"]?["logIndex"]?.intValue != nil)
    }

    @Test func theDaemonRefusesAKeyFileOthersCanRead() async throws {
        let daemon = try await DaemonProcess()
        #expect(await daemon.stop() == 0)
        let key = (daemon.stateDirectory as NSString).appendingPathComponent("keys/ed25519.pem")
        #expect(FileManager.default.fileExists(atPath: key))
        let mode = try FileManager.default.attributesOfItem(atPath: key)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: key)
        let refusal = try await daemon.startExpectingRefusal()
        #expect(refusal.status != 0)
        #expect(refusal.log.contains("0644"), "\(refusal.log)")
    }

    @Test func theLastCheckpointIsKeptInAFileBesideTheDatabase() async throws {
        let daemon = try await DaemonProcess(config: DaemonProcess.logConfig)
        try await daemon.seed(from: 0, count: 3)
        let latest = try await daemon.waitForCheckpointOfWholeLog()
        let file = try String(contentsOfFile: (daemon.stateDirectory as NSString).appendingPathComponent("checkpoint"), encoding: .utf8)
        #expect(file == latest["checkpoint"]?.stringValue)
    }

    @Test func evidenceVerifiesOfflineAndTamperingIsCaught() async throws {
        let daemon = try await DaemonProcess(config: DaemonProcess.logConfig)
        try await daemon.seed(from: 0, count: 4)
        let qcredit = DaemonProcess.product("qcredit")
        let socket = ["--socket", daemon.socketPath]
        let (vkey, _) = try await daemon.verifierKey("ed25519")
        let (sm2Key, _) = try await daemon.verifierKey("sm2")

        let evidence = try await runCommand(qcredit, ["evidence", DurabilityTests.uscc(2)] + socket)
        #expect(evidence.status == 0, "\(evidence.stderr)")
        #expect(evidence.stdout.hasPrefix("c2sp.org/tlog-proof@v1\nextra "))
        let file = try daemon.write(evidence.stdout, to: "grade.tlog-proof")
        for key in [vkey, sm2Key] {
            let verified = try await runCommand(qcredit, ["verify-proof", file, "--vkey", key])
            #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")
            #expect(verified.stdout.split(separator: "\n").first?.split(separator: " ") == ["Verified", "yes"], "\(verified.stdout)")
        }

        // A changed record, index, proof hash or checkpoint, or a key we do not trust: exit 4.
        let lines = evidence.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var record = try base64Bytes(.string(String(lines[1].dropFirst("extra ".count))))
        record[20] ^= 0x01
        var changed = lines
        changed[1] = "extra " + Data(record).base64EncodedString()
        let index = lines.firstIndex { $0.hasPrefix("index ") }!
        var otherIndex = lines
        otherIndex[index] = "index 0"
        var otherHash = lines
        otherHash[index + 1] = Data(repeating: 7, count: 32).base64EncodedString()
        let sizeLine = lines.firstIndex(of: "") .map { $0 + 2 }!
        var otherSize = lines
        otherSize[sizeLine] = String(Int(lines[sizeLine])! + 1)
        // Tampering that breaks the file's format fails verification the same way.
        var wordIndex = lines
        wordIndex[index] = "index three"
        var badBase64 = lines
        badBase64[index + 1] = "not*base64"
        let truncated = Array(lines.prefix(index + 1))
        let tamperings = [
            ("record", changed), ("index", otherIndex), ("hash", otherHash), ("size", otherSize),
            ("index-word", wordIndex), ("base64", badBase64), ("truncated", truncated), ("not-text", ["\u{FFFF}"]),
        ]
        for (name, tampered) in tamperings {
            var path = try daemon.write(tampered.joined(separator: "\n"), to: "tampered-\(name).tlog-proof")
            if name == "not-text" {
                // Bytes that are not UTF-8 at all (a proof file mangled in transit).
                path = daemon.directory.appendingPathComponent("not-text.tlog-proof").path
                try Data([0xFF, 0xFE, 0x20, 0x67, 0x0A] + Array(evidence.stdout.utf8)).write(to: URL(fileURLWithPath: path))
            }
            let result = try await runCommand(qcredit, ["verify-proof", path, "--vkey", vkey])
            #expect(result.status == 4, "\(name): \(result.stdout)\(result.stderr)")
            #expect(result.stderr.hasPrefix("verification failed"), "\(name): \(result.stderr)")
            // The failure named is the one that happened: an altered record misses the root of a
            // checkpoint that is intact; an altered checkpoint is named as such.
            if name == "record" { #expect(result.stderr.contains("the checkpoint's signature holds"), "\(result.stderr)") }
            if name == "size" { #expect(result.stderr.contains("the checkpoint's signature: "), "\(result.stderr)") }
        }
        let otherLog = "qcredit.test/registry+00000000+" + String(vkey.split(separator: "+", maxSplits: 2)[2])
        #expect(try await runCommand(qcredit, ["verify-proof", file, "--vkey", otherLog]).status != 0)

        // Any record of the log, by its index: here the policy's record, which no grade rests on.
        _ = try await daemon.waitForCheckpointOfWholeLog()
        let byIndex = try await runCommand(qcredit, ["evidence", "--index", "0"] + socket)
        #expect(byIndex.status == 0, "\(byIndex.stderr)")
        #expect(byIndex.stdout.hasPrefix("c2sp.org/tlog-proof@v1\nextra ") && byIndex.stdout.contains("\nindex 0\n"), "\(byIndex.stdout)")
        let policyFile = try daemon.write(byIndex.stdout, to: "policy.tlog-proof")
        let policy = try await runCommand(qcredit, ["verify-proof", policyFile, "--vkey", vkey])
        #expect(policy.status == 0, "\(policy.stdout)\(policy.stderr)")
        #expect(policy.stdout.contains("policy"), "\(policy.stdout)")
        // With --json: GetEvidence's evidence object without its grade, the same file in tlogProof.
        let asJSON = try await runCommand(qcredit, ["evidence", "--index", "0", "--json"] + socket)
        #expect(asJSON.status == 0, "\(asJSON.stderr)")
        let indexed = try #require(try JSONValue.parse(asJSON.stdout)["evidence"], "\(asJSON.stdout)")
        #expect(indexed["tlogProof"]?.stringValue == byIndex.stdout)
        #expect(indexed["logIndex"] == 0 && indexed["opening"]?["record"]?["type"] == "policy", "\(indexed)")
        #expect(indexed["treeSize"]?.intValue ?? 0 >= 1 && indexed["checkpoint"]?.stringValue?.isEmpty == false)
        #expect(indexed["entry"]?.stringValue?.isEmpty == false && indexed["inclusionProof"]?.arrayValue != nil)
        let beyond = try await runCommand(qcredit, ["evidence", "--index", "1000000"] + socket)
        // Past the log itself: the record does not exist, and waiting will not bring it.
        #expect(beyond.status == 1 && beyond.stderr.contains("record 1000000 does not exist: the log holds "), "\(beyond.stderr)")
        #expect(!beyond.stderr.contains("try again"), "\(beyond.stderr)")
        let farBeyond = try await runCommand(qcredit, ["evidence", "--index", "\(Int64.max)"] + socket)
        #expect(farBeyond.status == 1 && farBeyond.stderr.contains("does not exist"), "\(farBeyond.stderr)")
        #expect(try await runCommand(qcredit, ["evidence", "--index", "-1"] + socket).status == 2)
        #expect(try await runCommand(qcredit, ["evidence", DurabilityTests.uscc(2), "--index", "0"] + socket).status == 2)
    }

    @Test func auditorsCheckConsistencyAndReplayTheLog() async throws {
        let daemon = try await DaemonProcess(config: DaemonProcess.logConfig)
        let qcredit = DaemonProcess.product("qcredit")
        let socket = ["--socket", daemon.socketPath]
        try await daemon.seed(from: 0, count: 3)
        _ = try await daemon.waitForCheckpointOfWholeLog()
        let (vkey, _) = try await daemon.verifierKey("ed25519")
        let first = try await runCommand(qcredit, ["audit", "checkpoint", "--vkey", vkey] + socket)
        #expect(first.status == 0, "\(first.stderr)")
        let firstFile = try daemon.write(first.stdout, to: "cp1")
        try await daemon.seed(from: 3, count: 4)
        _ = try await daemon.waitForCheckpointOfWholeLog()
        let secondFile = try daemon.write(try await runCommand(qcredit, ["audit", "checkpoint"] + socket).stdout, to: "cp2")

        let consistent = try await runCommand(qcredit, ["audit", "consistency", firstFile, secondFile, "--vkey", vkey] + socket)
        #expect(consistent.status == 0, "\(consistent.stderr)")
        #expect(consistent.stdout.contains("extends the log of"))
        let reversed = try await runCommand(qcredit, ["audit", "consistency", secondFile, firstFile, "--vkey", vkey] + socket)
        #expect(reversed.status == 4)
        let forged = try daemon.write(
            first.stdout.replacingOccurrences(of: "\n\(first.stdout.split(separator: "\n")[1])\n", with: "\n1\n"), to: "forged")
        #expect(try await runCommand(qcredit, ["audit", "consistency", forged, secondFile, "--vkey", vkey] + socket).status == 4)
        // A saved checkpoint damaged so that it is no longer UTF-8 fails verification too (exit 4,
        // as verify-proof's): it was reported as unreadable input, exit 2 (audit).
        let damaged = daemon.directory.appendingPathComponent("damaged").path
        try Data(Array(first.stdout.utf8).dropLast(3) + [0xFF, 0x0A]).write(to: URL(fileURLWithPath: damaged))
        let refused = try await runCommand(qcredit, ["audit", "consistency", damaged, secondFile, "--vkey", vkey] + socket)
        #expect(refused.status == 4 && refused.stderr.contains("is not UTF-8 text"), "\(refused)")

        let replay = try await runCommand(qcredit, ["audit", "replay", "--vkey", vkey] + socket)
        #expect(replay.status == 0, "\(replay.stderr)")
        #expect(replay.stdout.contains("the root matches the checkpoint"))
        #expect(try await runCommand(qcredit, ["audit", "replay"] + socket).status == 2)
    }

    /// An auditor's replay opens every commitment: one salt byte, or one record byte, changed in
    /// the registry's store fails it, naming the entry.
    @Test(arguments: ["salt", "record"]) func replayFailsOnOneAlteredOpeningByte(_ column: String) async throws {
        let daemon = try await DaemonProcess(config: DaemonProcess.logConfig)
        let qcredit = DaemonProcess.product("qcredit")
        try await daemon.seed(from: 0, count: 3)
        _ = try await daemon.waitForCheckpointOfWholeLog()
        let (vkey, _) = try await daemon.verifierKey("ed25519")
        let clean = try await runCommand(qcredit, ["audit", "replay", "--vkey", vkey, "--socket", daemon.socketPath])
        #expect(clean.status == 0, "\(clean.stderr)")
        #expect(clean.stdout.contains("opened 4 commitments"), "\(clean.stdout)")
        #expect(await daemon.stop() == 0)
        // Entry 2's salt becomes 31 zero bytes and a 1, or one letter of its record changes.
        let database = (daemon.stateDirectory as NSString).appendingPathComponent("registry.sqlite")
        let change =
            column == "salt"
            ? "x'" + String(repeating: "00", count: 31) + "01'"
            : #"CAST(replace(CAST(record AS TEXT), '"scoreGrade":"A"', '"scoreGrade":"B"') AS BLOB)"#
        let altered = try await runCommand(
            "/usr/bin/sqlite3",
            [
                database,
                "DROP TRIGGER publication_append_only_update; "
                    + "UPDATE publication SET \(column) = \(change) WHERE idx = 2;",
            ])
        #expect(altered.status == 0, "\(altered.stderr)")
        try await daemon.start()
        let replay = try await runCommand(qcredit, ["audit", "replay", "--vkey", vkey, "--socket", daemon.socketPath])
        #expect(replay.status == 4, "\(replay.stdout)\(replay.stderr)")
        #expect(replay.stderr.contains("entry 2"), "\(replay.stderr)")
    }

    /// Keys that did not sign the log's newest checkpoint are refused at start (a restore next
    /// to the wrong key files would re-key the log silently); listing the old keys with new ones
    /// rotates, and once a checkpoint carries the new signatures the old keys may go.
    @Test func keysThatDidNotSignTheLogAreRefusedAndRotationWorks() async throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("qcredit-rekey-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let config = try await Self.rotationKeys(in: scratch)
        let daemon = try await DaemonProcess(config: config(["old"]))
        try await daemon.seed(from: 0, count: 2)
        _ = try await daemon.waitForCheckpoint(ofSize: try await daemon.logSize())
        #expect(await daemon.stop() == 0)

        try daemon.rewriteConfig(config(["new"]))
        let refused = try await daemon.startExpectingRefusal()
        #expect(refused.status != 0)
        #expect(refused.log.contains("none of the configured signing keys"), "\(refused.log)")
        #expect(refused.log.contains("configure the log's own keys"), "\(refused.log)")

        try await Self.rotate(daemon, config, seedingFrom: 2)
        try await daemon.seed(from: 3, count: 1)
    }

    /// The same key files under a changed origin are other keys (a key's ID covers its name,
    /// the origin by default): the refusal says that the names differ and to set them back (it
    /// advised a rotation, which was not what happened).
    @Test func aChangedOriginIsRefusedNamingTheKeysNames() async throws {
        let daemon = try await DaemonProcess(config: DaemonProcess.logConfig)
        try await daemon.seed(from: 0, count: 1)
        _ = try await daemon.waitForCheckpointOfWholeLog()
        #expect(await daemon.stop() == 0)
        try daemon.rewriteConfig(DaemonProcess.logConfig.replacingOccurrences(of: "qcredit.test/registry", with: "qcredit.test/renamed"))
        let refused = try await daemon.startExpectingRefusal()
        #expect(refused.status != 0)
        #expect(refused.log.contains("the keys are named qcredit.test/renamed, but the log's are named qcredit.test/registry"), "\(refused.log)")
        #expect(!refused.log.contains("to rotate"), "\(refused.log)")
    }

    /// Rotation as the README gives it, on a log that does not grow meanwhile: started with the
    /// old and the new keys, the daemon signs its newest tree again with every key (same size,
    /// same root), so the export written then verifies with the new keys alone, and the new keys
    /// alone start.
    @Test func rotationWorksOnALogThatDoesNotGrow() async throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("qcredit-rekey-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let config = try await Self.rotationKeys(in: scratch)
        let daemon = try await DaemonProcess(config: config(["old"]))
        try await daemon.seed(from: 0, count: 2)
        let size = try await daemon.logSize()
        let signedByOld = try await daemon.waitForCheckpoint(ofSize: size)
        let oldKeys = try await Self.verifierKeys(daemon)
        #expect(await daemon.stop() == 0)

        try daemon.rewriteConfig(config(["old", "new"]))
        try await daemon.start()
        let newKeys = try await Self.verifierKeys(daemon).subtracting(oldKeys)
        #expect(newKeys.count == 2)
        let name = try #require(try await daemon.call("org.qcredit.operator.Export", ["full": true])["name"]?.stringValue)
        let checkpoint = try await daemon.call("org.qcredit.audit.GetCheckpoint")
        #expect(checkpoint["size"]?.intValue == size, "the log did not grow")
        #expect(checkpoint["rootHash"] == signedByOld["rootHash"])
        #expect(try await daemon.logSize() == size)
        let export = daemon.stateDirectory + "/exports/" + name
        let qcredit = DaemonProcess.product("qcredit")
        let verified = try await runCommand(qcredit, ["verify", export] + newKeys.sorted().flatMap { ["--vkey", $0] })
        #expect(verified.status == 0, "the export written while both sign carries the new keys' signatures: \(verified.stdout)\(verified.stderr)")
        #expect(await daemon.stop() == 0)

        try daemon.rewriteConfig(config(["new"]))
        try await daemon.start()
        let again = try await daemon.call("org.qcredit.audit.GetCheckpoint")
        #expect(again["size"]?.intValue == size)
        #expect(again["rootHash"] == signedByOld["rootHash"])
        try await daemon.seed(from: 2, count: 1)
    }

    static func verifierKeys(_ daemon: DaemonProcess) async throws -> Set<String> {
        let keys = try await daemon.call("org.qcredit.audit.GetVerifierKeys")["keys"]?.arrayValue ?? []
        return Set(keys.compactMap { $0["verifierKey"]?.stringValue })
    }

    /// An export written before a key rotation is signed only by keys the log no longer has;
    /// it is still the log's (its checkpoint's root is the log's), so the next export extends
    /// it, and a revocation withdraws it like any other export that published the listing.
    @Test func exportsSignedBeforeARotationAreStillWithdrawn() async throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("qcredit-rekey-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let config = try await Self.rotationKeys(in: scratch)
        let daemon = try await DaemonProcess(config: config(["old"]))
        try await daemon.seed(from: 0, count: 1)
        let (id, _) = try await Self.listFirstFile(daemon)
        _ = try await daemon.waitForCheckpoint(ofSize: try await daemon.logSize())
        let old = try #require(try await daemon.call("org.qcredit.operator.Export", ["full": true])["name"]?.stringValue)
        #expect(await daemon.stop() == 0)

        try await Self.rotate(daemon, config, seedingFrom: 1)
        // The next export extends the one the old keys signed.
        let delta = try await daemon.call("org.qcredit.operator.Export", [:])
        #expect(delta["kind"] == "delta", "\(delta)")
        // An auditor with the new keys alone checks the delta against the export before the
        // rotation: that one verifies with the key it publishes, and the delta, signed by a new
        // key, proves its tree.
        let exportsDirectory = daemon.stateDirectory + "/exports/"
        let newKeys = try await Self.verifierKeys(daemon).sorted().flatMap { ["--vkey", $0] }
        let qcredit = DaemonProcess.product("qcredit")
        let checked = try await runCommand(
            qcredit, ["verify", exportsDirectory + (delta["name"]?.stringValue ?? "")] + newKeys + ["--previous", exportsDirectory + old])
        #expect(checked.status == 0, "\(checked.stdout)\(checked.stderr)")
        #expect(checked.stdout.contains("a key it publishes and not a given one"), "\(checked.stdout)")
        // Another log's export, signed by the keys it publishes, is not taken for this one's.
        let other = try await DaemonProcess(config: DaemonProcess.logConfig)
        try await other.seed(from: 0, count: 1)
        _ = try await other.waitForCheckpoint(ofSize: try await other.logSize())
        let foreign = try #require(try await other.call("org.qcredit.operator.Export", ["full": true])["name"]?.stringValue)
        let refused = try await runCommand(
            qcredit,
            ["verify", exportsDirectory + (delta["name"]?.stringValue ?? "")] + newKeys
                + ["--previous", other.stateDirectory + "/exports/" + foreign])
        #expect(refused.status == 4, "\(refused.stdout)\(refused.stderr)")

        _ = try await daemon.call(
            "org.qcredit.admin.RemoveListing",
            ["listingId": id, "reason": "revoked", "authority": "Test AMR", "documentNumber": "测撤〔2026〕1号"])
        let exports = daemon.stateDirectory + "/exports"
        let left = try FileManager.default.contentsOfDirectory(atPath: exports)
        #expect(!left.contains(old), "the export from before the rotation still publishes the revoked listing: \(left)\n\(daemon.log)")
        #expect(!daemon.log.contains("left in place, not withdrawn"), "\(daemon.log)")
    }

    /// A bank asking for the evidence of a record whose disclosure ended (a revoked listing)
    /// is refused: the log proves the leaf, the record is not the bank's to read.
    @Test func evidenceOfARecordNotDisclosedIsRefusedToABank() async throws {
        let daemon = try await DaemonProcess(config: DaemonProcess.logConfig)
        try await daemon.seed(from: 0, count: 1)
        let (id, index) = try await Self.listFirstFile(daemon)
        _ = try await daemon.call(
            "org.qcredit.admin.RemoveListing",
            ["listingId": id, "reason": "revoked", "authority": "Test AMR", "documentNumber": "测撤〔2026〕2号"])
        _ = try await daemon.waitForCheckpointOfWholeLog()
        let socket = ["--socket", daemon.socketPath]
        let qcredit = DaemonProcess.product("qcredit")
        #expect(try await runCommand(qcredit, ["evidence", "--index", "\(index)"] + socket).status == 0, "a regulator may read it")
        #expect(await daemon.stop() == 0)

        let bankOnly = DaemonProcess.logConfig.split(separator: "\n").filter { line in
            !["regulator", "auditor", "operator"].contains { line.hasPrefix($0 + " =") }
        }.joined(separator: "\n")
        try daemon.rewriteConfig(bankOnly)
        try await daemon.start()
        let refused = try await runCommand(qcredit, ["evidence", "--index", "\(index)"] + socket)
        #expect(refused.status == 1, "\(refused.stdout)\(refused.stderr)")
        #expect(refused.stderr.contains("not disclosed to you"), "\(refused.stderr)")
        #expect(refused.stdout.isEmpty)
    }

    /// Proposes and confirms a serious-dishonesty listing of the first seeded file; returns the
    /// listing's id and its record's log index.
    static func listFirstFile(_ daemon: DaemonProcess) async throws -> (id: JSONValue, logIndex: Int64) {
        let proposed = try await daemon.call(
            "org.qcredit.admin.ProposeListing",
            [
                "code": .string(DurabilityTests.uscc(0)), "listType": "serious-dishonesty", "reason": "Forged test reports",
                "legalBasis": "Art. 9", "authority": "Test AMR", "documentNumber": "测〔2026〕9号",
                "decisionDate": .string(CLIHarness.today),
            ])
        let id = try #require(proposed["listing"]?["id"])
        let confirmed = try await daemon.call("org.qcredit.admin.ConfirmListing", ["listingId": id])
        return (id, try #require(confirmed["listing"]?["logIndex"]?.intValue))
    }

    /// Rotates the stopped `daemon`'s keys: started with the old and the new set, it writes the
    /// file `seedingFrom` and both sets sign a checkpoint of it; then it runs with the new set alone.
    static func rotate(_ daemon: DaemonProcess, _ config: ([String]) -> String, seedingFrom first: Int) async throws {
        try daemon.rewriteConfig(config(["old", "new"]))
        try await daemon.start()
        try await daemon.seed(from: first, count: 1)
        _ = try await daemon.waitForCheckpoint(ofSize: try await daemon.logSize())
        #expect(await daemon.stop() == 0)
        try daemon.rewriteConfig(config(["new"]))
        try await daemon.start()
    }

    /// Makes an "old" and a "new" set of log keys in `scratch`, and returns the log config
    /// that lists the sets it is given.
    static func rotationKeys(in scratch: URL) async throws -> @Sendable ([String]) -> String {
        for set in ["old", "new"] {
            let made = try await runCommand(
                DaemonProcess.product("qcredit"),
                ["keygen", "--dir", scratch.appendingPathComponent(set).path, "--name", "qcredit.test/registry"])
            #expect(made.status == 0, "\(made.stderr)")
        }
        let path = scratch.path
        return { sets in
            let files = sets.flatMap { set in ["ed25519", "sm2"].map { "\"\(path)/\(set)/\($0).pem\"" } }
            return DaemonProcess.logConfig.replacingOccurrences(
                of: "checkpointIntervalSeconds = 1", with: "checkpointIntervalSeconds = 1\nkeys = [\(files.joined(separator: ", "))]")
        }
    }

    /// keygen writes a whole key set or nothing, and `--config` names the keys as the daemon
    /// signing under that config does.
    @Test func keygenWritesAllOrNothingAndTakesTheNameFromTheConfig() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("qcredit-keygen-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: directory) }
        let qcredit = DaemonProcess.product("qcredit")
        let keys = directory.appendingPathComponent("keys").path
        try FileManager.default.createDirectory(atPath: keys, withIntermediateDirectories: true)
        for existing in ["sm2.pem", "ed25519.pub.pem"] {
            let file = keys + "/" + existing
            _ = FileManager.default.createFile(atPath: file, contents: Data())
            let refused = try await runCommand(qcredit, ["keygen", "--dir", keys, "--name", "qcredit.test/registry"])
            #expect(refused.status == 2, "\(refused.stdout)\(refused.stderr)")
            #expect(refused.stderr.contains("\(file) already exists: nothing was written"), "\(refused.stderr)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: keys) == [existing])
            try FileManager.default.removeItem(atPath: file)
        }
        // A dangling symbolic link is in the way too (it was followed, and a private key was left).
        let link = keys + "/ed25519.pub.pem"
        #expect(symlink(directory.appendingPathComponent("elsewhere.pem").path, link) == 0)
        let dangling = try await runCommand(qcredit, ["keygen", "--dir", keys, "--name", "qcredit.test/registry"])
        #expect(dangling.status == 2, "\(dangling.stdout)\(dangling.stderr)")
        #expect(dangling.stderr.contains("\(link) already exists: nothing was written"), "\(dangling.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: keys) == ["ed25519.pub.pem"])
        try FileManager.default.removeItem(atPath: link)
        // A folder others may write (a shared one) is refused: another user could swap the keys.
        #expect(chmod(keys, 0o777) == 0)
        let shared = try await runCommand(qcredit, ["keygen", "--dir", keys, "--name", "qcredit.test/registry"])
        #expect(shared.status == 2 && shared.stderr.contains("may be written by group or others (mode 777) and has no sticky bit; nothing was written"), "\(shared.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: keys).isEmpty)
        #expect(chmod(keys, 0o755) == 0)

        let config = directory.appendingPathComponent("qcreditd.toml").path
        try "log.origin = 'qcredit.test/registry'\n".write(toFile: config, atomically: true, encoding: .utf8)
        let made = try await runCommand(qcredit, ["keygen", "--dir", keys, "--config", config, "--json"])
        #expect(made.status == 0, "\(made.stderr)")
        let printed = try #require(try JSONValue.parse(made.stdout)["keys"]?.arrayValue).compactMap { $0["verifierKey"]?.stringValue }
        #expect(printed.count == 2 && printed.allSatisfy { $0.hasPrefix("qcredit.test/registry+") }, "\(printed)")
        let both = try await runCommand(qcredit, ["keygen", "--dir", keys + "2", "--config", config, "--name", "a.b/c"])
        #expect(both.status == 2 && both.stderr.contains("either --name or --config"), "\(both.stderr)")
        // A prefix is part of a file name in --dir, never a path out of it.
        let outside = try await runCommand(qcredit, ["keygen", "--dir", keys + "3", "--name", "a.b/c", "--prefix", "../escaped-"])
        #expect(outside.status == 2 && outside.stderr.contains("cannot hold a '/'"), "\(outside.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("escaped-ed25519.pem").path))
        // A one-character folder relative to where it runs (Foundation's path arithmetic traps on one).
        let short = try await runCommand(qcredit, ["keygen", "--dir", "k", "--name", "a.b/c"], directory: directory.path)
        #expect(short.status == 0, "\(short.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent("k").path).count == 4)
    }

    @Test func keygenWritesOwnerOnlyKeysTheDaemonSignsWith() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("qcredit-keygen-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: directory) }
        let qcredit = DaemonProcess.product("qcredit")
        let made = try await runCommand(qcredit, ["keygen", "--dir", directory.path, "--name", "qcredit.test/registry", "--json"])
        #expect(made.status == 0, "\(made.stderr)")
        let keys = try #require(try JSONValue.parse(made.stdout)["keys"]?.arrayValue)
        #expect(keys.map { $0["type"]?.stringValue } == ["ed25519", "sm2"])
        for key in keys {
            let path = try #require(key["privateKeyFile"]?.stringValue)
            #expect(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int == 0o600)
            #expect(try String(contentsOfFile: path, encoding: .utf8).hasPrefix("-----BEGIN PRIVATE KEY-----"))
        }
        // Never overwrites.
        #expect(try await runCommand(qcredit, ["keygen", "--dir", directory.path, "--name", "qcredit.test/registry"]).status != 0)

        // A daemon configured with both keys signs with both; the printed verifier keys verify.
        let config = DaemonProcess.logConfig.replacingOccurrences(
            of: "checkpointIntervalSeconds = 1",
            with: "checkpointIntervalSeconds = 1\nkeys = [\"\(directory.path)/ed25519.pem\", \"\(directory.path)/sm2.pem\"]")
        let daemon = try await DaemonProcess(config: config)
        try await daemon.seed(from: 0, count: 1)
        let evidence = try await runCommand(qcredit, ["evidence", DurabilityTests.uscc(0), "--socket", daemon.socketPath])
        let file = try daemon.write(evidence.stdout, to: "e.tlog-proof")
        for key in keys {
            let verified = try await runCommand(qcredit, ["verify-proof", file, "--vkey", try #require(key["verifierKey"]?.stringValue)])
            #expect(verified.status == 0, "\(verified.stderr)")
        }
    }
}
