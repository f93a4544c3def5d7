import QCreditCrypto

/// An Ed25519 note key (signature type 0x01 of c2sp.org/signed-note) under a name: its
/// ``Signer`` and its ``Verifier``.
///
/// The key ID is SHA-256(name ‖ 0x0A ‖ 0x01 ‖ 32-byte public key)[:4], big-endian; the verifier
/// key string is `<name>+<8 hex>+<base64(0x01 ‖ key)>`, what Go's `note.NewVerifier` reads.
///
/// ```swift
/// let key = try Ed25519NoteKey(name: "log.qcredit.example", privateKey: try Ed25519PrivateKey())
/// let signed = try NoteSigning.sign(text: "checkpoint\n", with: [key.signer])
/// key.verifierKey   // "log.qcredit.example+<8 hex digits>+A…" (base64 of 0x01 ‖ key)
///
/// // Elsewhere, with only the public key:
/// let verifier = try Ed25519NoteKey.Verifier(name: "log.qcredit.example", publicKey: publicKey)
/// _ = try NoteSigning.open(signed, verifiers: [verifier])
/// ```
public struct Ed25519NoteKey: Sendable {
    /// The signature type byte c2sp.org/signed-note assigns to Ed25519.
    public static let signatureType: UInt8 = 0x01

    /// Signs note texts.
    public let signer: Signer

    /// The key for `privateKey` under `name`, which must be a valid key name.
    public init(name: String, privateKey: Ed25519PrivateKey) throws(NoteError) {
        signer = try Signer(name: name, privateKey: privateKey)
    }

    /// The key of a Go private key string, `PRIVATE+KEY+<name>+<8 hex key ID>+<base64(0x01 ‖ 32-byte seed)>`
    /// (what `note.GenerateKey` prints and `note.NewSigner` reads); the key ID must match.
    ///
    /// ```swift
    /// let key = try Ed25519NoteKey(
    ///     privateKeyString: "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz")
    /// key.verifierKey   // "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
    /// ```
    public init(privateKeyString: String) throws(NoteError) {
        let (private1, afterPrivate) = VerifierKey.chop(Substring(privateKeyString), at: "+")
        let (private2, afterKey) = VerifierKey.chop(afterPrivate, at: "+")
        let (name, afterName) = VerifierKey.chop(afterKey, at: "+")
        let (keyIDText, keyText) = VerifierKey.chop(afterName, at: "+")
        guard private1 == "PRIVATE", private2 == "KEY" else {
            throw .malformedSignerKey(reason: "it does not start with \"PRIVATE+KEY+\"")
        }
        guard NoteSignature.isValidKeyName(String(name)) else { throw .invalidKeyName(String(name)) }
        guard let keyID = VerifierKey.parseKeyID(keyIDText) else {
            throw .malformedSignerKey(reason: "the key ID \"\(keyIDText)\" is not 8 hex digits")
        }
        guard let key = Base64.decode(keyText), let type = key.first else {
            throw .malformedSignerKey(reason: "the key is not non-empty standard base64")
        }
        guard type == Self.signatureType else { throw .unknownKeyType(type) }
        guard key.count == 33 else { throw .malformedSignerKey(reason: "an Ed25519 seed is 32 bytes, not \(key.count - 1)") }
        let privateKey: Ed25519PrivateKey
        do {
            privateKey = try Ed25519PrivateKey(seed: Array(key.dropFirst()))
        } catch {
            throw .malformedSignerKey(reason: "\(error)")
        }
        try self.init(name: String(name), privateKey: privateKey)
        // Go checks the ID after deriving the public key from the seed, and so do we.
        guard self.keyID == keyID else { throw .keyIDMismatch(name: self.name, stated: keyID, computed: self.keyID) }
    }

    /// The key name.
    public var name: String { signer.name }
    /// The key ID.
    public var keyID: UInt32 { signer.keyID }
    /// Checks signatures by this key.
    public var verifier: Verifier { signer.verifier }
    /// The verifier key string: `<name>+<key ID hex>+<base64(0x01 ‖ key)>`.
    public var verifierKey: String { signer.verifier.verifierKey }

    /// The signing half: name, key ID and private key.
    public struct Signer: NoteSigner {
        /// The matching verifier (name, key ID, public key).
        public let verifier: Verifier
        public let privateKey: Ed25519PrivateKey

        public var name: String { verifier.name }
        public var keyID: UInt32 { verifier.keyID }

        /// The signer for `privateKey` under `name`, which must be a valid key name.
        public init(name: String, privateKey: Ed25519PrivateKey) throws(NoteError) {
            verifier = try Verifier(name: name, publicKey: privateKey.publicKey)
            self.privateKey = privateKey
        }

        /// Signs `text` with Ed25519: 64 bytes.
        public func sign(_ text: [UInt8]) throws -> [UInt8] { try privateKey.sign(text) }
    }

    /// The verifying half: name, key ID and public key.
    public struct Verifier: PublicNoteKey, Hashable {
        public let name: String
        public let keyID: UInt32
        public let publicKey: Ed25519PublicKey

        /// The verifier for `publicKey` under `name`, which must be a valid key name.
        public init(name: String, publicKey: Ed25519PublicKey) throws(NoteError) {
            guard NoteSignature.isValidKeyName(name) else { throw .invalidKeyName(name) }
            self.name = name
            self.publicKey = publicKey
            self.keyID = VerifierKey.keyID(name: name, encodedKey: [Ed25519NoteKey.signatureType] + publicKey.raw)
        }

        /// `0x01 ‖ 32-byte public key`.
        public var encodedKey: [UInt8] { [Ed25519NoteKey.signatureType] + publicKey.raw }

        /// The verifier key string: `<name>+<key ID hex>+<base64(0x01 ‖ key)>`.
        public var verifierKey: String { VerifierKey.string(for: self) }

        /// Whether `signature` is this key's Ed25519 signature over `text`.
        public func isValid(signature: [UInt8], for text: [UInt8]) -> Bool {
            publicKey.isValidSignature(signature, for: text)
        }

        /// Equal when names (as UTF-8 bytes) and public keys are.
        public static func == (lhs: Verifier, rhs: Verifier) -> Bool {
            lhs.name.utf8.elementsEqual(rhs.name.utf8) && lhs.publicKey == rhs.publicKey
        }

        public func hash(into hasher: inout Hasher) {
            hasher.combine(Array(name.utf8))
            hasher.combine(publicKey)
        }
    }
}
