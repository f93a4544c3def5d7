import QCreditCrypto
import Testing

/// The examples in the doc comments, so they stay true.
@Suite struct DocumentationExampleTests {
    @Test func cryptoErrorExample() {
        #expect(throws: CryptoError.self) { try Ed25519PublicKey(raw: [1, 2, 3]) }
        do {
            _ = try Ed25519PublicKey(raw: [1, 2, 3])
        } catch {
            #expect("\(error)" == "Ed25519 public key import failed: expected 32 bytes, got 3")
        }
    }

    @Test func keyExamples() throws {
        let key = try Ed25519PrivateKey()
        let signature = try key.sign(Array("checkpoint\n".utf8))
        #expect(key.publicKey.isValidSignature(signature, for: Array("checkpoint\n".utf8)))
        let pem = try key.pkcs8PEM()
        #expect(try Ed25519PrivateKey(pkcs8PEM: pem).publicKey == key.publicKey)

        let sm2 = try SM2PrivateKey()
        let message = Array("checkpoint\n".utf8)
        let der = try sm2.sign(message)
        #expect(sm2.publicKey.isValidSignature(der, for: message))
        let raw = try SM2.rawSignature(fromDER: der)
        #expect(raw.count == 64)
        #expect(try SM2.derSignature(fromRaw: raw) == der)

        switch try PrivateKey(pkcs8PEM: pem) {
        case .ed25519(let loaded): #expect(loaded.publicKey.raw == key.publicKey.raw)
        case .sm2: Issue.record("an Ed25519 key was read as SM2")
        }
    }
}
