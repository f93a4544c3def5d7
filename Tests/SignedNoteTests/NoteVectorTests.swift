import QCreditCrypto
import SignedNote
import Testing

/// The published examples: the specification's and Go's.
@Suite struct NoteVectorTests {
    @Test func c2spExampleVerifiesWithItsVerifierKey() throws {
        let vectors = NoteVectors.shared
        let verifier = try VerifierKey.parse(vectors.c2sp.vkey)
        #expect(verifier.name == "example.com/foo")
        #expect(verifier.keyID == 0x530d_903a)
        #expect(verifier is Ed25519NoteKey.Verifier)
        #expect(VerifierKey.string(for: verifier) == vectors.c2sp.vkey)

        let (note, verified) = try NoteSigning.open(vectors.c2sp.note, verifiers: [verifier])
        #expect(note.text == "This is an example message.\n")
        #expect(verified.map(\.name) == ["example.com/foo"])
        #expect(verified[0].signature.count == 64)
        #expect(note.formatted == vectors.c2sp.note)
        // The bytes form opens the same way.
        #expect(try NoteSigning.open(Array(vectors.c2sp.note.utf8), verifiers: [verifier]).note == note)
    }

    @Test func goExampleIsReproducedByteForByte() throws {
        let vectors = NoteVectors.shared
        let key = try Ed25519NoteKey(privateKeyString: vectors.go.skey)
        #expect(key.name == "PeterNeumann")
        #expect(key.keyID == 0xc74f_20a3)
        #expect(key.verifierKey == vectors.go.vkey)
        #expect(key.signer.verifier == key.verifier)

        let signed = try NoteSigning.sign(text: vectors.go.text, with: [key.signer])
        #expect(signed == vectors.go.text + "\n\u{2014} PeterNeumann " + vectors.go.signature + "\n")

        let (note, verified) = try NoteSigning.open(signed, verifiers: [try VerifierKey.parse(vectors.go.vkey)])
        #expect(note.text == vectors.go.text)
        #expect(verified.count == 1)
    }

    @Test func keyIDsFollowTheConvention() throws {
        // SHA-256(name ‖ 0x0A ‖ 0x01 ‖ key)[:4] for the specification's key.
        let verifier = try #require(try VerifierKey.parse(NoteVectors.shared.c2sp.vkey) as? Ed25519NoteKey.Verifier)
        let hash = Digest.sha256(Array("example.com/foo\n".utf8) + [0x01] + verifier.publicKey.raw)
        #expect(Array(hash.prefix(4)) == [0x53, 0x0d, 0x90, 0x3a])
        #expect(VerifierKey.keyID(name: "example.com/foo", encodedKey: verifier.encodedKey) == 0x530d_903a)
    }
}
