import Testing
import TransparencyLog

@Suite struct CheckpointTests {
    /// The example of c2sp.org/tlog-checkpoint: a signed note.
    static let c2spExample = """
        example.com/behind-the-sofa
        20852163
        CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=

        — example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=

        """

    static let root = [UInt8](repeating: 0xAB, count: 32)
    static let rootBase64 = "q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s="

    @Test func c2spExampleParses() throws {
        let checkpoint = try Checkpoint(parsingNoteBodyOf: Self.c2spExample)
        #expect(checkpoint.origin == "example.com/behind-the-sofa")
        #expect(checkpoint.size == 20_852_163)
        #expect(checkpoint.rootHash == Bytes.base64("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I="))
        #expect(checkpoint.extensionLines.isEmpty)
        #expect(checkpoint.text == "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n")
        #expect(Self.c2spExample.hasPrefix(checkpoint.text + "\n"))
        // The whole note is not a body: its blank line is an empty extension line.
        #expect(throws: CheckpointError.emptyLine(line: 4)) { try Checkpoint(parsing: Self.c2spExample) }
    }

    @Test func roundTrips() throws {
        let plain = try Checkpoint(origin: "qcredit.example/log", size: 0, rootHash: MerkleHash.empty)
        #expect(plain.text == "qcredit.example/log\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n")
        #expect(try Checkpoint(parsing: plain.text) == plain)

        let extended = try Checkpoint(
            origin: "qcredit.example/log", size: 9_223_372_036_854_775_807, rootHash: Self.root,
            extensionLines: ["first extension", "Zm9v"])
        #expect(
            extended.text
                == "qcredit.example/log\n9223372036854775807\n\(Self.rootBase64)\nfirst extension\nZm9v\n")
        #expect(try Checkpoint(parsing: extended.text) == extended)

        let tree = InMemoryMerkleTree(leafData: (0..<3).map(record))
        let fromTree = try Checkpoint(origin: "qcredit.example/log", size: tree.size, rootHash: tree.root)
        #expect(try Checkpoint(parsing: fromTree.text) == fromTree)
        #expect(fromTree.description == fromTree.text)
    }

    @Test func rejectsMalformedText() {
        let base64 = Self.rootBase64
        let cases: [(String, CheckpointError)] = [
            ("log\n5\n\(base64)", .missingFinalNewline),
            ("", .tooFewLines(count: 0)),
            ("log\n5\n", .tooFewLines(count: 2)),
            ("\n5\n\(base64)\n", .emptyOrigin),
            ("log\n05\n\(base64)\n", .invalidSize("05")),
            ("log\n00\n\(base64)\n", .invalidSize("00")),
            ("log\n+5\n\(base64)\n", .invalidSize("+5")),
            ("log\n-1\n\(base64)\n", .invalidSize("-1")),
            ("log\n 5\n\(base64)\n", .invalidSize(" 5")),
            ("log\n\n\(base64)\n", .invalidSize("")),
            ("log\n9223372036854775808\n\(base64)\n", .invalidSize("9223372036854775808")),
            ("log\n5\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s\n", .invalidRootHash("q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s")),
            ("log\n5\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6t=\n", .invalidRootHash("q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6t=")),
            ("log\n5\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6-=\n", .invalidRootHash("q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6-=")),
            ("log\n5\n q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\n", .invalidRootHash(" q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=")),
            ("log\n5\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urqw==\n", .rootHashLength(byteCount: 31)),
            ("log\n5\nAAAA\n", .rootHashLength(byteCount: 3)),
            ("log\n5\n\(base64)\n\nextension\n", .emptyLine(line: 4)),
            ("log\n5\n\(base64)\nextension\n\n", .emptyLine(line: 5)),
            ("log\r\n5\r\n\(base64)\r\n", .invalidSize("5\r")),
        ]
        for (text, expected) in cases {
            #expect(throws: expected, "\(text.debugDescription)") { try Checkpoint(parsing: text) }
        }
    }

    @Test func rejectsInvalidValues() {
        #expect(throws: CheckpointError.emptyOrigin) { try Checkpoint(origin: "", size: 1, rootHash: Self.root) }
        #expect(throws: CheckpointError.lineContainsNewline("a\nb")) {
            try Checkpoint(origin: "a\nb", size: 1, rootHash: Self.root)
        }
        #expect(throws: CheckpointError.lineContainsNewline("x\n")) {
            try Checkpoint(origin: "log", size: 1, rootHash: Self.root, extensionLines: ["x\n"])
        }
        #expect(throws: CheckpointError.emptyLine(line: 5)) {
            try Checkpoint(origin: "log", size: 1, rootHash: Self.root, extensionLines: ["x", ""])
        }
        #expect(throws: CheckpointError.invalidSize("-1")) { try Checkpoint(origin: "log", size: -1, rootHash: Self.root) }
        #expect(throws: CheckpointError.rootHashLength(byteCount: 0)) { try Checkpoint(origin: "log", size: 1, rootHash: []) }
    }

    @Test func noteBody() throws {
        #expect(throws: CheckpointError.notASignedNote) {
            try Checkpoint(parsingNoteBodyOf: "log\n5\n\(Self.rootBase64)\n")
        }
        #expect(throws: CheckpointError.notASignedNote) { try Checkpoint(parsingNoteBodyOf: "") }
        let body = try Checkpoint(parsingNoteBodyOf: "log\n5\n\(Self.rootBase64)\next\n\n— log sig\n")
        #expect(body.extensionLines == ["ext"])
        #expect(throws: CheckpointError.tooFewLines(count: 2)) { try Checkpoint(parsingNoteBodyOf: "log\n5\n\n— log sig\n") }
    }
}
