import QCreditCrypto

/// An SM2 note key under a name: its ``Signer`` and its ``Verifier``.
///
/// qcredit's own signature type, under the 0xff escape of c2sp.org/signed-note:
/// - encoded key: `0xff ‖ "qcredit/sm2-sm3@v1" (18 ASCII bytes, no terminator) ‖ 65-byte
///   uncompressed point (0x04 ‖ X ‖ Y)`, 84 bytes;
/// - key ID: SHA-256(name ‖ 0x0A ‖ encoded key)[:4], big-endian;
/// - signature: SM2 with SM3 over the note text, Z computed with the distinguishing ID
///   `1234567812345678`, DER-encoded `SEQUENCE { INTEGER r, INTEGER s }` (70–72 bytes), randomised;
/// - verifier key string: `<name>+<8 hex>+<base64(encoded key)>`.
///
/// ```swift
/// let key = try SM2NoteKey(name: "log.qcredit.example/sm2", privateKey: try SM2PrivateKey())
/// let signed = try NoteSigning.sign(text: "checkpoint\n", with: [key.signer])
/// _ = try NoteSigning.open(signed, verifiers: [key.verifier])
/// ```
public struct SM2NoteKey: Sendable {
    /// The c2sp.org/signed-note byte for types it does not assign, followed by ``identifier``.
    public static let signatureType: UInt8 = 0xff
    /// The identifier after the type byte: the 18 ASCII bytes of "qcredit/sm2-sm3@v1".
    public static let identifier: [UInt8] = Array("qcredit/sm2-sm3@v1".utf8)
    /// The distinguishing ID every SM2 note signature uses (GM/T 0009's default).
    public static let distinguishingID = SM2.defaultDistinguishingID

    /// Signs note texts.
    public let signer: Signer

    /// The key for `privateKey` under `name`, which must be a valid key name.
    public init(name: String, privateKey: SM2PrivateKey) throws(NoteError) {
        signer = try Signer(name: name, privateKey: privateKey)
    }

    /// The key name.
    public var name: String { signer.name }
    /// The key ID.
    public var keyID: UInt32 { signer.keyID }
    /// Checks signatures by this key.
    public var verifier: Verifier { signer.verifier }
    /// The verifier key string: `<name>+<key ID hex>+<base64(encoded key)>`.
    public var verifierKey: String { signer.verifier.verifierKey }

    /// The signing half: name, key ID and private key.
    public struct Signer: NoteSigner {
        /// The matching verifier (name, key ID, public key).
        public let verifier: Verifier
        public let privateKey: SM2PrivateKey

        public var name: String { verifier.name }
        public var keyID: UInt32 { verifier.keyID }

        /// The signer for `privateKey` under `name`, which must be a valid key name.
        public init(name: String, privateKey: SM2PrivateKey) throws(NoteError) {
            verifier = try Verifier(name: name, publicKey: privateKey.publicKey)
            self.privateKey = privateKey
        }

        /// Signs `text`: DER SM2-with-SM3, ID 1234567812345678, randomised.
        public func sign(_ text: [UInt8]) throws -> [UInt8] {
            try privateKey.sign(text, distinguishingID: SM2NoteKey.distinguishingID)
        }
    }

    /// The verifying half: name, key ID and public key.
    public struct Verifier: PublicNoteKey, Hashable {
        public let name: String
        public let keyID: UInt32
        public let publicKey: SM2PublicKey

        /// The verifier for `publicKey` under `name`, which must be a valid key name.
        public init(name: String, publicKey: SM2PublicKey) throws(NoteError) {
            guard NoteSignature.isValidKeyName(name) else { throw .invalidKeyName(name) }
            self.name = name
            self.publicKey = publicKey
            self.keyID = VerifierKey.keyID(name: name, encodedKey: Self.encode(publicKey))
        }

        /// `0xff ‖ "qcredit/sm2-sm3@v1" ‖ 65-byte uncompressed point`.
        public var encodedKey: [UInt8] { Self.encode(publicKey) }

        /// The verifier key string: `<name>+<key ID hex>+<base64(encoded key)>`.
        public var verifierKey: String { VerifierKey.string(for: self) }

        /// Whether `signature` is this key's DER SM2-with-SM3 signature over `text` with ID 1234567812345678.
        public func isValid(signature: [UInt8], for text: [UInt8]) -> Bool {
            publicKey.isValidSignature(signature, for: text, distinguishingID: SM2NoteKey.distinguishingID)
        }

        /// Equal when names (as UTF-8 bytes) and public keys are.
        public static func == (lhs: Verifier, rhs: Verifier) -> Bool {
            lhs.name.utf8.elementsEqual(rhs.name.utf8) && lhs.publicKey == rhs.publicKey
        }

        public func hash(into hasher: inout Hasher) {
            hasher.combine(Array(name.utf8))
            hasher.combine(publicKey)
        }

        private static func encode(_ publicKey: SM2PublicKey) -> [UInt8] {
            [SM2NoteKey.signatureType] + SM2NoteKey.identifier + publicKey.uncompressedPoint
        }
    }
}
