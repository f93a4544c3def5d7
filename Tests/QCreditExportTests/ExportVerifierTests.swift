import Foundation
import QCreditCrypto
import QCreditExport
import Testing

@Suite("Verifying exports")
struct ExportVerifierTests {
    /// The check a flipped byte in `name` must fail, naming the file.
    static func expectedCheck(for name: String) -> ExportCheck.Name {
        if name == "MANIFEST" || name.hasSuffix(".sig") { return .signature }
        return .digests
    }

    @Test("a flipped byte in any file is caught, naming the file and the check")
    func flippedByteInEachFile() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let keys = try TestKeys()
        // A delta, so that tree-start and consistency-proof have content too.
        let source = try InMemorySource(keys: keys, records: 5)
        _ = try writeExport(source, keys: keys, into: scratch, name: "qcredit-export-full")
        try source.append(records: 6)
        let previous = try PreviousExport.read(directory: scratch.path("qcredit-export-full"))
        _ = try writeExport(source, keys: keys, into: scratch, name: "qcredit-export-delta", kind: .delta, previous: previous)

        let names = try Files.names(in: scratch.path("qcredit-export-delta"))
        #expect(names.count == 13)
        for (index, name) in names.enumerated() {
            let copy = try scratch.copy("qcredit-export-delta", to: "tampered-\(index)")
            try Files.flipByte(in: copy + "/" + name)
            let report = ExportVerifier.verify(directory: copy, verifierKeys: keys.verifierKeys, previous: nil)
            #expect(!report.passed, "a flipped byte in \(name) went unnoticed")
            let named = report.failures(for: name)
            #expect(
                named.contains { $0.name == Self.expectedCheck(for: name) }, "\(name): \(report.failures.map(\.description))")
            #expect(named.allSatisfy { $0.description.contains(name) })
        }
    }

    @Test("content checks name what is wrong, even when the digests are made to match")
    func contentChecksAfterDigests() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let keys = try TestKeys()
        let source = try InMemorySource(keys: keys, records: 6)
        _ = try writeExport(source, keys: keys, into: scratch)
        let directory = scratch.path("qcredit-export-test")
        // Swap two entries: still canonical JSON, but the root changes.
        var lines = try Files.read(directory + "/entries.jsonl").split(separator: 0x0a).map(Array.init)
        lines.swapAt(1, 2)
        try Files.write(lines.flatMap { $0 + [0x0a] }, to: directory + "/entries.jsonl")
        let report = ExportVerifier.verify(directory: directory, verifierKeys: keys.verifierKeys, previous: nil)
        #expect(!report.passed)
        #expect(report.failures(for: "entries.jsonl").map(\.name) == [.digests, .root])
        #expect(report.checks(.entries).allSatisfy { $0.passed })
    }

    @Test("a state or listing line resting on a record past the export's tree fails, though every digest and signature holds")
    func recordsPastTheTreeAreCaught() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let keys = try TestKeys()
        let source = try InMemorySource(keys: keys, records: 6)
        source.stateLogIndex = 6
        source.listings = [["id": 1, "logIndex": 2, "steps": [["id": 1, "logIndex": 2], ["id": 2, "logIndex": 7]]]]
        _ = try writeExport(source, keys: keys, into: scratch)
        let report = ExportVerifier.verify(directory: scratch.path("qcredit-export-test"), verifierKeys: keys.verifierKeys, previous: nil)
        #expect(!report.passed)
        let state = report.failures(for: "state.jsonl").map(\.detail).joined()
        #expect(state.contains("line 1 rests on log record 6, outside the export's tree of 6 (0..<6)"), "\(state)")
        let listings = report.failures(for: "listings.jsonl").map(\.detail).joined()
        #expect(listings.contains("line 1 names log record 7, outside the export's tree of 6"), "\(listings)")
        #expect(report.checks(.signature).allSatisfy { $0.passed } && report.checks(.digests).allSatisfy { $0.passed })

        // Nor before it (audit: -1 passed), nor anything but an integer.
        source.stateLogIndex = -1
        source.listings = [["id": 1, "logIndex": "2", "steps": []]]
        let again = try ScratchDirectory()
        defer { again.remove() }
        _ = try writeExport(source, keys: keys, into: again)
        let second = ExportVerifier.verify(directory: again.path("qcredit-export-test"), verifierKeys: keys.verifierKeys, previous: nil)
        #expect(report.failures(for: "state.jsonl").isEmpty == false)
        #expect(second.failures(for: "state.jsonl").map(\.detail).joined().contains("line 1 rests on log record -1, outside"))
        #expect(second.failures(for: "listings.jsonl").map(\.detail).joined().contains(#"line 1 names log record "2", outside"#))
    }

    @Test("missing and extra files are caught")
    func missingAndExtraFiles() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let keys = try TestKeys()
        let source = try InMemorySource(keys: keys)
        _ = try writeExport(source, keys: keys, into: scratch)

        let missing = try scratch.copy("qcredit-export-test", to: "missing")
        try FileManager.default.removeItem(atPath: missing + "/state.jsonl")
        var report = ExportVerifier.verify(directory: missing, verifierKeys: keys.verifierKeys, previous: nil)
        #expect(!report.passed)
        #expect(report.failures(for: "state.jsonl").map(\.detail) == ["listed in the MANIFEST but missing"])

        let extra = try scratch.copy("qcredit-export-test", to: "extra")
        try Files.write(Array("hello\n".utf8), to: extra + "/notes.txt")
        try FileManager.default.createSymbolicLink(atPath: extra + "/MANIFEST.other.sig", withDestinationPath: "/etc/hostname")
        report = ExportVerifier.verify(directory: extra, verifierKeys: keys.verifierKeys, previous: nil)
        #expect(!report.passed)
        #expect(report.failures(for: "notes.txt").map(\.detail) == ["not listed in the MANIFEST"])
        #expect(report.failures(for: "MANIFEST.other.sig").map(\.name) == [.files])
        // A file named like a signature but not as the writer names one is unlisted, not ignored.
        for name in ["MANIFEST.foo.sig", "MANIFEST.ed25519-DEADBEEF.sig", "MANIFEST.rsa-01234567.sig", "MANIFEST.ed25519-0123.sig"] {
            let odd = try scratch.copy("qcredit-export-test", to: "odd-\(name)")
            try Files.write(Array("hi\n".utf8), to: odd + "/" + name)
            let oddReport = ExportVerifier.verify(directory: odd, verifierKeys: keys.verifierKeys, previous: nil)
            #expect(oddReport.failures(for: name).map(\.detail) == ["not listed in the MANIFEST"], "\(name)")
        }

        // A signature by a key not given is ignored, and is not an unlisted file.
        let foreign = try scratch.copy("qcredit-export-test", to: "foreign")
        try Files.write([1, 2, 3], to: foreign + "/MANIFEST.ed25519-01234567.sig")
        report = ExportVerifier.verify(directory: foreign, verifierKeys: keys.verifierKeys, previous: nil)
        #expect(report.passed, "\(report)")
        #expect(report.checks(.signature).last?.detail.contains("ignored (keys not given): MANIFEST.ed25519-01234567.sig") == true)

        let noManifest = try scratch.copy("qcredit-export-test", to: "no-manifest")
        try FileManager.default.removeItem(atPath: noManifest + "/MANIFEST")
        report = ExportVerifier.verify(directory: noManifest, verifierKeys: keys.verifierKeys, previous: nil)
        #expect(report.failures(for: "MANIFEST").map(\.name) == [.manifest])
        // What can still run without the MANIFEST does.
        #expect(report.checks(.checkpointSignature).first?.passed == true)
    }

    @Test("a wrong key fails the signature checks; one right key is enough")
    func keys() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let keys = try TestKeys()
        let others = try TestKeys()
        let source = try InMemorySource(keys: keys)
        _ = try writeExport(source, keys: keys, into: scratch)
        let directory = scratch.path("qcredit-export-test")

        var report = ExportVerifier.verify(directory: directory, verifierKeys: others.verifierKeys, previous: nil)
        #expect(!report.passed)
        #expect(report.failures(for: "MANIFEST").map(\.name) == [.signature])
        #expect(report.failures(for: "checkpoint").map(\.name) == [.checkpointSignature])
        // Everything that does not depend on the key still passes.
        #expect(report.checks(.digests).allSatisfy { $0.passed } && report.checks(.root).allSatisfy { $0.passed })

        for key in keys.verifierKeys {
            report = ExportVerifier.verify(directory: directory, verifierKeys: [key], previous: nil)
            #expect(report.passed, "\(report)")
        }

        // A given key whose signature file holds another key's signature fails, even if another verifies.
        let swapped = try scratch.copy("qcredit-export-test", to: "swapped")
        let edName = "MANIFEST.ed25519-\(String(format: "%08x", keys.ed25519.keyID)).sig"
        try Files.write([UInt8](repeating: 7, count: 64), to: swapped + "/" + edName)
        report = ExportVerifier.verify(directory: swapped, verifierKeys: keys.verifierKeys, previous: nil)
        #expect(report.failures(for: edName).map(\.name) == [.signature])
        #expect(report.failures(for: "MANIFEST").first?.detail.contains("does not verify") == true)

        // A given key the export does not list (a key rotated out) need not have signed: it is
        // mentioned. One the export lists must have (audit: with both keys given, a removed
        // signature passed as "no signature by").
        let other = try TestKeys().ed25519
        report = ExportVerifier.verify(directory: directory, verifierKeys: keys.verifierKeys + [other.verifierKey], previous: nil)
        #expect(report.passed, "\(report)")
        #expect(report.checks(.signature).last?.detail.hasSuffix("; no signature by \(other.signer.name)+\(String(format: "%08x", other.keyID))") == true)
        let unsigned = try scratch.copy("qcredit-export-test", to: "unsigned")
        let smName = "MANIFEST.sm2-\(String(format: "%08x", keys.sm2.keyID)).sig"
        try FileManager.default.removeItem(atPath: unsigned + "/" + smName)
        report = ExportVerifier.verify(directory: unsigned, verifierKeys: keys.verifierKeys, previous: nil)
        #expect(!report.passed)
        #expect(report.failures(for: "verifier-keys").first?.detail.contains("\(smName) is missing: the export lists") == true, "\(report)")

        report = ExportVerifier.verify(directory: directory, verifierKeys: ["not a key"], previous: nil)
        #expect(report.failures.map(\.name).contains(.keys))
    }

    @Test("a signature by a key the export lists but the auditor did not give must still verify with the export's copy of it")
    func signaturesByKeysNotGiven() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let keys = try TestKeys()
        _ = try writeExport(try InMemorySource(keys: keys), keys: keys, into: scratch)
        let edOnly = [keys.ed25519.verifierKey]
        let smName = "MANIFEST.sm2-\(String(format: "%08x", keys.sm2.keyID)).sig"
        let smLabel = "\(keys.sm2.signer.name)+\(String(format: "%08x", keys.sm2.keyID))"

        var report = ExportVerifier.verify(directory: scratch.path("qcredit-export-test"), verifierKeys: edOnly, previous: nil)
        #expect(report.passed, "\(report)")

        // The stock-tool recipe, holding both keys, fails this export: so does `verify` with one.
        let alteredManifestSignature = try scratch.copy("qcredit-export-test", to: "altered-sm2-sig")
        try Files.flipByte(in: alteredManifestSignature + "/" + smName)
        report = ExportVerifier.verify(directory: alteredManifestSignature, verifierKeys: edOnly, previous: nil)
        #expect(!report.passed)
        #expect(report.failures.map(\.name) == [.verifierKeys])
        #expect(
            report.failures(for: "verifier-keys").first?.detail
                .contains("\(smName) does not verify over MANIFEST with the export's own sm2 key \(smLabel)") == true)

        // The checkpoint's SM2 line altered (its digest in the MANIFEST fails too).
        let alteredNote = try scratch.copy("qcredit-export-test", to: "altered-sm2-line")
        var lines = try Files.text(alteredNote + "/checkpoint").split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        // A note signature line is "— <name> base64(<4-byte key id> ‖ signature)".
        let smKeyID = withUnsafeBytes(of: keys.sm2.keyID.bigEndian, Array.init)
        let smLine = try #require(
            lines.firstIndex { $0.hasPrefix("— ") && Base64.decode($0.split(separator: " ").last!)?.prefix(4).elementsEqual(smKeyID) == true })
        var signature = try #require(Base64.decode(lines[smLine].split(separator: " ").last!))
        signature[signature.count - 3] ^= 0x01
        lines[smLine] = "— \(keys.sm2.signer.name) \(Base64.encode(signature))"
        try Files.write(Array(lines.joined(separator: "\n").utf8), to: alteredNote + "/checkpoint")
        report = ExportVerifier.verify(directory: alteredNote, verifierKeys: edOnly, previous: nil)
        #expect(report.checks(.checkpointSignature).allSatisfy { $0.passed })
        #expect(
            report.failures(for: "verifier-keys").first?.detail
                .contains("the checkpoint's signature by \(smLabel) does not verify with the export's own key") == true)

        // A signature removed is as wrong as one altered: the daemon signs with every key it lists,
        // and with only the SM2 key given the export would have no trusted signature (accepted before).
        let removedSignature = try scratch.copy("qcredit-export-test", to: "removed-sm2-sig")
        try FileManager.default.removeItem(atPath: removedSignature + "/" + smName)
        report = ExportVerifier.verify(directory: removedSignature, verifierKeys: edOnly, previous: nil)
        #expect(
            report.failures(for: "verifier-keys").first?.detail
                .contains("\(smName) is missing: the export lists \(smLabel) and is signed by every key it lists") == true, "\(report)")
        let removedLine = try scratch.copy("qcredit-export-test", to: "removed-sm2-line")
        var kept = try Files.text(removedLine + "/checkpoint").split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        kept.remove(at: smLine)
        try Files.write(Array(kept.joined(separator: "\n").utf8), to: removedLine + "/checkpoint")
        report = ExportVerifier.verify(directory: removedLine, verifierKeys: edOnly, previous: nil)
        #expect(
            report.failures(for: "verifier-keys").first?.detail
                .contains("the checkpoint has no signature by \(smLabel), which the export lists") == true, "\(report)")
    }

    @Test("a MANIFEST that does not parse, or does not add up, is reported")
    func brokenManifest() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let keys = try TestKeys()
        let source = try InMemorySource(keys: keys)
        _ = try writeExport(source, keys: keys, into: scratch)
        let manifest = try Files.text(scratch.path("qcredit-export-test/MANIFEST"))

        for (label, edit) in [
            ("upper-case hex", { (text: String) in text.replacingOccurrences(of: "# SM3 (checkpoint) = ", with: "# SM3 (checkpoint) = A") }),
            ("path", { $0.replacingOccurrences(of: "  checkpoint\n", with: "  ../checkpoint\n") }),
            ("CRLF", { $0.replacingOccurrences(of: "\n", with: "\r\n") }),
            ("kind", { $0.replacingOccurrences(of: "# kind full", with: "# kind delta") }),
        ] {
            let copy = try scratch.copy("qcredit-export-test", to: label)
            try Files.write(Array(edit(manifest).utf8), to: copy + "/MANIFEST")
            let report = ExportVerifier.verify(directory: copy, verifierKeys: keys.verifierKeys, previous: nil)
            #expect(!report.passed)
            #expect(report.failures(for: "MANIFEST").map(\.name).contains(.manifest), "\(label): \(report)")
            #expect(report.failures(for: "MANIFEST").map(\.name).contains(.signature), "\(label)")
        }
        #expect(ExportVerifier.verify(directory: scratch.path("nothing"), verifierKeys: keys.verifierKeys, previous: nil).passed == false)
    }

    @Test("non-canonical, out-of-order and miscounted lines are reported")
    func recordProblems() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let keys = try TestKeys()
        let source = try InMemorySource(keys: keys, enterprises: 4, orgCodeOnly: 1, listings: 2)
        _ = try writeExport(source, keys: keys, into: scratch)
        let directory = scratch.path("qcredit-export-test")
        var state = try Files.text(directory + "/state.jsonl").split(separator: "\n").map(String.init)
        state.swapAt(0, 1)
        state[2] = state[2].replacingOccurrences(of: "92.5", with: "92.50")
        try Files.write(Array((state.joined(separator: "\n") + "\n").utf8), to: directory + "/state.jsonl")
        try Files.write(Array("{\"id\":1}\n[1]\n".utf8), to: directory + "/listings.jsonl")
        let report = ExportVerifier.verify(directory: directory, verifierKeys: keys.verifierKeys, previous: nil)
        let stateFailure = try #require(report.failures(for: "state.jsonl").first { $0.name == .state })
        #expect(stateFailure.detail.contains("line 2 (uscc 913501000000000000) is out of order after line 1 (uscc 913501000000000001)"))
        #expect(stateFailure.detail.contains("line 3 is not in RFC 8785 canonical form"))
        let listingFailure = try #require(report.failures(for: "listings.jsonl").first { $0.name == .listings })
        #expect(listingFailure.detail == "line 2 is not a JSON object")
        #expect(report.checks(.entries).allSatisfy { $0.passed })
    }
}
