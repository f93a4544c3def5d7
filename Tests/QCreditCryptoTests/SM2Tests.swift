@testable import QCreditCrypto
import Testing

@Suite struct SM2Tests {
    @Test func publishedExampleVerifiesWithTheDefaultIDOnly() throws {
        let vector = try #require(CryptoVectors.shared.sm2.first)
        #expect(vector.distinguishingID == SM2.defaultDistinguishingID)
        let key = try SM2PublicKey(uncompressedPoint: [UInt8](hex: vector.publicKey))
        let message = [UInt8](hex: vector.message)
        #expect(message == Array("message digest".utf8))
        let der = try SM2.derSignature(fromRaw: [UInt8](hex: vector.rawSignature))
        #expect(key.isValidSignature(der, for: message))
        #expect(key.isValidSignature(der, for: message, distinguishingID: vector.distinguishingID))
        // OpenSSL 3.0's own default, the empty ID, gives another Z: the signature fails.
        #expect(!key.isValidSignature(der, for: message, distinguishingID: ""))
        #expect(!key.isValidSignature(der, for: message, distinguishingID: "ALICE123@YAHOO.COM"))
        #expect(!key.isValidSignature(der, for: Array("message digesT".utf8)))
        #expect(CryptoError.drainErrorQueue() == nil)
    }

    @Test func signAndVerify() throws {
        let key = try SM2PrivateKey()
        let message = Array("checkpoint\n".utf8)
        let first = try key.sign(message)
        let second = try key.sign(message)
        // Randomised: two signatures differ, and both verify.
        #expect(first != second)
        for signature in [first, second] {
            #expect(signature.first == 0x30)
            #expect((8...72).contains(signature.count))
            #expect(key.publicKey.isValidSignature(signature, for: message))
            #expect(!key.publicKey.isValidSignature(signature, for: message + [0]))
            #expect(!(try SM2PrivateKey()).publicKey.isValidSignature(signature, for: message))
        }
        #expect(key.publicKey.isValidSignature(try key.sign([]), for: []))
        // The raw form verifies after converting back to DER.
        let raw = try SM2.rawSignature(fromDER: first)
        #expect(key.publicKey.isValidSignature(try SM2.derSignature(fromRaw: raw), for: message))
        // A raw r ‖ s is not DER and does not verify as such.
        #expect(!key.publicKey.isValidSignature(raw, for: message))
    }

    @Test func distinguishingIDMustMatch() throws {
        let key = try SM2PrivateKey()
        let message = Array("checkpoint\n".utf8)
        let withDefault = try key.sign(message)
        let withOther = try key.sign(message, distinguishingID: "qcredit@example")
        #expect(key.publicKey.isValidSignature(withOther, for: message, distinguishingID: "qcredit@example"))
        #expect(!key.publicKey.isValidSignature(withOther, for: message))
        #expect(!key.publicKey.isValidSignature(withDefault, for: message, distinguishingID: "qcredit@example"))
        #expect(!key.publicKey.isValidSignature(withDefault, for: message, distinguishingID: ""))
    }

    @Test func pemAndPointRoundTrips() throws {
        let key = try SM2PrivateKey()
        let pem = try key.pkcs8PEM()
        #expect(pem.hasPrefix("-----BEGIN PRIVATE KEY-----\n"))
        let reloaded = try SM2PrivateKey(pkcs8PEM: pem)
        #expect(reloaded.publicKey == key.publicKey)
        #expect(key.publicKey.isValidSignature(try reloaded.sign([1, 2, 3]), for: [1, 2, 3]))

        let point = key.publicKey.uncompressedPoint
        #expect(point.count == 65 && point[0] == 0x04)
        #expect(try SM2PublicKey(uncompressedPoint: point) == key.publicKey)
        let publicPEM = try key.publicKey.spkiPEM()
        #expect(publicPEM.hasPrefix("-----BEGIN PUBLIC KEY-----\n"))
        #expect(try SM2PublicKey(spkiPEM: publicPEM) == key.publicKey)
    }

    @Test func invalidPointsAreRefused() throws {
        let point = try SM2PrivateKey().publicKey.uncompressedPoint
        var offCurve = point
        offCurve[64] ^= 0x01
        #expect(throws: CryptoError.self) { try SM2PublicKey(uncompressedPoint: offCurve) }
        var compressedPrefix = point
        compressedPrefix[0] = 0x02
        let prefixError = try #require(throws: CryptoError.self) { try SM2PublicKey(uncompressedPoint: compressedPrefix) }
        #expect(prefixError.reason == "expected an uncompressed point of 65 bytes starting with 0x04, got 65 bytes starting with 0x2")
        #expect(throws: CryptoError.self) { try SM2PublicKey(uncompressedPoint: Array(point.prefix(64))) }
        #expect(throws: CryptoError.self) { try SM2PublicKey(uncompressedPoint: [0x04] + [UInt8](repeating: 0, count: 64)) }
        #expect(CryptoError.drainErrorQueue() == nil)
        let edPEM = try Ed25519PrivateKey().pkcs8PEM()
        let typeError = try #require(throws: CryptoError.self) { try SM2PrivateKey(pkcs8PEM: edPEM) }
        #expect(typeError.reason == "the key is ED25519, not SM2")
    }

    @Test(.enabled(if: OpenSSLCLI.isAvailable))
    func interoperatesWithTheOpenSSLCommandLine() async throws {
        let directory = try ScratchDirectory()
        defer { directory.remove() }
        let message = Array("tree size 42\nroot hash\n".utf8)
        try directory.write(message, to: "message")
        let distid = "distid:\(SM2.defaultDistinguishingID)"

        // The CLI's key and signature, read and verified in Swift.
        try await OpenSSLCLI.succeed(["genpkey", "-algorithm", "SM2", "-out", "cli.key"], in: directory)
        try await OpenSSLCLI.succeed(["pkey", "-in", "cli.key", "-pubout", "-out", "cli.pub"], in: directory)
        try await OpenSSLCLI.succeed(
            [
                "pkeyutl", "-sign", "-rawin", "-digest", "sm3", "-inkey", "cli.key", "-pkeyopt", distid,
                "-in", "message", "-out", "cli.sig",
            ],
            in: directory
        )
        let cliKey = try SM2PrivateKey(pkcs8PEM: directory.readText("cli.key"))
        let cliPublic = try SM2PublicKey(spkiPEM: directory.readText("cli.pub"))
        #expect(cliKey.publicKey == cliPublic)
        let cliSignature = try directory.read("cli.sig")
        #expect(cliPublic.isValidSignature(cliSignature, for: message))
        #expect(!cliPublic.isValidSignature(cliSignature, for: message, distinguishingID: ""))

        // Swift's key and signature, verified by the CLI with the same ID, and not with another.
        let key = try SM2PrivateKey()
        try directory.write(Array(try key.publicKey.spkiPEM().utf8), to: "swift.pub")
        try directory.write(try key.sign(message), to: "swift.sig")
        let verify = [
            "pkeyutl", "-verify", "-rawin", "-digest", "sm3", "-pubin", "-inkey", "swift.pub",
            "-in", "message", "-sigfile", "swift.sig", "-pkeyopt",
        ]
        let verified = try await OpenSSLCLI.run(verify + [distid], in: directory)
        #expect(verified.status == 0, "\(verified.output)")
        #expect(verified.output.contains("Signature Verified Successfully"))
        let otherID = try await OpenSSLCLI.run(verify + ["distid:1234567812345679"], in: directory)
        #expect(otherID.status != 0)

        // The CLI reads Swift's private key file as an SM2 key.
        try directory.write(Array(try key.pkcs8PEM().utf8), to: "swift.key")
        try await OpenSSLCLI.succeed(["pkey", "-in", "swift.key", "-pubout", "-out", "derived.pub"], in: directory)
        #expect(try SM2PublicKey(spkiPEM: directory.readText("derived.pub")) == key.publicKey)
    }
}
