/// A key that checks signatures on note texts: ``Ed25519NoteKey/Verifier`` or ``SM2NoteKey/Verifier``, or your own.
///
/// A verifier is looked up by both ``name`` and ``keyID``: a signature matching only one of
/// them is from an unknown key and is ignored.
public protocol NoteVerifier: Sendable {
    /// The key name signature lines carry.
    var name: String { get }
    /// The key ID signature lines carry.
    var keyID: UInt32 { get }
    /// Whether `signature` (key ID removed) is this key's valid signature over `text`.
    func isValid(signature: [UInt8], for text: [UInt8]) -> Bool
}

/// A verifier whose public key has an encoding for key strings: the signature type byte(s)
/// followed by the key, from which the key ID is derived (see ``VerifierKey``).
public protocol PublicNoteKey: NoteVerifier {
    /// The signature type followed by the public key: `0x01 ‖ key` for Ed25519,
    /// `0xff ‖ "qcredit/sm2-sm3@v1" ‖ point` for SM2.
    var encodedKey: [UInt8] { get }
}
