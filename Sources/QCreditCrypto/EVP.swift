import COpenSSL

/// Internal helpers shared by the key types: the EVP calls every algorithm makes the same way.
/// `EVP_PKEY`, `EVP_PKEY_CTX`, `EVP_MD_CTX` and `BIO` are incomplete C types, so Swift sees
/// them as `OpaquePointer`.
enum EVP {
    /// Calls `body` with a pointer to the bytes of `bytes` and their count. The pointer is never
    /// nil, even for an empty collection, because some OpenSSL paths reject a NULL input.
    static func withBytes<R>(
        _ bytes: some Collection<UInt8>, _ body: (UnsafePointer<UInt8>, Int) throws -> R
    ) rethrows -> R {
        if bytes.isEmpty {
            var zero: UInt8 = 0
            return try withUnsafePointer(to: &zero) { try body($0, 0) }
        }
        if let result = try bytes.withContiguousStorageIfAvailable({ try body($0.baseAddress!, $0.count) }) {
            return result
        }
        return try Array(bytes).withUnsafeBufferPointer { try body($0.baseAddress!, $0.count) }
    }

    /// Generates a key of the named algorithm ("ED25519", "SM2") with the default parameters.
    static func generate(_ algorithm: String, operation: String) throws -> OpaquePointer {
        guard let ctx = EVP_PKEY_CTX_new_from_name(nil, algorithm, nil) else {
            throw CryptoError.openSSL(operation)
        }
        defer { EVP_PKEY_CTX_free(ctx) }
        var key: OpaquePointer?
        guard EVP_PKEY_keygen_init(ctx) == 1, EVP_PKEY_generate(ctx, &key) == 1, let key else {
            throw CryptoError.openSSL(operation)
        }
        return key
    }

    /// The raw public key of an Ed25519 key (32 bytes).
    static func rawPublicKey(_ key: OpaquePointer, operation: String) throws -> [UInt8] {
        var length = 0
        guard EVP_PKEY_get_raw_public_key(key, nil, &length) == 1 else { throw CryptoError.openSSL(operation) }
        var raw = [UInt8](repeating: 0, count: length)
        guard EVP_PKEY_get_raw_public_key(key, &raw, &length) == 1 else { throw CryptoError.openSSL(operation) }
        return Array(raw.prefix(length))
    }

    /// Signs `message` with `key` through `EVP_DigestSign`. `digest` is nil for Ed25519 (which
    /// hashes internally) and "SM3" for SM2; `distinguishingID`, when given, is set on the
    /// signing context before any data is hashed (SM2's Z value depends on it).
    static func sign(
        _ message: some Collection<UInt8>, key: OpaquePointer, digest: String?, distinguishingID: [UInt8]?,
        operation: String
    ) throws -> [UInt8] {
        guard let mdContext = EVP_MD_CTX_new() else { throw CryptoError.openSSL(operation) }
        defer { EVP_MD_CTX_free(mdContext) }
        // The EVP_PKEY_CTX returned here belongs to mdContext: it is freed with it, never by us.
        var keyContext: OpaquePointer?
        guard EVP_DigestSignInit_ex(mdContext, &keyContext, digest, nil, nil, key, nil) == 1 else {
            throw CryptoError.openSSL(operation)
        }
        if let distinguishingID {
            try setDistinguishingID(distinguishingID, on: keyContext, operation: operation)
        }
        return try withBytes(message) { pointer, count in
            // The first call reports the maximum length (72 for SM2's DER); the second the real one.
            var length = 0
            guard EVP_DigestSign(mdContext, nil, &length, pointer, count) == 1 else {
                throw CryptoError.openSSL(operation)
            }
            var signature = [UInt8](repeating: 0, count: length)
            guard EVP_DigestSign(mdContext, &signature, &length, pointer, count) == 1 else {
                throw CryptoError.openSSL(operation)
            }
            return Array(signature.prefix(length))
        }
    }

    /// Verifies `signature` over `message`; any failure, including a malformed signature or an
    /// OpenSSL error, is `false`, and leaves the thread's error queue empty.
    static func verify(
        _ signature: [UInt8], for message: some Collection<UInt8>, key: OpaquePointer, digest: String?,
        distinguishingID: [UInt8]?
    ) -> Bool {
        let valid = verifyOrFail(signature, for: message, key: key, digest: digest, distinguishingID: distinguishingID)
        if !valid { CryptoError.drainErrorQueue() }
        return valid
    }

    private static func verifyOrFail(
        _ signature: [UInt8], for message: some Collection<UInt8>, key: OpaquePointer, digest: String?,
        distinguishingID: [UInt8]?
    ) -> Bool {
        guard !signature.isEmpty, let mdContext = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(mdContext) }
        var keyContext: OpaquePointer?
        guard EVP_DigestVerifyInit_ex(mdContext, &keyContext, digest, nil, nil, key, nil) == 1 else { return false }
        if let distinguishingID {
            guard (try? setDistinguishingID(distinguishingID, on: keyContext, operation: "")) != nil else { return false }
        }
        return withBytes(message) { pointer, count in
            EVP_DigestVerify(mdContext, signature, signature.count, pointer, count) == 1
        }
    }

    private static func setDistinguishingID(_ id: [UInt8], on keyContext: OpaquePointer?, operation: String) throws {
        let status = withBytes(id) { pointer, count in
            qcredit_EVP_PKEY_CTX_set1_id(keyContext, pointer, Int32(count))
        }
        guard status > 0 else { throw CryptoError.openSSL(operation) }
    }

    // MARK: PEM

    /// Reads a PKCS#8 private key ("-----BEGIN PRIVATE KEY-----"); the caller checks its type.
    static func readPrivateKey(pem: String, operation: String) throws -> OpaquePointer {
        try requireLabel("PRIVATE KEY", in: pem, operation: operation)
        return try withMemoryBIO(pem, operation: operation) { bio in
            guard let key = PEM_read_bio_PrivateKey(bio, nil, noPassphrase, nil) else {
                throw CryptoError.openSSL(operation)
            }
            return key
        }
    }

    /// Reads a SubjectPublicKeyInfo public key ("-----BEGIN PUBLIC KEY-----").
    static func readPublicKey(pem: String, operation: String) throws -> OpaquePointer {
        try requireLabel("PUBLIC KEY", in: pem, operation: operation)
        return try withMemoryBIO(pem, operation: operation) { bio in
            guard let key = PEM_read_bio_PUBKEY(bio, nil, noPassphrase, nil) else {
                throw CryptoError.openSSL(operation)
            }
            return key
        }
    }

    /// The private key as unencrypted PKCS#8 PEM.
    static func privateKeyPEM(_ key: OpaquePointer, operation: String) throws -> String {
        try writePEM(operation: operation) { bio in
            PEM_write_bio_PKCS8PrivateKey(bio, key, nil, nil, 0, nil, nil)
        }
    }

    /// The public key as SubjectPublicKeyInfo PEM.
    static func publicKeyPEM(_ key: OpaquePointer, operation: String) throws -> String {
        try writePEM(operation: operation) { bio in PEM_write_bio_PUBKEY(bio, key) }
    }

    /// Why: PEM_read_bio_PrivateKey also accepts legacy formats ("BEGIN EC PRIVATE KEY") and
    /// encrypted PKCS#8; the API promises PKCS#8, so anything else gets a clear error.
    private static func requireLabel(_ label: String, in pem: String, operation: String) throws {
        guard let begin = pem.split(separator: "\n").first(where: { $0.hasPrefix("-----BEGIN ") }) else {
            throw CryptoError(operation: operation, reason: "no PEM block (\"-----BEGIN \(label)-----\") found")
        }
        let found = begin.trimmingSuffix(while: { $0 == "\r" || $0 == " " })
        guard found == "-----BEGIN \(label)-----" else {
            throw CryptoError(
                operation: operation, reason: "expected a \"-----BEGIN \(label)-----\" block, found \"\(found)\""
                    + (found.contains("ENCRYPTED") ? " (encrypted keys are not supported)" : "")
            )
        }
    }

    private static func withMemoryBIO<R>(
        _ text: String, operation: String, _ body: (OpaquePointer) throws -> R
    ) throws -> R {
        var text = text
        return try text.withUTF8 { utf8 in
            guard let bio = BIO_new_mem_buf(utf8.baseAddress, Int32(utf8.count)) else {
                throw CryptoError.openSSL(operation)
            }
            defer { BIO_free(bio) }
            return try body(bio)
        }
    }

    private static func writePEM(operation: String, _ write: (OpaquePointer) -> Int32) throws -> String {
        guard let bio = BIO_new(BIO_s_mem()) else { throw CryptoError.openSSL(operation) }
        defer { BIO_free(bio) }
        guard write(bio) == 1 else { throw CryptoError.openSSL(operation) }
        // BIO_get_mem_data is a macro; reading the BIO drains it the same way.
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1024)
        while true {
            let count = BIO_read(bio, &chunk, Int32(chunk.count))
            if count <= 0 { break }
            output += chunk.prefix(Int(count))
        }
        return String(decoding: output, as: UTF8.self)
    }
}

extension Substring {
    fileprivate func trimmingSuffix(while predicate: (Character) -> Bool) -> Substring {
        var end = endIndex
        while end > startIndex, predicate(self[index(before: end)]) { end = index(before: end) }
        return self[startIndex..<end]
    }
}

/// The PEM passphrase callback. Why one at all: with a NULL callback OpenSSL would prompt on the
/// terminal for the passphrase of an encrypted key; this one supplies none, so such keys fail.
private func noPassphrase(
    _ buffer: UnsafeMutablePointer<CChar>?, _ size: Int32, _ writing: Int32, _ context: UnsafeMutableRawPointer?
) -> Int32 { 0 }
