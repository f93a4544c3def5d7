import COpenSSL

/// An Ed25519 private key (RFC 8032), held by OpenSSL.
///
/// Signatures are deterministic: the same key and message always give the same 64 bytes.
///
/// ```swift
/// let key = try Ed25519PrivateKey()
/// let signature = try key.sign(Array("checkpoint\n".utf8))
/// assert(key.publicKey.isValidSignature(signature, for: Array("checkpoint\n".utf8)))
/// let pem = try key.pkcs8PEM()            // "-----BEGIN PRIVATE KEY-----\n…"
/// let again = try Ed25519PrivateKey(pkcs8PEM: pem)
/// ```
public final class Ed25519PrivateKey: @unchecked Sendable {
    // Why @unchecked: the EVP_PKEY is never mutated after init, and OpenSSL 3 allows concurrent
    // signing with one key from several threads (each call makes its own contexts).
    let key: OpaquePointer
    /// The matching public key.
    public let publicKey: Ed25519PublicKey

    /// Generates a new random key.
    public init() throws {
        let key = try EVP.generate("ED25519", operation: "Ed25519 key generation")
        self.key = key
        do { publicKey = try Ed25519PublicKey(sharing: key) } catch { EVP_PKEY_free(key); throw error }
    }

    /// The key for a 32-byte RFC 8032 private key (the "seed" that Go's `ed25519.NewKeyFromSeed` takes).
    public init(seed: [UInt8]) throws {
        let operation = "Ed25519 private key import"
        guard seed.count == 32 else {
            throw CryptoError(operation: operation, reason: "expected a 32-byte seed, got \(seed.count) bytes")
        }
        guard let key = EVP_PKEY_new_raw_private_key_ex(nil, "ED25519", nil, seed, seed.count) else {
            throw CryptoError.openSSL(operation)
        }
        self.key = key
        do { publicKey = try Ed25519PublicKey(sharing: key) } catch { EVP_PKEY_free(key); throw error }
    }

    /// Reads an unencrypted PKCS#8 PEM private key ("-----BEGIN PRIVATE KEY-----"), which must
    /// be an Ed25519 key.
    public convenience init(pkcs8PEM: String) throws {
        let key = try EVP.readPrivateKey(pem: pkcs8PEM, operation: "Ed25519 private key import")
        try self.init(taking: key, operation: "Ed25519 private key import")
    }

    /// Takes ownership of `key` (freed on failure), which must be an Ed25519 key.
    init(taking key: OpaquePointer, operation: String) throws {
        guard EVP_PKEY_is_a(key, "ED25519") == 1 else {
            let type = String(cString: EVP_PKEY_get0_type_name(key))
            EVP_PKEY_free(key)
            throw CryptoError(operation: operation, reason: "the key is \(type), not Ed25519")
        }
        self.key = key
        do { publicKey = try Ed25519PublicKey(sharing: key) } catch { EVP_PKEY_free(key); throw error }
    }

    deinit { EVP_PKEY_free(key) }

    /// Signs `message` (pure Ed25519, no pre-hashing): 64 bytes.
    public func sign(_ message: some Collection<UInt8>) throws -> [UInt8] {
        try EVP.sign(message, key: key, digest: nil, distinguishingID: nil, operation: "Ed25519 signing")
    }

    /// The key as unencrypted PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----"), as `openssl genpkey` writes it.
    public func pkcs8PEM() throws -> String {
        try EVP.privateKeyPEM(key, operation: "Ed25519 private key export")
    }
}
