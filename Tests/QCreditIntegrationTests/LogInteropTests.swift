import CanonicalJSON
import Foundation
import Testing
import Varlink

/// The log as software we did not write sees it: Go's sumdb note and tlog packages, Python's
/// rfc8785, cryptography and gmssl, and the openssl command line.
@Suite(.interop) struct LogInteropTests {
    @Test func goSumdbVerifiesCheckpointsInclusionAndConsistency() async throws {
        guard try Interop.available() else { return }
        guard try GoProgram.goverify.available() else { return }
        let daemon = try await DaemonProcess(config: DaemonProcess.logConfig)
        try await daemon.seed(from: 0, count: 5)
        let (vkey, _) = try await daemon.verifierKey("ed25519")
        let first = try await daemon.waitForCheckpointOfWholeLog()
        let firstFile = try daemon.write(try #require(first["checkpoint"]?.stringValue), to: "checkpoint-1")
        let checked = try await GoProgram.goverify.run(["checkpoint", vkey, firstFile])
        #expect(checked.status == 0, "\(checked.stderr)")

        // A real record's inclusion, from the evidence a bank would keep.
        let evidence = try #require(try await daemon.call("org.qcredit.query.GetEvidence", ["code": .string(DurabilityTests.uscc(3))])["evidence"])
        let index = try #require(evidence["logIndex"]?.intValue)
        let leaf = try daemon.write(try base64Bytes(evidence["entry"]), to: "leaf")
        let proof = try daemon.write(
            (evidence["inclusionProof"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: "\n") + "\n", to: "inclusion")
        let evidenceCheckpoint = try daemon.write(try #require(evidence["checkpoint"]?.stringValue), to: "checkpoint-evidence")
        let included = try await GoProgram.goverify.run(["inclusion", vkey, evidenceCheckpoint, String(index), leaf, proof])
        #expect(included.status == 0, "\(included.stderr)")

        // More writes, a later checkpoint, and the proof that it extends the first.
        try await daemon.seed(from: 5, count: 7)
        let second = try await daemon.waitForCheckpointOfWholeLog()
        let secondFile = try daemon.write(try #require(second["checkpoint"]?.stringValue), to: "checkpoint-2")
        let consistency = try await daemon.call(
            "org.qcredit.audit.GetConsistencyProof", ["fromSize": first["size"]!, "toSize": second["size"]!])
        let consistencyFile = try daemon.write(
            (consistency["proof"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: "\n") + "\n", to: "consistency")
        let extended = try await GoProgram.goverify.run(["consistency", vkey, firstFile, secondFile, consistencyFile])
        #expect(extended.status == 0, "\(extended.stderr)")

        // And it refuses what it must: a tampered checkpoint, a wrong leaf.
        let note = try #require(second["checkpoint"]?.stringValue)
        let size = try #require(second["size"]?.intValue)
        let tampered = try daemon.write(note.replacingOccurrences(of: "\n\(size)\n", with: "\n\(size + 1)\n"), to: "tampered")
        #expect(try await GoProgram.goverify.run(["checkpoint", vkey, tampered]).status != 0)
        var wrongBytes = try base64Bytes(evidence["entry"])
        wrongBytes[wrongBytes.count / 2] ^= 0x01
        let wrongLeaf = try daemon.write(wrongBytes, to: "wrong-leaf")
        #expect(try await GoProgram.goverify.run(["inclusion", vkey, evidenceCheckpoint, String(index), wrongLeaf, proof]).status != 0)
        #expect(try await GoProgram.goverify.run(["consistency", vkey, secondFile, firstFile, consistencyFile]).status != 0)
    }

    /// Credit repair ends a listing's disclosure but changes nothing in the tree: a bank's evidence
    /// saved while the listing forced its grade still verifies afterwards — with qcredit, with an
    /// independent Python check written from the README's format text, and with Go's sumdb
    /// packages, which also verify the checkpoints and their consistency across the repair.
    @Test func evidenceSavedBeforeARepairStillVerifiesAfterIt() async throws {
        guard try Interop.available(), let python = Interop.python else { return }
        guard try GoProgram.goverify.available() else { return }
        let daemon = try await DaemonProcess(config: DaemonProcess.logConfig)
        let qcredit = DaemonProcess.product("qcredit")
        let code = DurabilityTests.uscc(7)
        try await daemon.seed(from: 7, count: 1)
        let proposed = try await daemon.call(
            "org.qcredit.admin.ProposeListing",
            [
                "code": .string(code), "listType": "serious-dishonesty", "reason": "Sold counterfeit fertiliser",
                "legalBasis": "SAMR Order No. 44 (2021), Art. 9", "authority": "Zhengzhou AMR", "documentNumber": "郑严〔2025〕9号",
                "decisionDate": "2025-01-01",
            ])
        let listingId = try #require(proposed["listing"]?["id"])
        _ = try await daemon.call("org.qcredit.admin.ConfirmListing", ["listingId": listingId, "publicationDate": "2025-01-02"])
        let before = try await daemon.waitForCheckpointOfWholeLog()
        let beforeFile = try daemon.write(try #require(before["checkpoint"]?.stringValue), to: "checkpoint-before")
        let saved = try await runCommand(qcredit, ["evidence", code, "--socket", daemon.socketPath])
        #expect(saved.status == 0, "\(saved.stderr)")
        let evidence = try daemon.write(saved.stdout, to: "before-repair.tlog-proof")
        let (vkey, _) = try await daemon.verifierKey("ed25519")

        let application = try await daemon.call(
            "org.qcredit.admin.ApplyForRepair",
            [
                "listingId": listingId, "commitmentLetterSha256": .string(String(repeating: "5a", count: 32)),
                "penaltyFulfilment": "fine paid", "applicantContact": "Li Ming",
            ])
        _ = try await daemon.call(
            "org.qcredit.admin.DecideRepair",
            [
                "applicationId": try #require(application["application"]?["id"]), "decision": "approve", "reason": "rectified",
                "documentNumber": "郑修〔2026〕1号",
            ])
        let after = try await daemon.waitForCheckpointOfWholeLog()
        let afterFile = try daemon.write(try #require(after["checkpoint"]?.stringValue), to: "checkpoint-after")

        let ours = try await runCommand(qcredit, ["verify-proof", evidence, "--vkey", vkey, "--json"])
        #expect(ours.status == 0, "\(ours.stdout)\(ours.stderr)")
        #expect(try JSONValue.parse(ours.stdout)["record"]?["type"] == "listing")
        let independent = try await runCommand(python, [Interop.scripts.appendingPathComponent("evidence_verify.py").path, evidence, vkey])
        #expect(independent.status == 0, "\(independent.stdout)\(independent.stderr)")
        #expect(try JSONValue.parse(independent.stdout)["record"]?["listing"]?["documentNumber"] == "郑严〔2025〕9号")
        // A record byte changed in the file fails both.
        let lines = saved.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var extra = try base64Bytes(.string(String(lines[1].dropFirst("extra ".count))))
        extra[extra.count - 3] ^= 0x01
        let tampered = try daemon.write(
            ([lines[0], "extra " + Data(extra).base64EncodedString()] + lines.dropFirst(2)).joined(separator: "\n"), to: "tampered.tlog-proof")
        #expect(try await runCommand(qcredit, ["verify-proof", tampered, "--vkey", vkey]).status == 4)
        #expect(try await runCommand(python, [Interop.scripts.appendingPathComponent("evidence_verify.py").path, tampered, vkey]).status != 0)

        // Go: both checkpoints, the listing leaf's inclusion in the later tree, and consistency.
        for file in [beforeFile, afterFile] {
            let checked = try await GoProgram.goverify.run(["checkpoint", vkey, file])
            #expect(checked.status == 0, "\(checked.stderr)")
        }
        let index = try #require(try JSONValue.parse(ours.stdout)["index"]?.intValue)
        let entry = try await daemon.call("org.qcredit.audit.GetInclusionProof", ["index": .int(index), "treeSize": after["size"]!])
        let client = try await daemon.client()
        var leafBytes: [UInt8] = []
        for try await reply in client.stream("org.qcredit.audit.GetEntries", parameters: ["start": .int(index), "end": .int(index + 1)]) {
            leafBytes = try base64Bytes(reply["entry"])
        }
        await client.close()
        let leaf = try daemon.write(leafBytes, to: "listing-leaf")
        let proof = try daemon.write((entry["proof"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: "\n") + "\n", to: "listing-inclusion")
        let included = try await GoProgram.goverify.run(["inclusion", vkey, afterFile, String(index), leaf, proof])
        #expect(included.status == 0, "\(included.stderr)")
        let consistency = try await daemon.call("org.qcredit.audit.GetConsistencyProof", ["fromSize": before["size"]!, "toSize": after["size"]!])
        let consistencyFile = try daemon.write(
            (consistency["proof"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: "\n") + "\n", to: "repair-consistency")
        let extended = try await GoProgram.goverify.run(["consistency", vkey, beforeFile, afterFile, consistencyFile])
        #expect(extended.status == 0, "\(extended.stderr)")
    }

    @Test func pythonRecomputesRecordsRootAndBothSignatures() async throws {
        guard try Interop.available(), let python = Interop.python else { return }
        let daemon = try await DaemonProcess(config: DaemonProcess.logConfig)
        try await daemon.seed(from: 0, count: 6)
        _ = try await daemon.call(
            "org.qcredit.admin.ProposeListing",
            [
                "code": .string(DurabilityTests.uscc(1)), "listType": "abnormal-operations", "reason": "未按期公示年度报告",
                "legalBasis": "《企业经营异常名录管理暂行办法》", "authority": "郑州市市场监督管理局", "documentNumber": "郑异〔2026〕1号",
                "decisionDate": "2026-11-01",
            ])
        _ = try await daemon.call("org.qcredit.admin.ConfirmListing", ["listingId": 1])
        _ = try await daemon.waitForCheckpointOfWholeLog()
        let result = try await runCommand(python, [Interop.scripts.appendingPathComponent("log_verify.py").path, daemon.socketPath])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("all checks passed"))
    }

    @Test func opensslVerifiesTheCheckpointSignaturesWithThePEMKeys() async throws {
        guard try Interop.available() else { return }
        let daemon = try await DaemonProcess(config: DaemonProcess.logConfig)
        try await daemon.seed(from: 0, count: 2)
        let note = try #require(try await daemon.waitForCheckpointOfWholeLog()["checkpoint"]?.stringValue)
        let separator = try #require(note.range(of: "\n\n", options: .backwards))
        let text = String(note[..<separator.lowerBound]) + "\n"
        let message = try daemon.write(text, to: "checkpoint-text")
        let signatureLines = note[separator.upperBound...].split(separator: "\n")
        for type in ["ed25519", "sm2"] {
            let (vkey, pem) = try await daemon.verifierKey(type)
            let keyID = vkey.split(separator: "+")[1]
            let line = try #require(
                try signatureLines.first { line in
                    let raw = try base64Bytes(.string(String(line.split(separator: " ").last!)))
                    return raw.prefix(4).map { String(format: "%02x", $0) }.joined() == keyID
                })
            let signature = try base64Bytes(.string(String(line.split(separator: " ").last!))).dropFirst(4)
            let signatureFile = try daemon.write(Array(signature), to: "\(type).sig")
            let publicKey = try daemon.write(pem, to: "\(type).pub.pem")
            var arguments = ["pkeyutl", "-verify", "-rawin", "-pubin", "-inkey", publicKey, "-in", message, "-sigfile", signatureFile]
            if type == "sm2" { arguments += ["-digest", "sm3", "-pkeyopt", "distid:1234567812345678"] }
            let verified = try await runCommand("/usr/bin/openssl", arguments)
            #expect(verified.status == 0 && verified.stdout.contains("Signature Verified Successfully"), "\(type): \(verified.stdout)\(verified.stderr)")
            // The wrong distinguishing ID must fail: the signature really is bound to 1234567812345678.
            if type == "sm2" {
                var wrong = arguments
                wrong[wrong.count - 1] = "distid:31323334"
                #expect(try await runCommand("/usr/bin/openssl", wrong).status != 0)
            }
        }
        // The README's lines, as written (with this log's key IDs): they take the signed text and
        // each signature out of the checkpoint, and openssl verifies both.
        let readme = try ReadmeExampleTests.readme()
        var script = try ReadmeExampleTests.section(
            of: readme, after: "- **OpenSSL.** The command line verifies both lines with the PEM public keys:\n\n```sh\n", before: "```\n")
        for (type, example) in [("ed25519", "9dac4260"), ("sm2", "7b191eca")] {
            let keyID = try await daemon.verifierKey(type).0.split(separator: "+")[1]
            script = script.replacingOccurrences(of: example, with: String(keyID))
        }
        let folder = daemon.directory.appendingPathComponent("readme-openssl").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        let ran = try await runCommand(
            "/bin/bash", ["-e", "-o", "pipefail", "-c", script],
            environment: ["PATH": DaemonProcess.product("") + ":" + path, "QCREDIT_SOCKET": daemon.socketPath], directory: folder)
        #expect(ran.status == 0, "\(ran.stdout)\(ran.stderr)")
        #expect(ran.stdout.components(separatedBy: "Signature Verified Successfully").count == 3, "\(ran.stdout)\(ran.stderr)")
    }
}
