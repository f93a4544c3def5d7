import QCreditCrypto
import SignedNote

/// A key that signs exports: the log's checkpoint signer, with its verifier key and PEM public
/// key, which go into the export as `verifier-keys` and `<type>-<key id>.pub.pem`.
///
/// The parts are taken as given (as the daemon holds them) and checked by ``validate()``, which
/// the writer calls before it writes anything: the verifier key must parse, be of ``type``, name
/// the signer's name and key ID, and the PEM must hold the same public key. The same keys must
/// have signed the source's checkpoint: the writer checks that the checkpoint opens with them.
///
/// ```swift
/// let key = try ExportSigningKey(name: "qcredit.example.gov.cn/registry", privateKey: .ed25519(try Ed25519PrivateKey()))
/// key.type          // "ed25519"
/// key.verifierKey   // "qcredit.example.gov.cn/registry+6f557b3a+AXQz…"
///
/// // From the daemon's log keys:
/// let keys = log.keys.map {
///     ExportSigningKey(type: $0.kind.rawValue, verifierKey: $0.verifierKey, publicKeyPEM: $0.publicKeyPEM, signer: $0.signer)
/// }
/// ```
public struct ExportSigningKey: Sendable {
    /// `"ed25519"` or `"sm2"`: an ``ExportKeyType`` raw value.
    public var type: String
    /// `<name>+<8 hex key id>+<base64 encoded key>`.
    public var verifierKey: String
    /// SubjectPublicKeyInfo PEM ("-----BEGIN PUBLIC KEY-----").
    public var publicKeyPEM: String
    public var signer: any NoteSigner

    /// A key from its parts, unchecked until ``validate()`` (the writer calls it).
    public init(type: String, verifierKey: String, publicKeyPEM: String, signer: any NoteSigner) {
        self.type = type
        self.verifierKey = verifierKey
        self.publicKeyPEM = publicKeyPEM
        self.signer = signer
    }

    /// The key of a private key under a note key name (the log's origin, usually).
    public init(name: String, privateKey: PrivateKey) throws(ExportError) {
        do {
            switch privateKey {
            case .ed25519(let key):
                let noteKey = try Ed25519NoteKey(name: name, privateKey: key)
                self.init(
                    type: ExportKeyType.ed25519.rawValue, verifierKey: noteKey.verifierKey,
                    publicKeyPEM: try key.publicKey.spkiPEM(), signer: noteKey.signer)
            case .sm2(let key):
                let noteKey = try SM2NoteKey(name: name, privateKey: key)
                self.init(
                    type: ExportKeyType.sm2.rawValue, verifierKey: noteKey.verifierKey,
                    publicKeyPEM: try key.publicKey.spkiPEM(), signer: noteKey.signer)
            }
        } catch {
            throw .invalidKey("\(name): \(error)")
        }
    }

    /// The signer's key ID.
    public var keyID: UInt32 { signer.keyID }

    /// Checks that the parts belong together; throws ``ExportError/invalidKey(_:)`` saying how not.
    public func validate() throws(ExportError) {
        _ = try checked()
    }

    /// The key with its parts checked, its verifier parsed and its PEM in OpenSSL's form.
    func checked() throws(ExportError) -> CheckedSigningKey {
        guard let keyType = ExportKeyType(rawValue: type) else {
            throw .invalidKey("key type \"\(type)\" is neither ed25519 nor sm2")
        }
        let verifier: any PublicNoteKey
        do {
            verifier = try VerifierKey.parse(verifierKey)
        } catch {
            throw .invalidKey("verifier key \(verifierKey): \(error)")
        }
        guard ExportKeyType(encodedKeyType: verifier.encodedKey[0]) == keyType else {
            throw .invalidKey("verifier key \(verifierKey) is not an \(type) key")
        }
        guard verifier.name.utf8.elementsEqual(signer.name.utf8), verifier.keyID == signer.keyID else {
            throw .invalidKey("verifier key \(verifierKey) is not the key of signer \(signer.name)+\(Hex.keyID(signer.keyID))")
        }
        let derivedPEM: String
        let samePoint: Bool
        do {
            switch verifier {
            case let key as Ed25519NoteKey.Verifier:
                derivedPEM = try key.publicKey.spkiPEM()
                samePoint = try Ed25519PublicKey(spkiPEM: publicKeyPEM) == key.publicKey
            case let key as SM2NoteKey.Verifier:
                derivedPEM = try key.publicKey.spkiPEM()
                samePoint = try SM2PublicKey(spkiPEM: publicKeyPEM) == key.publicKey
            default:
                throw ExportError.invalidKey("verifier key \(verifierKey) is of an unknown type")
            }
        } catch let error as ExportError {
            throw error
        } catch {
            throw .invalidKey("PEM public key of \(verifierKey): \(error)")
        }
        guard samePoint else { throw .invalidKey("the PEM public key is not the key of \(verifierKey)") }
        return CheckedSigningKey(
            type: keyType, verifierKey: verifierKey, publicKeyPEM: derivedPEM, signer: signer, verifier: verifier)
    }
}
