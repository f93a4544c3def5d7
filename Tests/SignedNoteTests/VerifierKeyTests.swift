import Foundation
import QCreditCrypto
import SignedNote
import Testing

@Suite struct VerifierKeyTests {
    static let c2sp = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"

    @Test func upperCaseKeyIDsAreAccepted() throws {
        #expect(try VerifierKey.parse("example.com/foo+530D903A+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k").keyID == 0x530d_903a)
    }

    @Test(arguments: [
        ("example.com/foo+530d903b+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", NoteError.keyIDMismatch(name: "example.com/foo", stated: 0x530d_903b, computed: 0x530d_903a)),
        ("example.com/bar+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", .keyIDMismatch(name: "example.com/bar", stated: 0x530d_903a, computed: 0xc6fb_2e3e)),
        ("example.com/foo+530d903+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", .malformedVerifierKey(reason: "the key ID \"530d903\" is not 8 hex digits")),
        ("example.com/foo+530d903g+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", .malformedVerifierKey(reason: "the key ID \"530d903g\" is not 8 hex digits")),
        ("example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2", .malformedVerifierKey(reason: "the key is not non-empty standard base64")),
        ("example.com/foo+530d903a+", .malformedVerifierKey(reason: "the key is not non-empty standard base64")),
        ("example.com/foo", .malformedVerifierKey(reason: "the key ID \"\" is not 8 hex digits")),
        ("+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", .invalidKeyName("")),
        ("a b+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", .invalidKeyName("a b")),
    ] as [(String, NoteError)])
    func malformedVerifierKeysAreRefused(_ text: String, _ error: NoteError) {
        #expect(throws: error) { try VerifierKey.parse(text) }
    }

    @Test func keyTypesAndKeysAreChecked() throws {
        // A key string with a consistent key ID but an unknown type, or a wrong key length.
        func keyString(_ encoded: [UInt8]) -> String {
            "k+\(hex(VerifierKey.keyID(name: "k", encodedKey: encoded)))+\(base64(encoded))"
        }
        #expect(throws: NoteError.unknownKeyType(0x02)) { try VerifierKey.parse(keyString([0x02] + [UInt8](repeating: 1, count: 32))) }
        #expect(throws: NoteError.unknownKeyType(0xff)) {
            try VerifierKey.parse(keyString([0xff] + Array("other/sm2@v1".utf8) + [UInt8](repeating: 1, count: 65)))
        }
        #expect(throws: NoteError.malformedVerifierKey(reason: "expected 32 bytes, got 31")) {
            try VerifierKey.parse(keyString([0x01] + [UInt8](repeating: 1, count: 31)))
        }
        let point = try SM2PrivateKey().publicKey.uncompressedPoint
        var offCurve = point
        offCurve[64] ^= 1
        #expect(throws: NoteError.self) { try VerifierKey.parse(keyString([0xff] + SM2NoteKey.identifier + offCurve)) }
        #expect(try VerifierKey.parse(keyString([0xff] + SM2NoteKey.identifier + point)) is SM2NoteKey.Verifier)
    }

    @Test func goPrivateKeyStringsAreChecked() throws {
        let good = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
        #expect(try Ed25519NoteKey(privateKeyString: good).keyID == 0xc74f_20a3)
        #expect(throws: NoteError.keyIDMismatch(name: "PeterNeumann", stated: 0xc74f_20a4, computed: 0xc74f_20a3)) {
            try Ed25519NoteKey(privateKeyString: good.replacingOccurrences(of: "c74f20a3", with: "c74f20a4"))
        }
        #expect(throws: NoteError.malformedSignerKey(reason: "it does not start with \"PRIVATE+KEY+\"")) {
            try Ed25519NoteKey(privateKeyString: NoteVectors.shared.go.vkey)
        }
        #expect(throws: NoteError.malformedSignerKey(reason: "an Ed25519 seed is 32 bytes, not 33")) {
            try Ed25519NoteKey(privateKeyString: "PRIVATE+KEY+k+00000000+" + base64([0x01] + [UInt8](repeating: 1, count: 33)))
        }
        #expect(throws: NoteError.unknownKeyType(0x02)) {
            try Ed25519NoteKey(privateKeyString: "PRIVATE+KEY+k+00000000+" + base64([0x02] + [UInt8](repeating: 1, count: 32)))
        }
    }
}

/// Standard base64 through the note format itself (a signature line's payload).
func base64(_ bytes: [UInt8]) -> String {
    precondition(bytes.count >= 4)
    let keyID = bytes.prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
    return NoteSignature(name: "x", keyID: keyID, signature: Array(bytes.dropFirst(4))).base64
}

@Suite struct KeyNameBytesTests {
    @Test func plusBeforeACombiningMarkStillSeparates() {
        // "+\u{301}" is one Character in Swift; the separator must still be found.
        #expect(throws: NoteError.malformedVerifierKey(reason: "the key ID \"\u{301}530d903a\" is not 8 hex digits")) {
            try VerifierKey.parse("example.com/foo+\u{301}530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k")
        }
    }

    @Test func canonicallyEquivalentNamesAreDifferentKeys() throws {
        // "é" precomposed and decomposed: equal as Swift Strings, different keys in a note.
        let signer = try Ed25519NoteKey.Signer(name: "caf\u{e9}", privateKey: Ed25519PrivateKey())
        var note = try Note(parsing: try NoteSigning.sign(text: "x\n", with: [signer]))
        note.signatures[0].name = "cafe\u{301}"
        #expect(note.signatures[0].name == "caf\u{e9}")   // Swift's String equality
        #expect(note.signatures[0] != NoteSignature(name: "caf\u{e9}", keyID: signer.keyID, signature: note.signatures[0].signature))
        #expect(throws: NoteError.noVerifiedSignature(unknownKeys: ["cafe\u{301}+" + hex(signer.keyID)])) {
            try NoteSigning.verify(note, verifiers: [signer.verifier])
        }
    }
}
