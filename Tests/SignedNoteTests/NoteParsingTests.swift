import SignedNote
import Testing

@Suite struct NoteParsingTests {
    /// The specification's introductory example: its text has a blank line of its own.
    static let poem = """
        Ognuno sta solo sul cuor della terra
        trafitto da un raggio di sole:

        ed è subito sera.

        — quasimodo.example/salvatore NnugSzTjtVAewIS+Z/iJhUPeFDkO/5QQ2i5ddnGITLlC+EhfLW9oJKONrMouFSQU0xMcXxj99ihAQwaqP3ZekRwNtIc=

        """

    @Test func textEndsAtTheLastBlankLine() throws {
        let note = try Note(parsing: Self.poem)
        #expect(note.text == "Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned è subito sera.\n")
        #expect(note.signatures.count == 1)
        #expect(note.signatures[0].name == "quasimodo.example/salvatore")
        #expect(note.signatures[0].keyID == 0x367b_a04b)
        #expect(note.signatures[0].signature.count == 64)
        #expect(note.formatted == Self.poem)
    }

    @Test func signaturesKeepTheirOrderAndRoundTrip() throws {
        let text = "a\n\n— one AAAAAQID\n— two/x AAAAAgQ=\n— one AAAAAQID\n"
        let note = try Note(parsing: text)
        #expect(note.text == "a\n")
        #expect(note.signatures == [
            NoteSignature(name: "one", keyID: 1, signature: [2, 3]),
            NoteSignature(name: "two/x", keyID: 2, signature: [4]),
            NoteSignature(name: "one", keyID: 1, signature: [2, 3]),
        ])
        #expect(note.formatted == text)
        // A text that is only a newline, and one ending in blank lines of its own.
        #expect(try Note(parsing: "\n\n— k AAAAAQID\n").text == "\n")
        #expect(try Note(parsing: "a\n\n\n\n— k AAAAAQID\n").text == "a\n\n\n")
        // A text whose last lines look like signatures is still text.
        #expect(try Note(parsing: "a\n\n— k AAAAAQID\n\n— k AAAAAQID\n").text == "a\n\n— k AAAAAQID\n")
    }

    @Test(arguments: [
        ("no blank line", "text\n— k AAAAAQID\n", NoteError.missingBlankLine),
        ("no signatures", "text\n\n", .noSignatures),
        ("no final newline", "text\n\n— k AAAAAQID", .missingFinalNewline),
        ("tab", "te\txt\n\n— k AAAAAQID\n", .controlCharacter(line: 1, codePoint: 0x09)),
        ("carriage return", "text\r\n\r\n— k AAAAAQID\r\n", .controlCharacter(line: 1, codePoint: 0x0d)),
        ("NUL in the signature block", "text\n\n— k AAAAAQID\u{0}\n", .controlCharacter(line: 3, codePoint: 0)),
        (
            "hyphen for em dash", "text\n\n- k AAAAAQID\n",
            .malformedSignatureLine(line: 3, reason: "it does not start with an em dash (U+2014) and a space")
        ),
        (
            "en dash", "text\n\n– k AAAAAQID\n",
            .malformedSignatureLine(line: 3, reason: "it does not start with an em dash (U+2014) and a space")
        ),
        (
            "em dash without space", "text\n\n—k AAAAAQID\n",
            .malformedSignatureLine(line: 3, reason: "it does not start with an em dash (U+2014) and a space")
        ),
        (
            "second line bad", "one\ntwo\n\n— k AAAAAQID\nnot a signature\n",
            .malformedSignatureLine(line: 5, reason: "it does not start with an em dash (U+2014) and a space")
        ),
        (
            "plus in name", "text\n\n— a+b AAAAAQID\n",
            .malformedSignatureLine(line: 3, reason: "the key name \"a+b\" contains white space or \"+\"")
        ),
        (
            "no-break space in name", "text\n\n— a\u{a0}b AAAAAQID\n",
            .malformedSignatureLine(line: 3, reason: "the key name \"a\u{a0}b\" contains white space or \"+\"")
        ),
        ("empty name", "text\n\n—  AAAAAQID\n", .malformedSignatureLine(line: 3, reason: "the key name is empty")),
        (
            "no signature", "text\n\n— k\n",
            .malformedSignatureLine(line: 3, reason: "no space between the key name and the signature")
        ),
        ("empty signature", "text\n\n— k \n", .malformedSignatureLine(line: 3, reason: "the signature is empty")),
        ("bad base64", "text\n\n— k AAAA*QID\n", .malformedSignatureLine(line: 3, reason: "the signature is not valid base64")),
        ("unpadded base64", "text\n\n— k AAAAAQI\n", .malformedSignatureLine(line: 3, reason: "the signature is not valid base64")),
        ("URL-safe base64", "text\n\n— k AAAAAQ-_\n", .malformedSignatureLine(line: 3, reason: "the signature is not valid base64")),
        ("stray bits", "text\n\n— k AAAAAQJ=\n", .malformedSignatureLine(line: 3, reason: "the signature is not valid base64")),
        ("space in base64", "text\n\n— k AAAA AQID\n", .malformedSignatureLine(line: 3, reason: "the signature is not valid base64")),
        (
            "key ID only", "text\n\n— k AAAAAQ==\n",
            .malformedSignatureLine(
                line: 3, reason: "the signature has 4 bytes; a 4-byte key ID and at least one signature byte are needed"
            )
        ),
    ] as [(String, String, NoteError)])
    func malformedNotesAreRefused(_ what: String, _ text: String, _ error: NoteError) {
        #expect(throws: error, "\(what)") { try Note(parsing: text) }
        #expect(throws: error, "\(what), bytes") { try Note(parsing: Array(text.utf8)) }
    }

    @Test func invalidUTF8IsRefused() {
        let bytes = Array("text\n\n— k AAAAAQID\n".utf8)
        #expect(throws: NoteError.invalidUTF8(byteOffset: 2)) { try Note(parsing: bytes[..<2] + [0xff] + bytes[2...]) }
        // An overlong encoding of "/" and a lone surrogate are invalid too.
        #expect(throws: NoteError.invalidUTF8(byteOffset: 0)) { try Note(parsing: [0xc0, 0xaf] + bytes) }
        #expect(throws: NoteError.invalidUTF8(byteOffset: 0)) { try Note(parsing: [0xed, 0xa0, 0x80] + bytes) }
    }

    @Test func atMostOneHundredSignatures() throws {
        let line = "— k AAAAAQID\n"
        let hundred = try Note(parsing: "text\n\n" + String(repeating: line, count: 100))
        #expect(hundred.signatures.count == Note.maximumSignatures)
        #expect(throws: NoteError.tooManySignatures(limit: 100)) {
            try Note(parsing: "text\n\n" + String(repeating: line, count: 101))
        }
    }

    @Test func errorsDescribeThemselves() {
        #expect(
            NoteError.malformedSignatureLine(line: 3, reason: "the signature is not valid base64").description
                == "signature line 3 is malformed: the signature is not valid base64"
        )
        #expect(NoteError.badSignature(name: "log", keyID: 0xab).description == "the signature by known key log+000000ab does not verify")
        #expect(
            NoteError.noVerifiedSignature(unknownKeys: ["a+00000001"]).description
                == "the note has no signature from a known key (signed only by a+00000001)"
        )
        #expect(NoteError.controlCharacter(line: 2, codePoint: 9).description.contains("U+0009"))
    }
}
