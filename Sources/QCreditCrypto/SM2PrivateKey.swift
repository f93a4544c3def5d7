import COpenSSL

/// An SM2 private key (GB/T 32918, curve SM2 / "sm2p256v1"), held by OpenSSL.
///
/// Signatures are SM2 with SM3, over Z ‖ message where Z hashes the distinguishing ID and the
/// public key; they are DER-encoded and randomised (compare by verifying, never by bytes).
///
/// ```swift
/// let key = try SM2PrivateKey()
/// let signature = try key.sign(Array("checkpoint\n".utf8))   // ID 1234567812345678
/// assert(key.publicKey.isValidSignature(signature, for: Array("checkpoint\n".utf8)))
/// ```
public final class SM2PrivateKey: @unchecked Sendable {
    // Why @unchecked: immutable after init; OpenSSL 3 allows concurrent signing with one key.
    let key: OpaquePointer
    /// The matching public key.
    public let publicKey: SM2PublicKey

    /// Generates a new random key.
    public init() throws {
        let key = try EVP.generate("SM2", operation: "SM2 key generation")
        self.key = key
        do { publicKey = try SM2PublicKey(sharing: key) } catch { EVP_PKEY_free(key); throw error }
    }

    /// Reads an unencrypted PKCS#8 PEM private key ("-----BEGIN PRIVATE KEY-----") on the SM2
    /// curve, as `openssl genpkey -algorithm SM2` writes it.
    public convenience init(pkcs8PEM: String) throws {
        let key = try EVP.readPrivateKey(pem: pkcs8PEM, operation: "SM2 private key import")
        try self.init(taking: key, operation: "SM2 private key import")
    }

    /// Takes ownership of `key` (freed on failure), which must be an SM2 key.
    init(taking key: OpaquePointer, operation: String) throws {
        // Why not also accept "EC" keys on the SM2 curve: EVP would sign those with ECDSA.
        // OpenSSL 3 decodes keys on the SM2 curve as type SM2.
        guard EVP_PKEY_is_a(key, "SM2") == 1 else {
            let type = String(cString: EVP_PKEY_get0_type_name(key))
            EVP_PKEY_free(key)
            throw CryptoError(operation: operation, reason: "the key is \(type), not SM2")
        }
        self.key = key
        do { publicKey = try SM2PublicKey(sharing: key) } catch { EVP_PKEY_free(key); throw error }
    }

    deinit { EVP_PKEY_free(key) }

    /// Signs `message` with SM2-with-SM3, Z computed with `distinguishingID`: a DER
    /// `SEQUENCE { INTEGER r, INTEGER s }` of 70–72 bytes, different on every call.
    public func sign(
        _ message: some Collection<UInt8>, distinguishingID: String = SM2.defaultDistinguishingID
    ) throws -> [UInt8] {
        try EVP.sign(
            message, key: key, digest: "SM3", distinguishingID: Array(distinguishingID.utf8), operation: "SM2 signing"
        )
    }

    /// The key as unencrypted PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----").
    public func pkcs8PEM() throws -> String {
        try EVP.privateKeyPEM(key, operation: "SM2 private key export")
    }
}
