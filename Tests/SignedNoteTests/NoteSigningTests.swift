import Foundation
import QCreditCrypto
import SignedNote
import Testing

@Suite struct NoteSigningTests {
    let text = "qcredit.example/log\n42\nq8XyBQBTXJjU3gGD0Cu7hfrBDJVnU2J5QzK0lWDTDGo=\n"

    /// A signer that returns fixed bytes, for notes no real key signed.
    struct FixedSigner: NoteSigner {
        let name: String
        let keyID: UInt32
        let bytes: [UInt8]
        func sign(_ text: [UInt8]) throws -> [UInt8] { bytes }
    }

    @Test func tamperedTextOrSignatureFails() throws {
        let signer = try Ed25519NoteKey.Signer(name: "log.example", privateKey: Ed25519PrivateKey())
        let signed = try NoteSigning.sign(text: text, with: [signer])
        #expect(try NoteSigning.open(signed, verifiers: [signer.verifier]).verified.count == 1)

        let tamperedText = signed.replacingOccurrences(of: "\n42\n", with: "\n43\n")
        #expect(throws: NoteError.badSignature(name: "log.example", keyID: signer.keyID)) {
            try NoteSigning.open(tamperedText, verifiers: [signer.verifier])
        }

        var note = try Note(parsing: signed)
        note.signatures[0].signature[10] ^= 0x20
        #expect(throws: NoteError.badSignature(name: "log.example", keyID: signer.keyID)) {
            try NoteSigning.open(note.formatted, verifiers: [signer.verifier])
        }
        note.signatures[0].signature.removeLast()
        #expect(throws: NoteError.badSignature(name: "log.example", keyID: signer.keyID)) {
            try NoteSigning.verify(note, verifiers: [signer.verifier])
        }
    }

    @Test func unknownKeysAreIgnored() throws {
        let known = try Ed25519NoteKey.Signer(name: "log.example", privateKey: Ed25519PrivateKey())
        // Same name, other key (so another key ID); other name, same key ID; garbage from strangers.
        let sameName = try Ed25519NoteKey.Signer(name: "log.example", privateKey: Ed25519PrivateKey())
        let sameID = FixedSigner(name: "witness.example", keyID: known.keyID, bytes: [UInt8](repeating: 1, count: 64))
        let stranger = FixedSigner(name: "stranger.example", keyID: 7, bytes: [1, 2, 3])
        let signed = try NoteSigning.sign(text: text, with: [stranger, sameName, known, sameID])
        let (note, verified) = try NoteSigning.open(signed, verifiers: [known.verifier])
        #expect(note.signatures.count == 4)
        #expect(verified == [note.signatures[2]])

        // Signed only by keys the verifier does not know: rejected, naming them.
        let unknownOnly = try NoteSigning.sign(text: text, with: [stranger, sameName])
        #expect(throws: NoteError.noVerifiedSignature(unknownKeys: ["stranger.example+00000007", "log.example+" + hex(sameName.keyID)])) {
            try NoteSigning.open(unknownOnly, verifiers: [known.verifier])
        }
        #expect(throws: NoteError.noVerifiedSignature(unknownKeys: ["stranger.example+00000007"])) {
            try NoteSigning.open(try NoteSigning.sign(text: text, with: [stranger]), verifiers: [])
        }
    }

    @Test func repeatedSignaturesByOneKeyAfterTheFirstAreSkipped() throws {
        // As in Go: the first signature by a known key decides; later ones by it are not checked.
        let signer = try Ed25519NoteKey.Signer(name: "log.example", privateKey: Ed25519PrivateKey())
        let garbage = FixedSigner(name: signer.name, keyID: signer.keyID, bytes: [UInt8](repeating: 9, count: 64))
        let goodFirst = try NoteSigning.sign(text: text, with: [signer, garbage])
        #expect(try NoteSigning.open(goodFirst, verifiers: [signer.verifier]).verified.count == 1)
        let badFirst = try NoteSigning.sign(text: text, with: [garbage, signer])
        #expect(throws: NoteError.badSignature(name: signer.name, keyID: signer.keyID)) {
            try NoteSigning.open(badFirst, verifiers: [signer.verifier])
        }
    }

    @Test func ed25519AndSM2SignaturesEachSuffice() throws {
        let ed25519 = try Ed25519NoteKey(name: "log.qcredit.example", privateKey: Ed25519PrivateKey()).signer
        let sm2 = try SM2NoteKey(name: "log.qcredit.example/sm2", privateKey: SM2PrivateKey()).signer
        let signed = try NoteSigning.sign(text: text, with: [ed25519, sm2])
        let note = try Note(parsing: signed)
        #expect(note.signatures.map(\.name) == ["log.qcredit.example", "log.qcredit.example/sm2"])
        #expect(note.signatures[1].signature.first == 0x30)   // DER

        // Each verifier alone opens the note; the other signature is from an unknown key.
        #expect(try NoteSigning.open(signed, verifiers: [ed25519.verifier]).verified == [note.signatures[0]])
        #expect(try NoteSigning.open(signed, verifiers: [sm2.verifier]).verified == [note.signatures[1]])
        #expect(try NoteSigning.open(signed, verifiers: [sm2.verifier, ed25519.verifier]).verified == note.signatures)

        // Verifiers parsed from their key strings work the same.
        let parsedSM2 = try VerifierKey.parse(sm2.verifier.verifierKey)
        let parsedEd25519 = try VerifierKey.parse(ed25519.verifier.verifierKey)
        #expect(try NoteSigning.open(signed, verifiers: [parsedSM2]).verified.count == 1)
        #expect(try NoteSigning.open(signed, verifiers: [parsedEd25519]).verified.count == 1)

        // A bad SM2 signature fails the note even though the Ed25519 one is good.
        var tampered = note
        tampered.signatures[1].signature = try sm2.privateKey.sign(Array("other\n".utf8))
        #expect(throws: NoteError.badSignature(name: sm2.name, keyID: sm2.keyID)) {
            try NoteSigning.open(tampered.formatted, verifiers: [ed25519.verifier, sm2.verifier])
        }
        // …and an SM2 signature made with another distinguishing ID is bad.
        tampered.signatures[1].signature = try sm2.privateKey.sign(Array(text.utf8), distinguishingID: "")
        #expect(throws: NoteError.badSignature(name: sm2.name, keyID: sm2.keyID)) {
            try NoteSigning.open(tampered.formatted, verifiers: [sm2.verifier])
        }
    }

    @Test func sm2NoteKeyEncoding() throws {
        let key = try SM2PrivateKey()
        let verifier = try SM2NoteKey.Verifier(name: "log.qcredit.example/sm2", publicKey: key.publicKey)
        let identifier = Array("qcredit/sm2-sm3@v1".utf8)
        #expect(SM2NoteKey.identifier == identifier)
        #expect(verifier.encodedKey == [0xff] + identifier + key.publicKey.uncompressedPoint)
        #expect(verifier.encodedKey.count == 84)
        let hash = Digest.sha256(Array("log.qcredit.example/sm2".utf8) + [0x0a, 0xff] + identifier + key.publicKey.uncompressedPoint)
        #expect(verifier.keyID == hash.prefix(4).reduce(0) { $0 << 8 | UInt32($1) })

        let string = verifier.verifierKey
        #expect(string.hasPrefix("log.qcredit.example/sm2+\(hex(verifier.keyID))+/3Fjcm"))   // base64 of 0xff "qcr…"
        let parsed = try #require(try VerifierKey.parse(string) as? SM2NoteKey.Verifier)
        #expect(parsed == verifier)
    }

    @Test func ambiguousVerifiersAreAnError() throws {
        let signer = try Ed25519NoteKey.Signer(name: "log.example", privateKey: Ed25519PrivateKey())
        let signed = try NoteSigning.sign(text: text, with: [signer])
        #expect(throws: NoteError.ambiguousKey(name: "log.example", keyID: signer.keyID)) {
            try NoteSigning.open(signed, verifiers: [signer.verifier, signer.verifier])
        }
    }

    @Test func signingRefusesBadTextsAndNames() throws {
        let signer = try Ed25519NoteKey.Signer(name: "log.example", privateKey: Ed25519PrivateKey())
        #expect(throws: NoteError.missingFinalNewline) { try NoteSigning.sign(text: "no newline", with: [signer]) }
        #expect(throws: NoteError.missingFinalNewline) { try NoteSigning.sign(text: "", with: [signer]) }
        #expect(throws: NoteError.controlCharacter(line: 2, codePoint: 0x0d)) {
            try NoteSigning.sign(text: "a\nb\r\n", with: [signer])
        }
        #expect(throws: NoteError.noSigners) { try NoteSigning.sign(text: "a\n", with: []) }
        #expect(throws: NoteError.invalidKeyName("a b")) {
            try NoteSigning.sign(text: "a\n", with: [FixedSigner(name: "a b", keyID: 1, bytes: [1])])
        }
        #expect(throws: NoteError.invalidKeyName("x+y")) { try Ed25519NoteKey.Signer(name: "x+y", privateKey: Ed25519PrivateKey()) }
        #expect(throws: NoteError.invalidKeyName("")) { try SM2NoteKey.Verifier(name: "", publicKey: SM2PrivateKey().publicKey) }
        // A text with blank lines and signature-like lines of its own round-trips.
        let tricky = "a\n\n— k AAAAAQID\n\n"
        let (note, _) = try NoteSigning.open(try NoteSigning.sign(text: tricky, with: [signer]), verifiers: [signer.verifier])
        #expect(note.text == tricky)
    }
}

/// Eight lower-case hex digits.
func hex(_ value: UInt32) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: 8 - digits.count) + digits
}
