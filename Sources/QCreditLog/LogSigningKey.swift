import QCreditCrypto
import SignedNote

/// A key the log signs checkpoints with, and what verifiers need to know about it.
///
/// Ed25519 keys sign as C2SP signature type 0x01; SM2 keys sign with SM3 as type 0xff followed by
/// the identifier `qcredit/sm2-sm3@v1`, with the GM/T 0009 distinguishing ID `1234567812345678`.
public struct LogSigningKey: Sendable {
    public enum Kind: String, Sendable { case ed25519, sm2 }

    public let kind: Kind
    public let name: String
    public let signer: any NoteSigner
    /// `<name>+<key id>+<base64 key>`, as `qcredit verify-proof --vkey` and Go's note package take it.
    public let verifierKey: String
    public let publicKeyPEM: String

    public init(name: String, key: PrivateKey) throws {
        self.name = name
        switch key {
        case .ed25519(let privateKey):
            let noteKey = try Ed25519NoteKey(name: name, privateKey: privateKey)
            kind = .ed25519
            signer = noteKey.signer
            verifierKey = noteKey.verifierKey
            publicKeyPEM = try privateKey.publicKey.spkiPEM()
        case .sm2(let privateKey):
            let noteKey = try SM2NoteKey(name: name, privateKey: privateKey)
            kind = .sm2
            signer = noteKey.signer
            verifierKey = noteKey.verifierKey
            publicKeyPEM = try privateKey.publicKey.spkiPEM()
        }
    }

    public var keyID: UInt32 { signer.keyID }
}

extension LogSigningKey {
    /// The SM2 distinguishing ID every SM2 signature of the log uses (GM/T 0009's default;
    /// OpenSSL 3.0 would otherwise use an empty one).
    public static let sm2DistinguishingID = "1234567812345678"
}
