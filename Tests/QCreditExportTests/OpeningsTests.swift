import CanonicalJSON
import Foundation
import QCreditCrypto
import QCreditExport
import Testing
import TransparencyLog

@Suite("Openings and the restricted part")
struct OpeningsTests {
    static let part = "restricted/qcredit-export-test"

    /// A full export of 6 entries whose entries 1 and 4 are no longer disclosed, and a listing
    /// the public no longer sees.
    static func export(into scratch: ScratchDirectory, keys: TestKeys) throws -> InMemorySource {
        let source = try InMemorySource(keys: keys, records: 6, listings: 2)
        source.undisclosed = [1, 4]
        source.hiddenListings = [["id": 9, "uscc": .string(InMemorySource.uscc(9)), "reason": "revoked later"]]
        _ = try writeExport(source, keys: keys, into: scratch)
        return source
    }

    static func lines(_ path: String) throws -> [String] {
        try Files.text(path).split(separator: "\n").map(String.init)
    }

    static func openingLine(_ index: Int, _ source: InMemorySource) -> String {
        let opening = source.openings[index]!
        return #"{"index":\#(index),"record":\#(String(decoding: opening.record, as: UTF8.self)),"salt":"\#(Base64.encode(opening.salt))"}"#
    }

    @Test("the public export carries the disclosed openings, the restricted part all of them, with the modes")
    func openingsAreWritten() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let keys = try TestKeys()
        let source = try Self.export(into: scratch, keys: keys)

        let publicOpenings = try Self.lines(scratch.path("qcredit-export-test/openings.jsonl"))
        #expect(publicOpenings == [0, 2, 3, 5].map { Self.openingLine($0, source) })
        #expect(try Self.lines(scratch.path(Self.part + "/openings.jsonl")) == (0..<6).map { Self.openingLine($0, source) })
        // Nothing of the undisclosed records in any public file.
        for name in try Files.names(in: scratch.path("qcredit-export-test")) {
            let bytes = try Files.read(scratch.path("qcredit-export-test/" + name))
            for index in [1, 4] {
                let opening = source.openings[index]!
                #expect(bytes.firstRange(of: opening.record) == nil, "\(name) holds record \(index)")
                #expect(bytes.firstRange(of: Array(Base64.encode(opening.salt).utf8)) == nil, "\(name) holds salt \(index)")
            }
        }

        let listings = try Self.lines(scratch.path(Self.part + "/listings.jsonl"))
        #expect(listings.count == 3 && listings.last == #"{"disclosed":false,"id":9,"reason":"revoked later","uscc":"913501000000000009"}"#)
        #expect(try Self.lines(scratch.path("qcredit-export-test/listings.jsonl")).count == 2)
        let manifest = try Self.lines(scratch.path(Self.part + "/MANIFEST"))
        #expect(manifest.prefix(3) == ["# qcredit export manifest, format 2", "# part restricted", "# export qcredit-export-test"])
        #expect(manifest.contains("# listings 3") && manifest.contains("# openings 6") && !manifest.contains { $0.hasPrefix("# enterprises") })
        #expect(try Self.lines(scratch.path("qcredit-export-test/MANIFEST")).contains("# openings 4"))

        #expect(try Files.mode(scratch.path("restricted")) == 0o750)
        #expect(try Files.mode(scratch.path(Self.part)) == 0o750)
        for name in try Files.names(in: scratch.path(Self.part)) {
            #expect(try Files.mode(scratch.path(Self.part + "/" + name)) == 0o640, "\(name)")
        }

        let report = ExportVerifier.verify(
            directory: scratch.path("qcredit-export-test"), verifierKeys: keys.verifierKeys, previous: nil,
            restrictedPart: ExportVerifier.restrictedPart(of: scratch.path("qcredit-export-test")))
        #expect(report.passed, "\(report)")
        #expect(report.checks(.openings).map(\.detail) == [
            "4 openings of entries 0..<6: canonical, in order, each opening its entry's leaf",
            "every entry 0..<6 has its opening: canonical, in order, each opening its entry's leaf",
        ])
        #expect(report.checks(.part).first?.file == scratch.path(Self.part + "/MANIFEST"))
    }

    @Test("an altered salt or record byte in either part fails, naming the entry")
    func tamperedOpenings() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let keys = try TestKeys()
        let source = try Self.export(into: scratch, keys: keys)

        // Public: entry 2's salt, still valid base64 of 32 bytes.
        let publicCopy = try scratch.copy("qcredit-export-test", to: "qcredit-export-salt")
        var lines = try Self.lines(publicCopy + "/openings.jsonl")
        var salt = source.openings[2]!.salt
        salt[0] ^= 1
        lines[1] = lines[1].replacingOccurrences(of: Base64.encode(source.openings[2]!.salt), with: Base64.encode(salt))
        try Files.write(Array((lines.joined(separator: "\n") + "\n").utf8), to: publicCopy + "/openings.jsonl")
        var report = ExportVerifier.verify(directory: publicCopy, verifierKeys: keys.verifierKeys, previous: nil)
        #expect(report.failures(for: "openings.jsonl").map(\.name) == [.digests, .openings])
        #expect(report.failures(for: "openings.jsonl").last?.detail == "line 2: the opening of entry 2 does not open the entry's leaf")

        // Restricted: one byte of entry 4's record ("seq":4 → "seq":5).
        let partFile = scratch.path(Self.part + "/openings.jsonl")
        lines = try Self.lines(partFile)
        lines[4] = lines[4].replacingOccurrences(of: #""seq":4"#, with: #""seq":5"#)
        try Files.write(Array((lines.joined(separator: "\n") + "\n").utf8), to: partFile)
        report = ExportVerifier.verify(
            directory: scratch.path("qcredit-export-test"), verifierKeys: keys.verifierKeys, previous: nil,
            restrictedPart: scratch.path(Self.part))
        #expect(!report.passed)
        #expect(report.failures(for: partFile).map(\.name) == [.digests, .openings])
        #expect(report.failures(for: partFile).last?.detail == "line 5: the opening of entry 4 does not open the entry's leaf")
        // The public export itself is fine.
        #expect(report.failures.allSatisfy { $0.file == partFile })
    }

    @Test("openings out of order, repeated, outside the entries or not canonical are reported")
    func malformedOpenings() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let keys = try TestKeys()
        let source = try Self.export(into: scratch, keys: keys)
        let file = scratch.path("qcredit-export-test/openings.jsonl")
        let outside = #"{"index":6,"record":{"a":1},"salt":"\#(Base64.encode([UInt8](repeating: 0, count: 32)))"}"#
        let lines = [
            Self.openingLine(3, source), Self.openingLine(2, source), Self.openingLine(3, source), outside,
            #"{"salt":"x","index":0,"record":{}}"#,
        ]
        try Files.write(Array((lines.joined(separator: "\n") + "\n").utf8), to: file)
        let report = ExportVerifier.verify(directory: scratch.path("qcredit-export-test"), verifierKeys: keys.verifierKeys, previous: nil)
        let failure = try #require(report.failures(for: "openings.jsonl").first { $0.name == .openings })
        #expect(failure.detail.contains("line 2 (entry 2) is out of order after entry 3"), "\(failure)")
        #expect(failure.detail.contains("line 3 (entry 3) is a second opening of entry 3"), "\(failure)")
        #expect(failure.detail.contains("line 4 opens entry 6, outside the entries 0..<6"), "\(failure)")
        #expect(failure.detail.contains("line 5 is not in RFC 8785 canonical form"), "\(failure)")
        #expect(failure.detail.contains("5 lines, the MANIFEST says 4"), "\(failure)")
    }

    @Test("a restricted part without some openings is written, and its verification names the entries")
    func missingOpenings() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let keys = try TestKeys()
        let source = try InMemorySource(keys: keys, records: 7)
        // Replayed by a restore from a public export that did not disclose them.
        for index in [0, 3, 4] { source.replaceOpening(index, with: nil) }
        let summary = try writeExport(source, keys: keys, into: scratch)
        #expect(summary.openings == 4 && summary.restricted.openings == 4)
        let report = ExportVerifier.verify(
            directory: scratch.path("qcredit-export-test"), verifierKeys: keys.verifierKeys, previous: nil,
            restrictedPart: scratch.path(Self.part))
        #expect(report.failures.map(\.name) == [.openings])
        #expect(report.failures.first?.detail == "entry 0 has no opening; entries 3..<5 have no opening")
    }

    @Test("the restricted part must be this export's, and a part is not an export")
    func partBelongsToItsExport() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let keys = try TestKeys()
        let source = try InMemorySource(keys: keys, records: 3)
        _ = try writeExport(source, keys: keys, into: scratch, name: "qcredit-export-1")
        try source.append(records: 2)
        _ = try writeExport(source, keys: keys, into: scratch, name: "qcredit-export-2")

        let report = ExportVerifier.verify(
            directory: scratch.path("qcredit-export-2"), verifierKeys: keys.verifierKeys, previous: nil,
            restrictedPart: scratch.path("restricted/qcredit-export-1"))
        let part = try #require(report.failures.first { $0.name == .part })
        #expect(part.detail.contains("it is the part of qcredit-export-1, not of qcredit-export-2"), "\(part)")
        #expect(part.detail.contains("its tree size is not the export's"), "\(part)")

        // An export and its part kept under other names (an auditor's archive) are still one export:
        // the name the daemon gave it follows from its creation time and kind.
        let written = ExportFormat.exportName(created: "2026-11-27T02:00:00Z", kind: .full)
        _ = try writeExport(source, keys: keys, into: scratch, name: written)
        let archivedExport = try scratch.copy(written, to: "archive-2026-11-27")
        let archivedPart = try scratch.copy("restricted/\(written)", to: "archive-2026-11-27-restricted")
        let archived = ExportVerifier.verify(
            directory: archivedExport, verifierKeys: keys.verifierKeys, previous: nil, restrictedPart: archivedPart)
        #expect(archived.passed, "\(archived)")
        #expect(
            archived.checks(.part).first?.detail
                == "the restricted part of \(written) (kept as archive-2026-11-27): the same log, entries and as-of date")
        // So is the second export of that second, which the daemon named `…-2` after the first.
        _ = try writeExport(source, keys: keys, into: scratch, name: written + "-2")
        let secondExport = try scratch.copy(written + "-2", to: "archive-2026-11-27-second")
        let secondPart = try scratch.copy("restricted/\(written)-2", to: "archive-2026-11-27-second-restricted")
        let second = ExportVerifier.verify(
            directory: secondExport, verifierKeys: keys.verifierKeys, previous: nil, restrictedPart: secondPart)
        #expect(second.passed, "\(second)")
        for name in [written + "-1", written + "-02", written + "-2x", written + "-"] {
            #expect(!ExportFormat.isName(name, givenAfter: written), "\(name)")
        }
        #expect(ExportFormat.isName(written + "-13", givenAfter: written))
        // …but another export of the same second and kind is not its part's.
        let renamedOther = try scratch.copy("qcredit-export-1", to: "other-archive")
        let mismatched = ExportVerifier.verify(
            directory: renamedOther, verifierKeys: keys.verifierKeys, previous: nil, restrictedPart: archivedPart)
        #expect(mismatched.failures.contains { $0.name == .part && $0.detail.contains("its tree size is not the export's") })

        let direct = ExportVerifier.verify(directory: scratch.path("restricted/qcredit-export-2"), verifierKeys: keys.verifierKeys, previous: nil)
        #expect(direct.failures.first?.detail == "this is the restricted part of qcredit-export-2: verify that export with --restricted-part")

        let absent = ExportVerifier.verify(
            directory: scratch.path("qcredit-export-2"), verifierKeys: keys.verifierKeys, previous: nil,
            restrictedPart: scratch.path("restricted/qcredit-export-9"))
        #expect(absent.failures.map(\.name) == [.part])
        #expect(ExportVerifier.restrictedPart(of: "/srv/exports/qcredit-export-2/") == "/srv/exports/restricted/qcredit-export-2")
        // A relative path of plain names keeps its form (the report names the part as the command
        // line named the export); `.` and `..` segments are resolved from the working directory.
        #expect(ExportVerifier.restrictedPart(of: "qcredit-export-2") == "./restricted/qcredit-export-2")
        #expect(ExportVerifier.restrictedPart(of: "exports/qcredit-export-2/") == "exports/restricted/qcredit-export-2")
        let cwd = FileManager.default.currentDirectoryPath
        #expect(ExportVerifier.restrictedPart(of: "./qcredit-export-2") == cwd + "/restricted/qcredit-export-2")
        let expected = ((scratch.path("qcredit-export-2") as NSString).deletingLastPathComponent as NSString)
            .appendingPathComponent("restricted/qcredit-export-2")
        #expect(ExportVerifier.restrictedPart(of: scratch.path("qcredit-export-2") + "/.") == expected)
        #expect(ExportVerifier.restrictedPart(of: scratch.path("restricted") + "/../qcredit-export-2") == expected)
    }

    @Test("the restricted part is given to the configured group, or the writer says why it cannot")
    func restrictedGroup() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let keys = try TestKeys()
        let source = try InMemorySource(keys: keys, records: 2)
        let group = RestrictedGroup(name: "auditors", id: getuid() == 0 ? 4242 : 0)
        if getuid() == 0 {
            _ = try writeExport(source, keys: keys, into: scratch, restrictedGroup: group)
            for path in ["restricted", Self.part] + (try Files.names(in: scratch.path(Self.part))).map({ Self.part + "/" + $0 }) {
                #expect(try Files.group(scratch.path(path)) == 4242, "\(path)")
            }
            #expect(try Files.group(scratch.path("qcredit-export-test/MANIFEST")) != 4242)
        } else {
            #expect {
                try writeExport(source, keys: keys, into: scratch, restrictedGroup: group)
            } throws: { error in
                "\(error)".contains("give to group auditors (0)")
            }
            #expect(try Files.exportsDirectoryContents(scratch.path).isEmpty)
        }
    }

    /// systemd's tmpfiles.d makes `restricted/` setgid with the auditors' group, and the unit
    /// forbids chown: each part and its files must get the group by inheritance alone.
    @Test("a setgid restricted directory gives its group to every part and file without chown")
    func restrictedGroupByInheritance() throws {
        guard getuid() == 0 else { return }  // setting up a foreign group needs root
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let keys = try TestKeys()
        let source = try InMemorySource(keys: keys, records: 2)
        let restricted = scratch.path("restricted")
        #expect(mkdir(restricted, 0o700) == 0)
        #expect(chown(restricted, uid_t.max, 4243) == 0)
        #expect(chmod(restricted, 0o2750) == 0)
        _ = try writeExport(source, keys: keys, into: scratch, restrictedGroup: nil)
        for path in [Self.part] + (try Files.names(in: scratch.path(Self.part))).map({ Self.part + "/" + $0 }) {
            #expect(try Files.group(scratch.path(path)) == 4243, "\(path)")
        }
    }

    @Test("openings can be read back for a restore, from either part")
    func readForRestore() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let keys = try TestKeys()
        let source = try Self.export(into: scratch, keys: keys)
        let manifest = try ExportManifest(parsing: try Files.read(scratch.path("qcredit-export-test/MANIFEST")))
        let all = try ExportOpenings.read(directory: scratch.path(Self.part), entries: 1..<5, partOf: manifest)
        #expect(all.keys.sorted() == [1, 2, 3, 4] && all[4] == source.openings[4])
        let disclosed = try ExportOpenings.read(directory: scratch.path("qcredit-export-test"), entries: 0..<6)
        #expect(disclosed.keys.sorted() == [0, 2, 3, 5])
        #expect(throws: ExportError.self) {
            try ExportOpenings.read(directory: scratch.path("qcredit-export-test"), entries: 0..<6, partOf: manifest)
        }
        try Files.flipByte(in: scratch.path(Self.part + "/openings.jsonl"))
        #expect(throws: ExportError.self) { try ExportOpenings.read(directory: scratch.path(Self.part), entries: 0..<6, partOf: manifest) }
    }
}
