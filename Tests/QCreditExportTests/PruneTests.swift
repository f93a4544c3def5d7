import Foundation
import QCreditExport
import Testing

@Suite("Pruning exports")
struct PruneTests {
    @Test("prune keeps the newest N exports and touches nothing else")
    func keepsNewest() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let keys = try TestKeys()
        let source = try InMemorySource(keys: keys, records: 2)
        var names: [String] = []
        for day in 21...25 {
            let created = "2026-11-\(day)T02:00:00Z"
            let previous = try PreviousExport.latest(in: scratch.path)
            let kind: ExportKind = previous == nil ? .full : .delta
            let name = ExportFormat.exportName(created: created, kind: kind)
            _ = try writeExport(source, keys: keys, into: scratch, name: name, kind: kind, previous: previous, created: created)
            names.append(name)
            try source.append(records: 1)
        }
        #expect(try PreviousExport.latest(in: scratch.path)?.name == names.last)
        // Not ours: another directory, an export-like name without a MANIFEST, a file.
        try FileManager.default.createDirectory(atPath: scratch.path("keep-me"), withIntermediateDirectories: false)
        try FileManager.default.createDirectory(atPath: scratch.path("qcredit-export-0-manual"), withIntermediateDirectories: false)
        try Files.write([1], to: scratch.path("qcredit-export-notes"))
        // Left by a crashed writer.
        try FileManager.default.createDirectory(atPath: scratch.path(".qcredit-export-x.partial"), withIntermediateDirectories: false)
        try Files.write([1], to: scratch.path(".qcredit-export-x.partial/state.jsonl"))

        let removed = try ExportWriter.prune(exportsDirectory: scratch.path, retain: 2)
        #expect(removed == [".qcredit-export-x.partial"] + names.prefix(3))
        let remaining = try Files.exportsDirectoryContents(scratch.path)
        // Each restricted part goes with its export.
        #expect(
            Set(remaining)
                == Set(["keep-me", "qcredit-export-0-manual", "qcredit-export-notes"] + names.suffix(2) + names.suffix(2).map { "restricted/" + $0 }))
        #expect(try ExportWriter.prune(exportsDirectory: scratch.path, retain: 2).isEmpty)
        #expect(try ExportWriter.prune(exportsDirectory: scratch.path, retain: 5).isEmpty)
        #expect(throws: ExportError.self) { try ExportWriter.prune(exportsDirectory: scratch.path, retain: 0) }

        // The newest is the base of the next delta, and the chain still verifies.
        let report = ExportVerifier.verify(
            directory: scratch.path(names[4]), verifierKeys: keys.verifierKeys, previous: scratch.path(names[3]))
        #expect(report.passed, "\(report)")
    }

    @Test("a clock stepped back cannot make prune delete the newest export")
    func clockStepBack() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let keys = try TestKeys()
        let source = try InMemorySource(keys: keys, records: 2)
        var names: [String] = []
        // The third export's clock was set back a year: it claims to be the oldest.
        for created in ["2026-11-21T02:00:00Z", "2026-11-22T02:00:00Z", "2025-11-23T02:00:00Z"] {
            let previous = try PreviousExport.latest(in: scratch.path)
            let kind: ExportKind = previous == nil ? .full : .delta
            let name = ExportFormat.exportName(created: created, kind: kind)
            _ = try writeExport(source, keys: keys, into: scratch, name: name, kind: kind, previous: previous, created: created)
            names.append(name)
            try source.append(records: 1)
        }
        #expect(try PreviousExport.latest(in: scratch.path)?.name == names[2])
        #expect(try ExportWriter.prune(exportsDirectory: scratch.path, retain: 1) == Array(names.prefix(2)))
        #expect(try Files.exportsDirectoryContents(scratch.path) == [names[2], "restricted/" + names[2]])
    }

    /// Found by the crash harness: a full export then deltas in one second; "-delta" sorts before
    /// "-full", so every later delta was taken from the full one and consecutive exports did not
    /// chain. Then: a full export and a delta of the same tree in one second, taken in name order.
    @Test("exports made within one second are ordered by their trees, not their names")
    func sameSecondExportsChain() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let keys = try TestKeys()
        let source = try InMemorySource(keys: keys, records: 2)
        var names: [String] = []
        // Each written in the same second; whether records are appended after it.
        let exports: [(suffix: String, kind: ExportKind, append: Bool)] = [
            ("full", .full, true), ("delta", .delta, true), ("delta-2", .delta, true), ("full-2", .full, false), ("delta-10", .delta, true),
        ]
        for export in exports {
            let name = ExportFormat.namePrefix + "20261127T020000Z-" + export.suffix
            let previous = try PreviousExport.latest(in: scratch.path)
            #expect(previous?.name == names.last)
            _ = try writeExport(
                source, keys: keys, into: scratch, name: name, kind: export.kind, previous: previous, created: "2026-11-27T02:00:00Z")
            if let last = names.last {
                let report = ExportVerifier.verify(directory: scratch.path(name), verifierKeys: keys.verifierKeys, previous: scratch.path(last))
                #expect(report.passed, "\(report)")
            }
            names.append(name)
            if export.append { try source.append(records: 1) }
        }
        #expect(try PreviousExport.all(in: scratch.path).map(\.name) == names)
        #expect(try ExportWriter.prune(exportsDirectory: scratch.path, retain: 1) == names.dropLast())
    }

    /// The daemon removes leftovers at start and at every maintenance tick, not only when it next
    /// exports (a day, with the nightly timer): a part whose export a killed prune removed went
    /// on holding what it holds with no export to verify it against.
    @Test("a restricted part left without its export is removed with the leftovers, before any prune",
          arguments: [false, true])
    func orphanParts(throughLeftovers: Bool) throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let keys = try TestKeys()
        let source = try InMemorySource(keys: keys, records: 2)
        _ = try writeExport(source, keys: keys, into: scratch, name: "qcredit-export-1")
        // A kill between the renames (the part goes first), and kills while writing or pruning a part.
        try FileManager.default.copyItem(atPath: scratch.path("restricted/qcredit-export-1"), toPath: scratch.path("restricted/qcredit-export-2"))
        for name in [".qcredit-export-3.partial", ".qcredit-export-4.deleting", "not-a-part"] {
            try FileManager.default.createDirectory(atPath: scratch.path("restricted/" + name), withIntermediateDirectories: false)
        }
        let removed =
            throughLeftovers
            ? try ExportWriter.removeLeftovers(exportsDirectory: scratch.path)
            : try ExportWriter.prune(exportsDirectory: scratch.path, retain: 5)
        #expect(removed == ["restricted/.qcredit-export-3.partial", "restricted/.qcredit-export-4.deleting", "restricted/qcredit-export-2"])
        #expect(try Files.exportsDirectoryContents(scratch.path) == ["qcredit-export-1", "restricted/not-a-part", "restricted/qcredit-export-1"])
        let report = ExportVerifier.verify(
            directory: scratch.path("qcredit-export-1"), verifierKeys: keys.verifierKeys, previous: nil,
            restrictedPart: scratch.path("restricted/qcredit-export-1"))
        #expect(report.passed, "\(report)")
    }

    /// A process spawned by another thread holds the lock from its fork until its exec: a
    /// moment. Prune (and an export) waits that moment out instead of failing as busy.
    @Test("a lock held for a moment is waited for")
    func momentaryHolder() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let descriptor = open(scratch.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        #expect(flock(descriptor, LOCK_EX) == 0)
        // A thread of its own: the test pool's threads may all be busy for longer than the wait.
        let release = Thread {
            usleep(20_000)
            close(descriptor)
        }
        release.start()
        #expect(try ExportWriter.prune(exportsDirectory: scratch.path, retain: 1) == [])
    }

    @Test("prune waits for no one: it is refused while an export is being written")
    func busy() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        // O_CLOEXEC: a process another test spawns meanwhile would otherwise inherit the lock.
        let descriptor = open(scratch.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        defer { close(descriptor) }
        #expect(flock(descriptor, LOCK_EX) == 0)
        #expect {
            try ExportWriter.prune(exportsDirectory: scratch.path, retain: 1)
        } throws: { error in
            if case ExportError.busy = error { return true }
            return false
        }
    }
}
