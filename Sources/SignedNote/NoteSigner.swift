/// A key that signs note texts: ``Ed25519NoteKey/Signer`` or ``SM2NoteKey/Signer``, or your own.
public protocol NoteSigner: Sendable {
    /// The key name written on the signature line.
    var name: String { get }
    /// The key ID written before the signature.
    var keyID: UInt32 { get }
    /// Signs the note text (the UTF-8 bytes, final newline included).
    func sign(_ text: [UInt8]) throws -> [UInt8]
}
