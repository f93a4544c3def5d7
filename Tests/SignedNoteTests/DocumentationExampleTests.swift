import QCreditCrypto
import SignedNote
import Testing

/// The examples in the doc comments, so they stay true.
@Suite struct DocumentationExampleTests {
    @Test func noteExample() throws {
        let note = try Note(parsing: "hello\n\n— example.com/k AAAAAQID\n")
        #expect(note.text == "hello\n")
        #expect(note.signatures[0].keyID == 1)
        #expect(note.signatures[0].signature == [2, 3])
    }

    @Test func signingExamples() throws {
        let key = try Ed25519NoteKey(name: "log.qcredit.example", privateKey: try Ed25519PrivateKey())
        let signed = try NoteSigning.sign(text: "qcredit checkpoint\n42\n", with: [key.signer])
        let (note, verified) = try NoteSigning.open(signed, verifiers: [key.verifier])
        #expect(note.text == "qcredit checkpoint\n42\n")
        #expect(verified.count == 1)
        #expect(key.verifierKey.hasPrefix("log.qcredit.example+\(hex(key.keyID))+A"))
        let publicKey = key.signer.privateKey.publicKey
        let verifier = try Ed25519NoteKey.Verifier(name: "log.qcredit.example", publicKey: publicKey)
        #expect(try NoteSigning.open(signed, verifiers: [verifier]).verified.count == 1)

        let sm2 = try SM2NoteKey(name: "log.qcredit.example/sm2", privateKey: try SM2PrivateKey())
        let sm2Signed = try NoteSigning.sign(text: "checkpoint\n", with: [sm2.signer])
        #expect(try NoteSigning.open(sm2Signed, verifiers: [sm2.verifier]).verified.count == 1)
    }

    @Test func verifierKeyExample() throws {
        let text = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
        let verifier = try VerifierKey.parse(text)
        #expect(verifier.name == "example.com/foo")
        #expect(VerifierKey.string(for: verifier) == text)
    }
}
