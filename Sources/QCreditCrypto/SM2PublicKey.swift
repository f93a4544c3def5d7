import COpenSSL

/// An SM2 public key: a point on the SM2 curve, exchanged as 65 bytes `0x04 ‖ X ‖ Y`.
///
/// Equal keys are those with equal ``uncompressedPoint``s.
///
/// ```swift
/// let key = try SM2PublicKey(uncompressedPoint: point)          // 65 bytes
/// let valid = key.isValidSignature(der, for: message)             // ID 1234567812345678
/// let raw = try SM2.rawSignature(fromDER: der)                    // r ‖ s for gmssl
/// ```
public final class SM2PublicKey: @unchecked Sendable, Hashable {
    // Why @unchecked: immutable after init; OpenSSL 3 allows concurrent verification with one key.
    let key: OpaquePointer
    /// The point as `0x04 ‖ X ‖ Y` (SEC 1 uncompressed form), 65 bytes.
    public let uncompressedPoint: [UInt8]

    /// The key for an uncompressed point (65 bytes, `0x04 ‖ X ‖ Y`), which must lie on the SM2
    /// curve (OpenSSL checks it when decoding the point, and the public-key check runs too).
    public init(uncompressedPoint point: [UInt8]) throws {
        let operation = "SM2 public key import"
        guard point.count == 65, point[0] == 0x04 else {
            throw CryptoError(
                operation: operation,
                reason: "expected an uncompressed point of 65 bytes starting with 0x04, got \(point.count) bytes"
                    + (point.first.map { " starting with 0x" + String($0, radix: 16) } ?? "")
            )
        }
        guard let context = EVP_PKEY_CTX_new_from_name(nil, "SM2", nil) else { throw CryptoError.openSSL(operation) }
        defer { EVP_PKEY_CTX_free(context) }
        var imported: OpaquePointer?
        // OSSL_PARAM keeps pointers to its key names and values, so all of them must stay
        // valid until EVP_PKEY_fromdata returns: hence the nesting.
        let status: Int32 = "group".withCString { groupKey in
            "SM2".withCString { groupName in
                "pub".withCString { pubKey in
                    var point = point
                    return point.withUnsafeMutableBytes { pointBytes in
                        var params = [
                            OSSL_PARAM_construct_utf8_string(groupKey, UnsafeMutablePointer(mutating: groupName), 0),
                            OSSL_PARAM_construct_octet_string(pubKey, pointBytes.baseAddress, pointBytes.count),
                            OSSL_PARAM_construct_end(),
                        ]
                        guard EVP_PKEY_fromdata_init(context) == 1 else { return 0 }
                        return EVP_PKEY_fromdata(context, &imported, qcredit_EVP_PKEY_PUBLIC_KEY(), &params)
                    }
                }
            }
        }
        guard status == 1, let imported else { throw CryptoError.openSSL(operation) }
        do { try Self.checkPublicKey(imported, operation: operation) } catch { EVP_PKEY_free(imported); throw error }
        self.key = imported
        self.uncompressedPoint = point
    }

    /// Reads a SubjectPublicKeyInfo PEM public key ("-----BEGIN PUBLIC KEY-----") on the SM2 curve.
    public convenience init(spkiPEM: String) throws {
        let operation = "SM2 public key import"
        let key = try EVP.readPublicKey(pem: spkiPEM, operation: operation)
        defer { EVP_PKEY_free(key) }
        guard EVP_PKEY_is_a(key, "SM2") == 1 else {
            throw CryptoError(
                operation: operation, reason: "the key is \(String(cString: EVP_PKEY_get0_type_name(key))), not SM2"
            )
        }
        try self.init(uncompressedPoint: Self.point(of: key, operation: operation))
    }

    /// The public half of a private key, as a new EVP_PKEY holding only the point.
    convenience init(sharing privateKey: OpaquePointer) throws {
        try self.init(uncompressedPoint: Self.point(of: privateKey, operation: "SM2 public key derivation"))
    }

    deinit { EVP_PKEY_free(key) }

    /// Whether `derSignature` is a valid SM2-with-SM3 signature by this key over `message`, with Z
    /// computed from `distinguishingID`. Never throws: malformed or non-DER signatures are invalid.
    public func isValidSignature(
        _ derSignature: [UInt8], for message: some Collection<UInt8>,
        distinguishingID: String = SM2.defaultDistinguishingID
    ) -> Bool {
        EVP.verify(derSignature, for: message, key: key, digest: "SM3", distinguishingID: Array(distinguishingID.utf8))
    }

    /// The key as SubjectPublicKeyInfo PEM ("-----BEGIN PUBLIC KEY-----").
    public func spkiPEM() throws -> String {
        try EVP.publicKeyPEM(key, operation: "SM2 public key export")
    }

    public static func == (lhs: SM2PublicKey, rhs: SM2PublicKey) -> Bool { lhs.uncompressedPoint == rhs.uncompressedPoint }
    public func hash(into hasher: inout Hasher) { hasher.combine(uncompressedPoint) }

    /// The encoded point of an SM2 key (uncompressed: OpenSSL's default point format).
    private static func point(of key: OpaquePointer, operation: String) throws -> [UInt8] {
        var point = [UInt8](repeating: 0, count: 65)
        var length = 0
        guard EVP_PKEY_get_octet_string_param(key, "pub", &point, point.count, &length) == 1 else {
            throw CryptoError.openSSL(operation)
        }
        guard length == 65, point[0] == 0x04 else {
            throw CryptoError(operation: operation, reason: "the key's point is not in uncompressed form")
        }
        return point
    }

    /// Full public-key validation (on the curve, not infinity, right order).
    private static func checkPublicKey(_ key: OpaquePointer, operation: String) throws {
        guard let context = EVP_PKEY_CTX_new_from_pkey(nil, key, nil) else { throw CryptoError.openSSL(operation) }
        defer { EVP_PKEY_CTX_free(context) }
        guard EVP_PKEY_public_check(context) == 1 else { throw CryptoError.openSSL(operation) }
    }
}
