import COpenSSL

/// An Ed25519 public key (RFC 8032): 32 bytes.
///
/// Equal keys are those with equal ``raw`` bytes.
///
/// ```swift
/// let key = try Ed25519PublicKey(spkiPEM: pem)   // "-----BEGIN PUBLIC KEY-----\n…"
/// let valid = key.isValidSignature(signature, for: Array("checkpoint\n".utf8))
/// ```
public final class Ed25519PublicKey: @unchecked Sendable, Hashable {
    // Why @unchecked: immutable after init; OpenSSL 3 allows concurrent verification with one key.
    let key: OpaquePointer
    /// The 32-byte public key as RFC 8032 encodes it.
    public let raw: [UInt8]

    /// The key for its 32-byte RFC 8032 encoding.
    public init(raw: [UInt8]) throws {
        let operation = "Ed25519 public key import"
        guard raw.count == 32 else {
            throw CryptoError(operation: operation, reason: "expected 32 bytes, got \(raw.count)")
        }
        guard let key = EVP_PKEY_new_raw_public_key_ex(nil, "ED25519", nil, raw, raw.count) else {
            throw CryptoError.openSSL(operation)
        }
        self.key = key
        self.raw = raw
    }

    /// Reads a SubjectPublicKeyInfo PEM public key ("-----BEGIN PUBLIC KEY-----"), which must be Ed25519.
    public init(spkiPEM: String) throws {
        let operation = "Ed25519 public key import"
        let key = try EVP.readPublicKey(pem: spkiPEM, operation: operation)
        guard EVP_PKEY_is_a(key, "ED25519") == 1 else {
            let type = String(cString: EVP_PKEY_get0_type_name(key))
            EVP_PKEY_free(key)
            throw CryptoError(operation: operation, reason: "the key is \(type), not Ed25519")
        }
        do { raw = try EVP.rawPublicKey(key, operation: operation) } catch { EVP_PKEY_free(key); throw error }
        self.key = key
    }

    /// The public half of a private key: a new EVP_PKEY holding only the public bytes, so this
    /// object never keeps the private key alive.
    convenience init(sharing privateKey: OpaquePointer) throws {
        let raw = try EVP.rawPublicKey(privateKey, operation: "Ed25519 public key derivation")
        try self.init(raw: raw)
    }

    deinit { EVP_PKEY_free(key) }

    /// Whether `signature` is a valid Ed25519 signature by this key over `message`. Never throws:
    /// malformed signatures (not 64 bytes, non-canonical S) are simply invalid.
    public func isValidSignature(_ signature: [UInt8], for message: some Collection<UInt8>) -> Bool {
        signature.count == 64 && EVP.verify(signature, for: message, key: key, digest: nil, distinguishingID: nil)
    }

    /// The key as SubjectPublicKeyInfo PEM ("-----BEGIN PUBLIC KEY-----"), as `openssl pkey -pubout` writes it.
    public func spkiPEM() throws -> String {
        try EVP.publicKeyPEM(key, operation: "Ed25519 public key export")
    }

    public static func == (lhs: Ed25519PublicKey, rhs: Ed25519PublicKey) -> Bool { lhs.raw == rhs.raw }
    public func hash(into hasher: inout Hasher) { hasher.combine(raw) }
}
