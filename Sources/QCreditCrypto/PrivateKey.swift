import COpenSSL

/// A signing key of either algorithm qcredit supports, as read from a PKCS#8 file.
///
/// ```swift
/// switch try PrivateKey(pkcs8PEM: pem) {
/// case .ed25519(let key): print(key.publicKey.raw)
/// case .sm2(let key): print(key.publicKey.uncompressedPoint)
/// }
/// ```
public enum PrivateKey: Sendable {
    case ed25519(Ed25519PrivateKey)
    case sm2(SM2PrivateKey)

    /// Reads an unencrypted PKCS#8 PEM private key ("-----BEGIN PRIVATE KEY-----") and
    /// detects its algorithm; keys other than Ed25519 and SM2 are refused.
    public init(pkcs8PEM: String) throws {
        let operation = "private key import"
        let key = try EVP.readPrivateKey(pem: pkcs8PEM, operation: operation)
        if EVP_PKEY_is_a(key, "ED25519") == 1 {
            self = .ed25519(try Ed25519PrivateKey(taking: key, operation: operation))
        } else if EVP_PKEY_is_a(key, "SM2") == 1 {
            self = .sm2(try SM2PrivateKey(taking: key, operation: operation))
        } else {
            let type = String(cString: EVP_PKEY_get0_type_name(key))
            EVP_PKEY_free(key)
            throw CryptoError(operation: operation, reason: "the key is \(type); only Ed25519 and SM2 keys are supported")
        }
    }

    /// The algorithm's name as qcredit writes it: "Ed25519" or "SM2".
    public var algorithm: String {
        switch self {
        case .ed25519: "Ed25519"
        case .sm2: "SM2"
        }
    }

    /// The key as unencrypted PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----").
    public func pkcs8PEM() throws -> String {
        switch self {
        case .ed25519(let key): try key.pkcs8PEM()
        case .sm2(let key): try key.pkcs8PEM()
        }
    }
}
