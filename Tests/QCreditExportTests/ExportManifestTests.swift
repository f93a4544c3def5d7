import QCreditExport
import Testing

@Suite("MANIFEST")
struct ExportManifestTests {
    static let sample = ExportManifest(
        origin: "qcredit.example.gov.cn/registry", created: "2026-11-27T02:00:00Z", kind: .delta, asOf: "2026-11-27",
        treeSize: 13, rootHash: [UInt8](repeating: 1, count: 32), entriesStart: 7, entriesEnd: 13,
        previous: .init(size: 7, rootHash: [UInt8](repeating: 2, count: 32)), enterpriseCount: 3, listingCount: 0,
        openingCount: 4, files: [
            .init(name: "tree-start", size: 135, sha256: [UInt8](repeating: 0xab, count: 32), sm3: [UInt8](repeating: 0xcd, count: 32)),
            .init(name: "checkpoint", size: 0, sha256: [UInt8](repeating: 0, count: 32), sm3: [UInt8](repeating: 0xff, count: 32)),
        ])

    @Test("text and parse round-trip; files come in byte order")
    func roundTrip() throws {
        let text = Self.sample.text
        #expect(text.hasPrefix("# qcredit export manifest, format 2\n# origin qcredit.example.gov.cn/registry\n"))
        #expect(text.contains("# previous 7 AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI=\n"))
        #expect(text.hasSuffix("# size checkpoint 0\n# size tree-start 135\n# SM3 (checkpoint) = \(String(repeating: "ff", count: 32))\n"
            + "# SM3 (tree-start) = \(String(repeating: "cd", count: 32))\n\(String(repeating: "00", count: 32))  checkpoint\n"
            + "\(String(repeating: "ab", count: 32))  tree-start\n"))
        #expect(try ExportManifest(parsing: Array(text.utf8)) == Self.sample)
        #expect(Self.sample.problems.isEmpty)
    }

    @Test("anything but the canonical text is refused", arguments: [
        ("# size checkpoint 0\n", "# size checkpoint 00\n"),
        ("# size checkpoint 0\n# size tree-start 135\n", "# size tree-start 135\n# size checkpoint 0\n"),
        ("  checkpoint\n", " *checkpoint\n"),
        ("# kind delta\n", "# kind Delta\n"),
        ("# as-of 2026-11-27\n", "# as-of 2026-11-31\n"),
        ("# previous 7 ", "# previous  7 "),
        ("# SM3 (checkpoint) = ff", "# SM3 (checkpoint) = FF"),
        ("\n# listings 0\n", "\n# listings 0\n# comment\n"),
        ("\n# openings 4\n", "\n"),
        ("# origin", "# part public\n# origin"),
        ("checkpoint", "../checkpoint"),
    ])
    func refuses(original: String, replacement: String) {
        let text = Self.sample.text.replacingOccurrences(of: original, with: replacement)
        #expect(text != Self.sample.text)
        #expect(throws: ExportManifest.ParseError.self) { try ExportManifest(parsing: Array(text.utf8)) }
    }

    @Test("values that do not fit together are problems")
    func problems() {
        var manifest = Self.sample
        manifest.entriesStart = 6
        #expect(manifest.problems == ["a delta's entries start at the previous tree size 7, not 6"])
        manifest.kind = .full
        #expect(manifest.problems == ["a full export's entries start at 0, not 6"])
        manifest.entriesStart = 0
        manifest.entriesEnd = 12
        #expect(manifest.problems == ["the entries end at 12, not at the tree size 13"])
        manifest.entriesEnd = 13
        manifest.openingCount = 14
        #expect(manifest.problems == ["14 openings for the 13 entries 0..<13"])
    }

    @Test("a restricted part's MANIFEST names its part and export, and has no enterprise count")
    func restrictedPart() throws {
        var part = Self.sample
        part.part = .restricted
        part.exportName = "qcredit-export-20261127T020000Z-delta"
        part.enterpriseCount = nil
        let text = part.text
        #expect(text.hasPrefix(
            "# qcredit export manifest, format 2\n# part restricted\n# export qcredit-export-20261127T020000Z-delta\n# origin "))
        #expect(!text.contains("# enterprises"))
        #expect(try ExportManifest(parsing: Array(text.utf8)) == part)
        for (original, replacement) in [("# export qcredit-export-", "# export ../x"), ("# part restricted\n", "")] {
            #expect(throws: ExportManifest.ParseError.self) {
                try ExportManifest(parsing: Array(text.replacingOccurrences(of: original, with: replacement).utf8))
            }
        }
    }
}
