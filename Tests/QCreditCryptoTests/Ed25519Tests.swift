@testable import QCreditCrypto
import Testing

@Suite struct Ed25519Tests {
    @Test(arguments: CryptoVectors.shared.ed25519)
    func rfc8032Vector(_ vector: CryptoVectors.Ed25519Vector) throws {
        let key = try Ed25519PrivateKey(seed: [UInt8](hex: vector.seed))
        #expect(key.publicKey.raw.hex == vector.publicKey)
        let message = [UInt8](hex: vector.message)
        let signature = try key.sign(message)
        #expect(signature.hex == vector.signature)

        let publicKey = try Ed25519PublicKey(raw: [UInt8](hex: vector.publicKey))
        #expect(publicKey == key.publicKey)
        #expect(publicKey.isValidSignature([UInt8](hex: vector.signature), for: message))
        #expect(!publicKey.isValidSignature([UInt8](hex: vector.signature), for: message + [0]))
    }

    @Test func signaturesAreDeterministicAndTamperingIsDetected() throws {
        let key = try Ed25519PrivateKey()
        let message = Array("checkpoint\n".utf8)
        let signature = try key.sign(message)
        #expect(signature.count == 64)
        #expect(try key.sign(message) == signature)
        #expect(key.publicKey.isValidSignature(signature, for: message))
        // Any bit flipped in the signature or the message, or the wrong key, fails.
        for index in signature.indices {
            var tampered = signature
            tampered[index] ^= 0x01
            #expect(!key.publicKey.isValidSignature(tampered, for: message))
        }
        #expect(!key.publicKey.isValidSignature(signature, for: Array("checkpoint\r".utf8)))
        #expect(!(try Ed25519PrivateKey()).publicKey.isValidSignature(signature, for: message))
        #expect(!key.publicKey.isValidSignature(Array(signature.prefix(63)), for: message))
        #expect(!key.publicKey.isValidSignature([], for: message))
        // A failed verification leaves nothing on the thread's OpenSSL error queue.
        #expect(CryptoError.drainErrorQueue() == nil)
    }

    @Test func pemRoundTrips() throws {
        let key = try Ed25519PrivateKey()
        let pem = try key.pkcs8PEM()
        #expect(pem.hasPrefix("-----BEGIN PRIVATE KEY-----\n"))
        #expect(pem.hasSuffix("-----END PRIVATE KEY-----\n"))
        let reloaded = try Ed25519PrivateKey(pkcs8PEM: pem)
        #expect(reloaded.publicKey == key.publicKey)
        #expect(try reloaded.sign([1, 2, 3]) == key.sign([1, 2, 3]))

        let publicPEM = try key.publicKey.spkiPEM()
        #expect(publicPEM.hasPrefix("-----BEGIN PUBLIC KEY-----\n"))
        #expect(try Ed25519PublicKey(spkiPEM: publicPEM) == key.publicKey)
        #expect(Set([key.publicKey, try Ed25519PublicKey(spkiPEM: publicPEM)]).count == 1)
    }

    @Test func seedKeyEncodesAsRFC8410() throws {
        // RFC 8410 PKCS#8 of TEST 1's seed: fixed prefix, then the 32 bytes.
        let seed = [UInt8](hex: CryptoVectors.shared.ed25519[0].seed)
        let pem = try Ed25519PrivateKey(seed: seed).pkcs8PEM()
        #expect(pem == "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n-----END PRIVATE KEY-----\n")
    }

    @Test func badInputsAreRefusedWithReasons() throws {
        #expect(throws: CryptoError(operation: "Ed25519 private key import", reason: "expected a 32-byte seed, got 31 bytes")) {
            try Ed25519PrivateKey(seed: [UInt8](repeating: 7, count: 31))
        }
        #expect(throws: CryptoError(operation: "Ed25519 public key import", reason: "expected 32 bytes, got 33")) {
            try Ed25519PublicKey(raw: [UInt8](repeating: 7, count: 33))
        }
        let sm2PEM = try SM2PrivateKey().pkcs8PEM()
        let error = try #require(throws: CryptoError.self) { try Ed25519PrivateKey(pkcs8PEM: sm2PEM) }
        #expect(error.description == "Ed25519 private key import failed: the key is SM2, not Ed25519")

        let garbled = try #require(throws: CryptoError.self) {
            try Ed25519PrivateKey(pkcs8PEM: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
        }
        #expect(garbled.operation == "Ed25519 private key import")
        #expect(!garbled.reason.isEmpty)
        // OpenSSL's reason was taken off the queue with the error.
        #expect(CryptoError.drainErrorQueue() == nil)

        let noPEM = try #require(throws: CryptoError.self) { try Ed25519PrivateKey(pkcs8PEM: "hello") }
        #expect(noPEM.reason.contains("no PEM block"))
        let publicAsPrivate = try #require(throws: CryptoError.self) {
            try Ed25519PrivateKey(pkcs8PEM: try Ed25519PrivateKey().publicKey.spkiPEM())
        }
        #expect(publicAsPrivate.reason == "expected a \"-----BEGIN PRIVATE KEY-----\" block, found \"-----BEGIN PUBLIC KEY-----\"")
    }

    @Test func encryptedKeysAreRefusedWithoutPrompting() throws {
        let encrypted = """
            -----BEGIN ENCRYPTED PRIVATE KEY-----
            MIGbMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAhTQGu3Ag5rGwICCAAw
            -----END ENCRYPTED PRIVATE KEY-----

            """
        let error = try #require(throws: CryptoError.self) { try Ed25519PrivateKey(pkcs8PEM: encrypted) }
        #expect(error.reason.contains("encrypted keys are not supported"))
    }

    @Test(.enabled(if: OpenSSLCLI.isAvailable))
    func interoperatesWithTheOpenSSLCommandLine() async throws {
        let directory = try ScratchDirectory()
        defer { directory.remove() }
        let message = Array("tree size 42\nroot hash\n".utf8)
        try directory.write(message, to: "message")

        // The CLI's key and signature, read and verified in Swift.
        try await OpenSSLCLI.succeed(["genpkey", "-algorithm", "ED25519", "-out", "cli.key"], in: directory)
        try await OpenSSLCLI.succeed(["pkey", "-in", "cli.key", "-pubout", "-out", "cli.pub"], in: directory)
        try await OpenSSLCLI.succeed(
            ["pkeyutl", "-sign", "-rawin", "-inkey", "cli.key", "-in", "message", "-out", "cli.sig"], in: directory
        )
        let cliKey = try Ed25519PrivateKey(pkcs8PEM: directory.readText("cli.key"))
        let cliPublic = try Ed25519PublicKey(spkiPEM: directory.readText("cli.pub"))
        #expect(cliKey.publicKey == cliPublic)
        let cliSignature = try directory.read("cli.sig")
        #expect(cliPublic.isValidSignature(cliSignature, for: message))
        #expect(try cliKey.sign(message) == cliSignature)   // deterministic: the same bytes

        // Swift's key and signature, verified by the CLI.
        let key = try Ed25519PrivateKey()
        try directory.write(Array(try key.publicKey.spkiPEM().utf8), to: "swift.pub")
        try directory.write(try key.sign(message), to: "swift.sig")
        let verified = try await OpenSSLCLI.run(
            ["pkeyutl", "-verify", "-rawin", "-pubin", "-inkey", "swift.pub", "-in", "message", "-sigfile", "swift.sig"],
            in: directory
        )
        #expect(verified.status == 0, "\(verified.output)")
        #expect(verified.output.contains("Signature Verified Successfully"))

        // The CLI also reads Swift's private key file.
        try directory.write(Array(try key.pkcs8PEM().utf8), to: "swift.key")
        try await OpenSSLCLI.succeed(["pkey", "-in", "swift.key", "-pubout", "-out", "derived.pub"], in: directory)
        #expect(try Ed25519PublicKey(spkiPEM: directory.readText("derived.pub")) == key.publicKey)

        // And rejects a signature over other bytes.
        try directory.write(message + [0x0a], to: "other")
        let rejected = try await OpenSSLCLI.run(
            ["pkeyutl", "-verify", "-rawin", "-pubin", "-inkey", "swift.pub", "-in", "other", "-sigfile", "swift.sig"],
            in: directory
        )
        #expect(rejected.status != 0)
    }
}
