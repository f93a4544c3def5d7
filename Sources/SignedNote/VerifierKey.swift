import QCreditCrypto

/// Verifier key strings, `<name>+<8 hex digits key ID>+<base64(encoded key)>`, as Go's
/// `note.NewVerifier` reads them, and key IDs.
///
/// ```swift
/// let verifier = try VerifierKey.parse("example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k")
/// verifier.name                          // "example.com/foo"
/// VerifierKey.string(for: verifier)      // the same string back
/// ```
public enum VerifierKey {
    /// Parses a verifier key string of either supported type, checking that the stated key ID
    /// is the one the name and key give.
    ///
    /// Types: `0x01` followed by a 32-byte Ed25519 key (an ``Ed25519NoteKey/Verifier``); `0xff` followed
    /// by the ASCII bytes `qcredit/sm2-sm3@v1` and a 65-byte uncompressed SM2 point (an ``SM2NoteKey/Verifier``).
    public static func parse(_ text: String) throws(NoteError) -> any PublicNoteKey {
        let (name, afterName) = chop(Substring(text), at: "+")
        let (keyIDText, keyText) = chop(afterName, at: "+")
        guard NoteSignature.isValidKeyName(String(name)) else { throw .invalidKeyName(String(name)) }
        guard let keyID = parseKeyID(keyIDText) else {
            throw .malformedVerifierKey(reason: "the key ID \"\(keyIDText)\" is not 8 hex digits")
        }
        guard let encodedKey = Base64.decode(keyText), let type = encodedKey.first else {
            throw .malformedVerifierKey(reason: "the key is not non-empty standard base64")
        }
        let computed = Self.keyID(name: String(name), encodedKey: encodedKey)
        guard computed == keyID else { throw .keyIDMismatch(name: String(name), stated: keyID, computed: computed) }
        switch type {
        case Ed25519NoteKey.signatureType:
            let publicKey: Ed25519PublicKey
            do {
                publicKey = try Ed25519PublicKey(raw: Array(encodedKey.dropFirst()))
            } catch {
                throw .malformedVerifierKey(reason: (error as? CryptoError)?.reason ?? "\(error)")
            }
            return try Ed25519NoteKey.Verifier(name: String(name), publicKey: publicKey)
        case SM2NoteKey.signatureType where encodedKey.dropFirst().starts(with: SM2NoteKey.identifier):
            let publicKey: SM2PublicKey
            do {
                publicKey = try SM2PublicKey(uncompressedPoint: Array(encodedKey.dropFirst(1 + SM2NoteKey.identifier.count)))
            } catch {
                throw .malformedVerifierKey(reason: (error as? CryptoError)?.reason ?? "\(error)")
            }
            return try SM2NoteKey.Verifier(name: String(name), publicKey: publicKey)
        default:
            throw .unknownKeyType(type)
        }
    }

    /// The verifier key string of `verifier`: `<name>+<key ID, 8 lower-case hex digits>+<base64(encoded key)>`.
    public static func string(for verifier: some PublicNoteKey) -> String {
        "\(verifier.name)+\(hex(verifier.keyID, width: 8))+\(Base64.encode(verifier.encodedKey))"
    }

    /// The conventional key ID: the first four bytes, big-endian, of
    /// SHA-256(name ‖ 0x0A ‖ encoded key), where the encoded key starts with the signature type.
    public static func keyID(name: String, encodedKey: [UInt8]) -> UInt32 {
        Digest.sha256(Array(name.utf8) + [0x0a] + encodedKey).prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
    }

    /// Go's `chop`: the text before the first `separator` byte and the text after it (empty if
    /// none). Why bytes: a "+" followed by a combining mark is one Swift Character, not a "+".
    static func chop(_ text: Substring, at separator: Unicode.Scalar) -> (Substring, Substring) {
        guard let index = text.utf8.firstIndex(of: UInt8(ascii: separator)) else { return (text, "") }
        return (text[..<index], text[text.utf8.index(after: index)...])
    }

    /// Exactly 8 hex digits (either case), as Go's key strings carry them.
    static func parseKeyID(_ text: Substring) -> UInt32? {
        let isHexDigit = { (byte: UInt8) in (0x30...0x39).contains(byte) || (0x61...0x66).contains(byte | 0x20) }
        guard text.utf8.count == 8, text.utf8.allSatisfy(isHexDigit) else { return nil }
        return UInt32(text, radix: 16)
    }
}
