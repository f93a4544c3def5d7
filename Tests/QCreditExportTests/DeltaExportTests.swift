import Foundation
import QCreditExport
import Testing
import TransparencyLog

@Suite("Delta exports")
struct DeltaExportTests {
    @Test("a delta after more entries verifies, with and without the previous export", arguments: [(5, 3), (8, 5), (1, 1), (4, 0)])
    func deltaVerifies(initial: Int, added: Int) throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let keys = try TestKeys()
        let source = try InMemorySource(keys: keys, records: initial)
        _ = try writeExport(source, keys: keys, into: scratch, name: "qcredit-export-1", created: "2026-11-26T02:00:00Z")
        try source.append(records: added)
        let previous = try PreviousExport.read(directory: scratch.path("qcredit-export-1"))
        #expect(previous.treeSize == Int64(initial) && previous.name == "qcredit-export-1")
        #expect(try PreviousExport.latest(in: scratch.path) == previous)
        let summary = try writeExport(
            source, keys: keys, into: scratch, name: "qcredit-export-2", kind: .delta, previous: previous,
            created: "2026-11-27T02:00:00Z")
        #expect(summary.entriesStart == Int64(initial) && summary.entries == Int64(added))

        let directory = scratch.path("qcredit-export-2")
        let manifest = try Files.text(directory + "/MANIFEST")
        #expect(manifest.contains("# kind delta\n"))
        #expect(manifest.contains("# entries \(initial) \(initial + added)\n"))
        #expect(manifest.contains("# previous \(initial) \(Data(previous.rootHash).base64EncodedString())\n"))
        let treeStart = try Files.text(directory + "/tree-start").split(separator: "\n")
        #expect(treeStart.count == initial.nonzeroBitCount)
        let proof = try Files.text(directory + "/consistency-proof").split(separator: "\n")
        #expect(proof.map { Array(Data(base64Encoded: String($0))!) } == (added == 0 ? [] : try source.tree.consistencyProof(from: Int64(initial))))

        let withPrevious = ExportVerifier.verify(
            directory: directory, verifierKeys: keys.verifierKeys, previous: scratch.path("qcredit-export-1"))
        #expect(withPrevious.passed, "\(withPrevious)")
        #expect(withPrevious.checks(.previous).count == 2)
        #expect(withPrevious.checks(.consistency).first?.detail.contains("the previous export's checkpoint") == true)

        let alone = ExportVerifier.verify(directory: directory, verifierKeys: keys.verifierKeys, previous: nil)
        #expect(alone.passed, "\(alone)")
        #expect(alone.checks(.previous).map(\.detail) == [
            "not checked: no previous export given; the consistency proof was checked from the root tree-start folds to"
        ])
        #expect(alone.checks(.consistency).first?.detail.contains("the root tree-start folds to") == true)
    }

    @Test("a full export can carry its previous tree, and be compared with any earlier export")
    func fullExportWithPrevious() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let keys = try TestKeys()
        let source = try InMemorySource(keys: keys, records: 3)
        _ = try writeExport(source, keys: keys, into: scratch, name: "qcredit-export-1")
        try source.append(records: 4)
        _ = try writeExport(source, keys: keys, into: scratch, name: "qcredit-export-2")
        try source.append(records: 2)
        let previous = try PreviousExport.read(directory: scratch.path("qcredit-export-2"))
        _ = try writeExport(source, keys: keys, into: scratch, name: "qcredit-export-3", previous: previous)

        let directory = scratch.path("qcredit-export-3")
        #expect(try Files.text(directory + "/MANIFEST").contains("# kind full\n"))
        #expect(try !Files.read(directory + "/consistency-proof").isEmpty)
        for earlier in [nil, "qcredit-export-2", "qcredit-export-1"] {
            let report = ExportVerifier.verify(
                directory: directory, verifierKeys: keys.verifierKeys, previous: earlier.map(scratch.path))
            // Export 1 is not the named previous tree: the entries prove the log extends it.
            #expect(report.passed, "\(report)")
            if earlier == "qcredit-export-1" {
                #expect(report.checks(.previous).contains { $0.detail.contains("its entries are compared with size 3 instead") }, "\(report)")
                #expect(report.checks(.consistency).contains { $0.detail.contains("the first 3 entries give the root") }, "\(report)")
            }
        }
    }

    /// A delta the log withdrew (it disclosed a listing that was then repaired) is replaced by
    /// the next delta, which extends the export before it. An auditor who kept the withdrawn one
    /// checks the next against it: its tree lies within the new delta's entries, whose roots on
    /// the way prove the log extends it; a kept export of another log still fails.
    @Test("a delta checked against a kept export the log withdrew, within its entries")
    func deltaAgainstAWithdrawnExport() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let keys = try TestKeys()
        let source = try InMemorySource(keys: keys, records: 5)
        _ = try writeExport(source, keys: keys, into: scratch, name: "qcredit-export-1", created: "2026-11-26T02:00:00Z")
        let first = try PreviousExport.read(directory: scratch.path("qcredit-export-1"))
        try source.append(records: 6)
        _ = try writeExport(
            source, keys: keys, into: scratch, name: "qcredit-export-2", kind: .delta, previous: first, created: "2026-11-27T02:00:00Z")
        try source.append(records: 3)
        // Export 2 withdrawn: the next delta extends export 1.
        _ = try writeExport(
            source, keys: keys, into: scratch, name: "qcredit-export-3", kind: .delta, previous: first, created: "2026-11-28T02:00:00Z")
        let report = ExportVerifier.verify(
            directory: scratch.path("qcredit-export-3"), verifierKeys: keys.verifierKeys, previous: scratch.path("qcredit-export-2"))
        #expect(report.passed, "\(report)")
        #expect(report.checks(.consistency).contains { $0.detail.contains("the first 11 entries give the root") }, "\(report)")

        let other = try InMemorySource(keys: keys, records: 11)
        let otherScratch = try ScratchDirectory()
        defer { otherScratch.remove() }
        _ = try writeExport(other, keys: keys, into: otherScratch, name: "qcredit-export-other")
        let forked = ExportVerifier.verify(
            directory: scratch.path("qcredit-export-3"), verifierKeys: keys.verifierKeys, previous: otherScratch.path("qcredit-export-other"))
        #expect(forked.failures.map(\.name).contains(.consistency), "\(forked)")
    }

    @Test("a rewritten log fails the consistency check against the previous export")
    func rewrittenLog() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let keys = try TestKeys()
        // The history auditors saw…
        let original = try InMemorySource(keys: keys, records: 5, history: "original")
        _ = try writeExport(original, keys: keys, into: scratch, name: "qcredit-export-1", created: "2026-11-26T02:00:00Z")
        // …and a different one under the same keys, exported in turn.
        let rewritten = try InMemorySource(keys: keys, records: 5, history: "rewritten")
        _ = try writeExport(rewritten, keys: keys, into: scratch, name: "qcredit-export-r1", created: "2026-11-26T02:00:00Z")
        try rewritten.append(records: 3, history: "rewritten")
        try original.append(records: 3, history: "original")

        // The writer refuses to extend an export the log does not extend.
        let seen = try PreviousExport.read(directory: scratch.path("qcredit-export-1"))
        #expect {
            try writeExport(rewritten, keys: keys, into: scratch, name: "qcredit-export-2", kind: .delta, previous: seen)
        } throws: { error in
            if case ExportError.inconsistentWithPrevious = error { return true }
            return false
        }
        #expect(!FileManager.default.fileExists(atPath: scratch.path("qcredit-export-2")))

        // A delta of the rewritten log, from its own earlier export, is self-consistent…
        let own = try PreviousExport.read(directory: scratch.path("qcredit-export-r1"))
        _ = try writeExport(rewritten, keys: keys, into: scratch, name: "qcredit-export-r2", kind: .delta, previous: own)
        let directory = scratch.path("qcredit-export-r2")
        #expect(ExportVerifier.verify(directory: directory, verifierKeys: keys.verifierKeys, previous: nil).passed)
        // …but not consistent with the export auditors kept.
        let report = ExportVerifier.verify(
            directory: directory, verifierKeys: keys.verifierKeys, previous: scratch.path("qcredit-export-1"))
        #expect(!report.passed)
        let consistency = try #require(report.checks(.consistency).first)
        #expect(!consistency.passed && consistency.file == "consistency-proof")
        #expect(consistency.detail.contains("does not prove"), "\(consistency)")
        #expect(report.checks(.previous).map(\.passed) == [true, false])
        #expect(report.checks(.previous).last?.detail.contains("this MANIFEST's previous root") == true)
        // The rest of the export is fine: only the link to the previous export is broken.
        #expect(Set(report.failures.map(\.name)) == [.previous, .consistency])
    }

    @Test("a previous export that does not verify is reported")
    func brokenPrevious() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let keys = try TestKeys()
        let source = try InMemorySource(keys: keys, records: 2)
        _ = try writeExport(source, keys: keys, into: scratch, name: "qcredit-export-1")
        try source.append(records: 2)
        let previous = try PreviousExport.read(directory: scratch.path("qcredit-export-1"))
        _ = try writeExport(source, keys: keys, into: scratch, name: "qcredit-export-2", kind: .delta, previous: previous)
        try Files.flipByte(in: scratch.path("qcredit-export-1/checkpoint"))
        let report = ExportVerifier.verify(
            directory: scratch.path("qcredit-export-2"), verifierKeys: keys.verifierKeys, previous: scratch.path("qcredit-export-1"))
        #expect(report.failures.map(\.name) == [.previous])
        #expect(report.failures.first?.detail.contains("its checkpoint file is not the one its MANIFEST lists") == true)
        // The delta itself still checks out from its tree-start.
        #expect(report.checks(.consistency).allSatisfy { $0.passed })
    }
}
