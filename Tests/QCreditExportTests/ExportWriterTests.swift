import CanonicalJSON
import Foundation
import QCreditExport
import SignedNote
import Testing
import TransparencyLog

@Suite("Writing exports")
struct ExportWriterTests {
    @Test("a full export has the documented files, modes and MANIFEST, and verifies")
    func fullExportVerifies() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let keys = try TestKeys()
        let source = try InMemorySource(keys: keys, records: 5, enterprises: 7, orgCodeOnly: 2, listings: 3)
        let summary = try writeExport(source, keys: keys, into: scratch)

        let directory = scratch.path("qcredit-export-test")
        #expect(summary.directory == directory)
        #expect(summary.kind == .full && summary.treeSize == 5 && summary.entriesStart == 0 && summary.entries == 5)
        #expect(summary.enterprises == 9 && summary.listings == 3)
        let edKey = String(format: "%08x", keys.ed25519.keyID)
        let smKey = String(format: "%08x", keys.sm2.keyID)
        let expected = [
            "MANIFEST", "MANIFEST.ed25519-\(edKey).sig", "MANIFEST.sm2-\(smKey).sig", "checkpoint", "consistency-proof",
            "ed25519-\(edKey).pub.pem", "entries.jsonl", "listings.jsonl", "openings.jsonl", "sm2-\(smKey).pub.pem", "state.jsonl",
            "tree-start", "verifier-keys",
        ].sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        #expect(try Files.names(in: directory) == expected)
        #expect(summary.files == expected.count)
        #expect(try Files.mode(directory) == 0o755)
        for name in expected { #expect(try Files.mode(directory + "/" + name) == 0o644, "\(name)") }
        #expect(!FileManager.default.fileExists(atPath: scratch.path(".qcredit-export-test.partial")))

        let manifest = try Files.text(directory + "/MANIFEST")
        let lines = manifest.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.prefix(12).joined(separator: "\n") == """
            # qcredit export manifest, format 2
            # origin qcredit.example.gov.cn/registry
            # created 2026-11-27T02:00:00Z
            # kind full
            # as-of 2026-11-27
            # tree-size 5
            # root \(Data(source.tree.root).base64EncodedString())
            # entries 0 5
            # previous none
            # enterprises 9
            # listings 3
            # openings 5
            """)
        let listed = expected.filter { !$0.hasPrefix("MANIFEST") }
        #expect(lines.count == 12 + 3 * listed.count + 1 && lines.last == "")
        #expect(lines[12..<(12 + listed.count)].map { String($0.split(separator: " ")[2]) } == listed)
        #expect(summary.bytes == (try expected.reduce(Int64(0)) { $0 + Int64(try Files.read(directory + "/" + $1).count) }))

        #expect(try Files.read(directory + "/checkpoint") == Array(source.checkpoint.note.utf8))
        #expect(try Files.read(directory + "/tree-start").isEmpty)
        #expect(try Files.read(directory + "/consistency-proof").isEmpty)
        #expect(try Files.read(directory + "/entries.jsonl") == source.leaves.flatMap { $0 + [0x0a] })
        #expect(try Files.text(directory + "/verifier-keys") == "ed25519 \(keys.ed25519.verifierKey)\nsm2 \(keys.sm2.verifierKey)\n")
        let state = try Files.text(directory + "/state.jsonl").split(separator: "\n")
        #expect(state.count == 9)
        #expect(state[0].hasPrefix(#"{"grade":"A","name":"示例企业 0","orgCode":"M00000000","score":92.5,"uscc":"913501000000000000"}"#))
        #expect(state[8] == #"{"grade":"B","name":"旧代码企业 8","orgCode":"000000008","score":80,"uscc":null}"#)

        let report = ExportVerifier.verify(directory: directory, verifierKeys: keys.verifierKeys, previous: nil)
        #expect(report.passed, "\(report)")
        #expect(report.checks(.previous).first?.detail.hasPrefix("not checked") == true)
        #expect(report.checks(.digests).count == listed.count)
    }

    @Test("two exports of the same data differ only in the created line and the signatures")
    func exportsAreDeterministic() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let keys = try TestKeys()
        let source = try InMemorySource(keys: keys, records: 9, enterprises: 20, orgCodeOnly: 3, listings: 4)
        _ = try writeExport(source, keys: keys, into: scratch, name: "qcredit-export-a", created: "2026-11-27T02:00:00Z")
        _ = try writeExport(source, keys: keys, into: scratch, name: "qcredit-export-b", created: "2026-11-28T03:04:05Z")

        let a = scratch.path("qcredit-export-a")
        let b = scratch.path("qcredit-export-b")
        #expect(try Files.names(in: a) == Files.names(in: b))
        for name in try Files.names(in: a) where !name.hasSuffix(".sig") {
            let first = try Files.read(a + "/" + name)
            let second = try Files.read(b + "/" + name)
            if name == "MANIFEST" {
                let differing = zip(first.split(separator: 0x0a), second.split(separator: 0x0a)).filter { $0 != $1 }
                #expect(differing.count == 1)
                #expect(differing.first.map { String(decoding: $0.1, as: UTF8.self) } == "# created 2026-11-28T03:04:05Z")
            } else {
                #expect(first == second, "\(name) differs")
            }
        }
        // Ed25519 is deterministic; SM2 signatures differ, yet both verify.
        let edSignature = "MANIFEST.ed25519-\(String(format: "%08x", keys.ed25519.keyID)).sig"
        #expect(try Files.read(a + "/" + edSignature) != Files.read(b + "/" + edSignature))
        for directory in [a, b] {
            #expect(ExportVerifier.verify(directory: directory, verifierKeys: keys.verifierKeys, previous: nil).passed)
        }
    }

    @Test("an existing export is never overwritten")
    func refusesToOverwrite() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let keys = try TestKeys()
        let source = try InMemorySource(keys: keys)
        _ = try writeExport(source, keys: keys, into: scratch)
        let before = try Files.read(scratch.path("qcredit-export-test/MANIFEST"))
        try source.append(records: 2)
        #expect {
            try writeExport(source, keys: keys, into: scratch, created: "2026-11-28T02:00:00Z")
        } throws: { error in
            guard case ExportError.exportExists(let path) = error else { return false }
            return path == scratch.path("qcredit-export-test")
        }
        #expect(try Files.read(scratch.path("qcredit-export-test/MANIFEST")) == before)
        #expect(try Files.exportsDirectoryContents(scratch.path) == ["qcredit-export-test", "restricted/qcredit-export-test"])
    }

    /// Its owner could open it again, or rename and remove the auditors' parts: a `restricted/`
    /// of another user's is refused (its mode and group were set, its owner left as it was).
    @Test("a restricted directory of another user is refused")
    func restrictedDirectoryOfAnotherUser() throws {
        guard geteuid() == 0 else { try Test.cancel("skipped: giving a directory to another user needs root") }
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let keys = try TestKeys()
        #expect(mkdir(scratch.path("restricted"), 0o2777) == 0 && chown(scratch.path("restricted"), 65534, 65534) == 0)
        #expect {
            try writeExport(try InMemorySource(keys: keys), keys: keys, into: scratch)
        } throws: { error in
            "\(error)".contains("it belongs to uid 65534, who could open it again or remove the auditors' parts")
        }
        #expect(try Files.exportsDirectoryContents(scratch.path).isEmpty)
    }

    @Test("a failure leaves nothing behind")
    func cleansUpOnFailure() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let keys = try TestKeys()

        let failing = try InMemorySource(keys: keys, listings: 3)
        failing.failListingsAfter = 1
        #expect {
            try writeExport(failing, keys: keys, into: scratch)
        } throws: { error in
            guard case ExportError.source(let what, let underlying) = error else { return false }
            return what == "listings" && underlying is InMemorySource.Failure
        }
        #expect(try Files.exportsDirectoryContents(scratch.path).isEmpty)

        let corrupted = try InMemorySource(keys: keys, records: 4)
        corrupted.corruptLeaf(2, with: Array(#"{"b":1,"a":2}"#.utf8))
        #expect {
            try writeExport(corrupted, keys: keys, into: scratch)
        } throws: { error in
            guard case ExportError.invalidRecord(let file, let line, let reason) = error else { return false }
            return file == "entries.jsonl" && line == 3 && reason == "entry 2 is not a leaf of format 2"
        }
        #expect(try Files.exportsDirectoryContents(scratch.path).isEmpty)

        // A leaf changed behind the tree's back: a leaf, but not the tree's.
        let altered = try InMemorySource(keys: keys, records: 4)
        altered.corruptLeaf(1, with: RecordOpening(salt: [UInt8](repeating: 0, count: 32), record: Array(#"{"a":1}"#.utf8)).leaf.bytes)
        #expect(throws: ExportError.self) { try writeExport(altered, keys: keys, into: scratch) }
        #expect(try Files.exportsDirectoryContents(scratch.path).isEmpty)

        // An opening that does not open its leaf, and a record that is not canonical JSON.
        let wrongOpening = try InMemorySource(keys: keys, records: 4)
        wrongOpening.replaceOpening(1, with: RecordOpening(salt: [UInt8](repeating: 0, count: 32), record: Array(#"{"a":1}"#.utf8)))
        #expect {
            try writeExport(wrongOpening, keys: keys, into: scratch)
        } throws: { error in
            guard case ExportError.inconsistentLog(let reason) = error else { return false }
            return reason == "the opening of entry 1 does not open its leaf"
        }
        let notCanonical = try InMemorySource(keys: keys, records: 4)
        let opening = RecordOpening(salt: [UInt8](repeating: 7, count: 32), record: Array(#"{"b":1,"a":2}"#.utf8))
        notCanonical.corruptLeaf(3, with: opening.leaf.bytes)
        notCanonical.replaceOpening(3, with: opening)
        #expect(throws: ExportError.self) { try writeExport(notCanonical, keys: keys, into: scratch) }
        #expect(try Files.exportsDirectoryContents(scratch.path).isEmpty)
    }

    /// A source whose state is exactly `lines`, the rest an in-memory log's.
    final class StateLinesSource: ExportSource {
        let inner: InMemorySource
        let lines: [ExportStateLine]
        init(_ inner: InMemorySource, lines: [ExportStateLine]) {
            self.inner = inner
            self.lines = lines
        }
        var origin: String { inner.origin }
        var asOf: String { inner.asOf }
        var checkpoint: (size: Int64, rootHash: [UInt8], note: String) { inner.checkpoint }
        func forEachEnterprise(_ body: (JSONValue) throws -> Void) throws {
            Issue.record("the writer asks for lines")
        }
        func forEachEnterpriseLine(_ body: (ExportStateLine) throws -> Void) throws {
            for line in lines { try body(line) }
        }
        func forEachListing(in part: ExportPart, _ body: (JSONValue) throws -> Void) throws {
            try inner.forEachListing(in: part, body)
        }
        func forEachEntry(from start: Int64, to end: Int64, _ body: (ExportEntry) throws -> Void) throws {
            try inner.forEachEntry(from: start, to: end, body)
        }
        func consistencyProof(from oldSize: Int64, to newSize: Int64) throws -> [[UInt8]] {
            try inner.consistencyProof(from: oldSize, to: newSize)
        }
        func compactRange(size: Int64) throws -> [[UInt8]] { try inner.compactRange(size: size) }
    }

    @Test("the state must come in order, as canonical objects with a code, as values or as bytes")
    func refusesBadState() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let keys = try TestKeys()
        let inner = try InMemorySource(keys: keys)
        func bytes(_ index: Int) throws -> ExportStateLine {
            let value = inner.enterprise(index)
            return .canonical(try value.canonicalBytes(), uscc: value["uscc"]?.stringValue, orgCode: value["orgCode"]?.stringValue)
        }
        let refused: [(lines: [ExportStateLine], line: Int64, reason: String)] = [
            ([.value(inner.enterprise(1)), .value(inner.enterprise(0))], 2, "out of order"),
            ([try bytes(1), try bytes(0)], 2, "out of order"),
            ([try bytes(0), .canonical(Array(#"{"uscc":"X","a":1}"#.utf8), uscc: "X", orgCode: nil)], 2, "not a canonical JSON object"),
            ([.canonical(Array(#"["uscc"]"#.utf8), uscc: "X", orgCode: nil)], 1, "not a canonical JSON object"),
            ([.canonical(Array(#"{"name":"x"}"#.utf8), uscc: nil, orgCode: nil)], 1, #"not an object with a "uscc" or "orgCode" string"#),
        ]
        // Each case in a directory of its own: a process another test spawns in parallel holds a
        // copy of the descriptor whose lock the case before took, until it execs.
        for (number, (lines, expectedLine, expectedReason)) in refused.enumerated() {
            let directory = scratch.path("case-\(number)")
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
            #expect {
                try ExportWriter.write(
                    source: StateLinesSource(inner, lines: lines), keys: keys.all, into: directory, name: "qcredit-export-x",
                    kind: .full, previous: nil, created: "2026-11-27T02:00:00Z")
            } throws: { error in
                guard case ExportError.invalidRecord(let file, let line, let reason) = error else { return false }
                return file == "state.jsonl" && line == expectedLine && reason.contains(expectedReason)
            }
            #expect(try Files.exportsDirectoryContents(directory).isEmpty)
        }
        // Lines given as bytes are written as given.
        let summary = try ExportWriter.write(
            source: StateLinesSource(inner, lines: [try bytes(0), .value(inner.enterprise(1))]), keys: keys.all,
            into: scratch.path, name: "qcredit-export-y", kind: .full, previous: nil, created: "2026-11-27T02:00:00Z")
        let state = try [UInt8](Data(contentsOf: URL(fileURLWithPath: summary.directory + "/state.jsonl")))
        #expect(state == (try inner.enterprise(0).canonicalBytes()) + [10] + (try inner.enterprise(1).canonicalBytes()) + [10])
    }

    @Test("the checkpoint must open with the export's keys")
    func refusesForeignCheckpoint() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let keys = try TestKeys()
        let others = try TestKeys()
        let source = try InMemorySource(keys: others)
        #expect {
            try writeExport(source, keys: keys, into: scratch)
        } throws: { error in
            guard case ExportError.checkpoint(let reason) = error else { return false }
            return reason.contains("does not open")
        }
        #expect(try Files.exportsDirectoryContents(scratch.path).isEmpty)
    }

    @Test("arguments are checked before anything is written")
    func refusesBadArguments() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let keys = try TestKeys()
        let source = try InMemorySource(keys: keys)
        for name in ["export-1", "qcredit-export-", "qcredit-export-a/b", "../qcredit-export-x", "qcredit-export-ä"] {
            #expect(throws: ExportError.self, "\(name)") { try writeExport(source, keys: keys, into: scratch, name: name) }
        }
        for created in ["2026-11-27 02:00:00Z", "2026-02-30T02:00:00Z", "2026-11-27T02:00:00+08:00"] {
            #expect(throws: ExportError.self, "\(created)") { try writeExport(source, keys: keys, into: scratch, created: created) }
        }
        #expect(throws: ExportError.self) {
            try ExportWriter.write(
                source: source, keys: [], into: scratch.path, name: "qcredit-export-x", kind: .full, previous: nil,
                created: "2026-11-27T02:00:00Z")
        }
        #expect(throws: ExportError.self) { try writeExport(source, keys: keys, into: scratch, kind: .delta) }
        #expect(try Files.exportsDirectoryContents(scratch.path).isEmpty)
    }

    @Test("a second writer in the same directory is refused while the first runs")
    func refusesConcurrentWriter() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let keys = try TestKeys()
        let source = try InMemorySource(keys: keys)
        // O_CLOEXEC: a process another test spawns meanwhile would otherwise keep the lock.
        let descriptor = open(scratch.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        #expect(flock(descriptor, LOCK_EX) == 0)
        #expect {
            try writeExport(source, keys: keys, into: scratch)
        } throws: { error in
            if case ExportError.busy = error { return true }
            return false
        }
        close(descriptor)
        // Once released, the next writer goes ahead. A process another test spawns at the moment
        // the lock is held shares its open file (close-on-exec closes it only at the child's
        // exec, which Foundation's Process reaches after a while), so the release may take that
        // long to be seen: a busy answer is tried again for a few seconds.
        let deadline = ContinuousClock.now + .seconds(60)
        while true {
            do {
                _ = try writeExport(source, keys: keys, into: scratch)
                break
            } catch ExportError.busy where ContinuousClock.now < deadline {
                try? await Task.sleep(for: .milliseconds(50))
            }
        }
    }

    @Test("a partial directory left by a crash is replaced")
    func replacesAbandonedPartial() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let keys = try TestKeys()
        let source = try InMemorySource(keys: keys)
        try FileManager.default.createDirectory(atPath: scratch.path(".qcredit-export-test.partial"), withIntermediateDirectories: false)
        try Files.write(Array("half".utf8), to: scratch.path(".qcredit-export-test.partial/state.jsonl"))
        _ = try writeExport(source, keys: keys, into: scratch)
        #expect(try Files.exportsDirectoryContents(scratch.path) == ["qcredit-export-test", "restricted/qcredit-export-test"])
        #expect(ExportVerifier.verify(directory: scratch.path("qcredit-export-test"), verifierKeys: keys.verifierKeys, previous: nil).passed)
    }

    @Test("export names and timestamps")
    func namesAndTimestamps() {
        #expect(ExportFormat.timestamp(secondsSince1970: 1_795_744_800) == "2026-11-27T02:00:00Z")
        #expect(ExportFormat.timestamp(secondsSince1970: 0) == "1970-01-01T00:00:00Z")
        #expect(ExportFormat.isValidTimestamp(ExportFormat.currentTimestamp()))
        #expect(ExportFormat.exportName(created: "2026-11-27T02:00:00Z", kind: .delta) == "qcredit-export-20261127T020000Z-delta")
        #expect(ExportFormat.isValidExportName("qcredit-export-20261127T020000Z-delta"))
        #expect(ExportFormat.isValidDate("2028-02-29") && !ExportFormat.isValidDate("2027-02-29"))
    }
}

@Suite("Export signing keys")
struct ExportSigningKeyTests {
    @Test("a key's parts must belong together, and the writer checks them first")
    func partsMustMatch() throws {
        let keys = try TestKeys()
        let others = try TestKeys()
        let ed = keys.ed25519
        func key(_ type: String, _ verifierKey: String, _ pem: String, _ signer: any NoteSigner) -> ExportSigningKey {
            ExportSigningKey(type: type, verifierKey: verifierKey, publicKeyPEM: pem, signer: signer)
        }
        #expect(ed.type == "ed25519" && keys.sm2.type == "sm2")
        #expect(keys.sm2.publicKeyPEM.hasPrefix("-----BEGIN PUBLIC KEY-----\n"))
        try key("ed25519", ed.verifierKey, ed.publicKeyPEM, ed.signer).validate()
        try keys.sm2.validate()
        let wrong = [
            key("sm2", ed.verifierKey, ed.publicKeyPEM, ed.signer),
            key("rsa", ed.verifierKey, ed.publicKeyPEM, ed.signer),
            key("ed25519", ed.verifierKey, others.ed25519.publicKeyPEM, ed.signer),
            key("ed25519", ed.verifierKey, keys.sm2.publicKeyPEM, ed.signer),
            key("ed25519", ed.verifierKey, ed.publicKeyPEM, others.ed25519.signer),
            key("ed25519", "qcredit+00000000+AAAA", ed.publicKeyPEM, ed.signer),
        ]
        for bad in wrong {
            #expect(throws: ExportError.self) { try bad.validate() }
        }

        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let source = try InMemorySource(keys: keys)
        #expect {
            try ExportWriter.write(
                source: source, keys: [keys.sm2, wrong[2]], into: scratch.path, name: "qcredit-export-x", kind: .full,
                previous: nil, created: "2026-11-27T02:00:00Z")
        } throws: { error in
            guard case ExportError.invalidKey(let reason) = error else { return false }
            return reason.contains("the PEM public key is not the key of")
        }
        #expect(try Files.exportsDirectoryContents(scratch.path).isEmpty)
    }
}
