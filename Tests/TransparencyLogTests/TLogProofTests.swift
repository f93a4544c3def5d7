import Testing
import TransparencyLog

@Suite struct TLogProofTests {
    /// The example of c2sp.org/tlog-proof (its signatures shortened with "[...]", kept verbatim).
    static let c2spExample = """
        c2sp.org/tlog-proof@v1
        extra YWdlLXYxLjIuMS1kYXJ3aW4tYXJtNjQudGFyLmd6kYXJ3aW4tYXJ
        index 73894
        gSKyXoYZUgZ6jduWYrkDOARinOMGJveXjgMkBTcdPlQ=
        B95lDa8R83lS8n0eG+o0buTxRKQTYFi//1U8anccXmA=
        EKNzoDWG8LGC0Yp9o+sv3qllpMP9uHQ9B20KNL+Q1zs=
        RoopEkOdqkYqMB4MJXrbt/hMjOxsVn0IrWjpz1ZMMes=
        AHCioX9nLjsrse6YhjRRmk1WUEirVOLLRoOQ6vfO5vk=

        example.com/fancylog
        109482
        sFodV/vSp5O8n9a8QpW6PRY97tfOSW5bsc2Xl/EQi08=

        — example.com/fancylog hI2DJw[...]1roloI=
        — witness1.example mJirIklj[...]qY9v2B/5bg==
        — witness2.example TnKKVHLX[...]xwYwrSjgow==
        — witness3.example S4X82uH5[...]3oEcROGLFQ==

        """

    static let hash = "q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s="
    static let note = "log\n5\n\(hash)\n\n— log sig\n"

    @Test func c2spExampleParses() throws {
        let proof = try TLogProof(parsing: Self.c2spExample)
        #expect(proof.extra == Bytes.base64("YWdlLXYxLjIuMS1kYXJ3aW4tYXJtNjQudGFyLmd6kYXJ3aW4tYXJ"))
        #expect(proof.index == 73_894)
        #expect(proof.proof.count == 5)
        #expect(proof.proof.first == Bytes.base64("gSKyXoYZUgZ6jduWYrkDOARinOMGJveXjgMkBTcdPlQ="))
        #expect(proof.checkpoint.origin == "example.com/fancylog")
        #expect(proof.checkpoint.size == 109_482)
        #expect(proof.signedCheckpoint.hasPrefix("example.com/fancylog\n109482\n"))
        #expect(proof.signedCheckpoint.hasSuffix("3oEcROGLFQ==\n"))
        #expect(proof.text == Self.c2spExample)
    }

    @Test func roundTripAndVerifyAgainstALog() throws {
        let tree = InMemoryMerkleTree(leafData: (0..<11).map(record))
        let checkpoint = try Checkpoint(origin: "qcredit.example/log", size: tree.size, rootHash: tree.root)
        let signed = checkpoint.text + "\n— qcredit.example/log AAAAAA==\n"
        for index in Int64(0)..<11 {
            let proof = try TLogProof(
                extra: index.isMultiple(of: 2) ? nil : Array("context \(index)".utf8), index: index,
                proof: tree.inclusionProof(index: index), signedCheckpoint: signed)
            let parsed = try TLogProof(parsing: proof.text)
            #expect(parsed == proof)
            #expect(parsed.checkpoint == checkpoint)
            try parsed.verifyInclusion(leafHash: MerkleHash.leaf(record(Int(index))))
            #expect(throws: MerkleProofError.rootMismatch) {
                try parsed.verifyInclusion(leafHash: MerkleHash.leaf(record(99)))
            }
        }
        // A one-leaf log: no proof hashes at all; empty extra data.
        let single = InMemoryMerkleTree(leafData: [record(0)])
        let note = try Checkpoint(origin: "one", size: 1, rootHash: single.root).text + "\n— one sig\n"
        let proof = try TLogProof(extra: [], index: 0, proof: [], signedCheckpoint: note)
        #expect(proof.text == "c2sp.org/tlog-proof@v1\nextra \nindex 0\n\n" + note)
        #expect(try TLogProof(parsing: proof.text) == proof)
        try proof.verifyInclusion(leafHash: MerkleHash.leaf(record(0)))
    }

    @Test func rejectsMalformedText() {
        let hash = Self.hash
        let note = Self.note
        let cases: [(String, TLogProofError)] = [
            ("", .missingHeader),
            ("c2sp.org/tlog-proof@v2\nindex 0\n\n\(note)", .missingHeader),
            ("c2sp.org/tlog-proof@v1", .missingHeader),
            ("c2sp.org/tlog-proof@v1\n\(hash)\n\n\(note)", .missingIndex),
            ("c2sp.org/tlog-proof@v1\nextra Zm9v\n\(hash)\n\n\(note)", .missingIndex),
            ("c2sp.org/tlog-proof@v1\n", .missingIndex),
            ("c2sp.org/tlog-proof@v1\nextra Zm9\nindex 1\n\n\(note)", .invalidExtra),
            ("c2sp.org/tlog-proof@v1\nindex 1\nextra Zm9v\n\n\(note)", .invalidProofHash(line: 3)),
            ("c2sp.org/tlog-proof@v1\nindex 012\n\n\(note)", .invalidIndex("012")),
            ("c2sp.org/tlog-proof@v1\nindex -1\n\n\(note)", .invalidIndex("-1")),
            ("c2sp.org/tlog-proof@v1\nindex \n\n\(note)", .invalidIndex("")),
            ("c2sp.org/tlog-proof@v1\nindex  1\n\n\(note)", .invalidIndex(" 1")),
            ("c2sp.org/tlog-proof@v1\nindex 1\n\(hash)\nnot base64!\n\n\(note)", .invalidProofHash(line: 4)),
            ("c2sp.org/tlog-proof@v1\nindex 1\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s\n\n\(note)", .invalidProofHash(line: 3)),
            ("c2sp.org/tlog-proof@v1\nindex 1\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urqw==\n\n\(note)", .proofHashLength(line: 3, byteCount: 31)),
            ("c2sp.org/tlog-proof@v1\nindex 1\n\(hash)\n", .missingBlankLine),
            ("c2sp.org/tlog-proof@v1\nindex 1\n\(hash)\n\(hash)", .missingBlankLine),
            ("c2sp.org/tlog-proof@v1\nindex 1\n\(hash)\n\n", .invalidCheckpoint(.notASignedNote)),
            ("c2sp.org/tlog-proof@v1\nindex 1\n\n\(note.dropLast(11))", .invalidCheckpoint(.notASignedNote)),
            ("c2sp.org/tlog-proof@v1\nindex 1\n\nlog\n05\n\(hash)\n\n— log sig\n", .invalidCheckpoint(.invalidSize("05"))),
            ("c2sp.org/tlog-proof@v1\r\nindex 1\r\n\r\n\(note)", .missingHeader),
        ]
        for (text, expected) in cases {
            #expect(throws: expected, "\(text.debugDescription)") { try TLogProof(parsing: text) }
        }
    }

    @Test func rejectsInvalidValues() {
        let hash = [UInt8](repeating: 7, count: 32)
        #expect(throws: TLogProofError.invalidIndex("-1")) {
            try TLogProof(index: -1, proof: [hash], signedCheckpoint: Self.note)
        }
        #expect(throws: TLogProofError.proofHashLength(line: 4, byteCount: 3)) {
            try TLogProof(index: 0, proof: [hash, [1, 2, 3]], signedCheckpoint: Self.note)
        }
        #expect(throws: TLogProofError.proofHashLength(line: 5, byteCount: 0)) {
            try TLogProof(extra: [1], index: 0, proof: [hash, []], signedCheckpoint: Self.note)
        }
        #expect(throws: TLogProofError.invalidCheckpoint(.notASignedNote)) {
            try TLogProof(index: 0, proof: [], signedCheckpoint: "")
        }
    }
}
