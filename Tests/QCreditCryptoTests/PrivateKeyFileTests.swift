import Foundation
import QCreditCrypto
import Testing

@Suite struct PrivateKeyFileTests {
    private func mode(_ path: String) throws -> Int {
        try #require(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
    }

    @Test func writtenFilesAreOwnerOnlyAndLoadBack() throws {
        let directory = try ScratchDirectory()
        defer { directory.remove() }
        let ed25519 = try Ed25519PrivateKey()
        let sm2 = try SM2PrivateKey()
        try PrivateKeyFile.write(.ed25519(ed25519), to: directory.path("ed25519.key"))
        try PrivateKeyFile.write(.sm2(sm2), to: directory.path("sm2.key"))
        #expect(try mode(directory.path("ed25519.key")) == 0o600)
        #expect(try mode(directory.path("sm2.key")) == 0o600)
        // Nothing but the two keys: the temporary files are gone.
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.url.path).sorted() == ["ed25519.key", "sm2.key"])
        #expect(try directory.readText("ed25519.key") == ed25519.pkcs8PEM())

        guard case .ed25519(let loaded) = try PrivateKeyFile.load(path: directory.path("ed25519.key")) else {
            Issue.record("not loaded as Ed25519")
            return
        }
        #expect(loaded.publicKey == ed25519.publicKey)
        guard case .sm2(let loadedSM2) = try PrivateKeyFile.load(path: directory.path("sm2.key")) else {
            Issue.record("not loaded as SM2")
            return
        }
        #expect(loadedSM2.publicKey == sm2.publicKey)
        #expect(try PrivateKey(pkcs8PEM: sm2.pkcs8PEM()).algorithm == "SM2")
    }

    /// A key another user owns is a key that user can rewrite: refused, mode 0600 or not, unless
    /// the caller names that owner (a restore run as root reads the daemon user's keys).
    @Test func aKeyOwnedByAnotherUserIsRefused() throws {
        guard geteuid() == 0 else { try Test.cancel("skipped: giving a file to another user needs root") }
        let directory = try ScratchDirectory()
        defer { directory.remove() }
        let path = directory.path("ed25519.key")
        try PrivateKeyFile.write(.ed25519(try Ed25519PrivateKey()), to: path)
        #expect(chown(path, 65534, 65534) == 0)
        #expect {
            try PrivateKeyFile.load(path: path)
        } throws: { error in
            "\(error)".contains("it belongs to uid 65534, not to the user reading it (uid 0) or root")
        }
        #expect(throws: Never.self) { try PrivateKeyFile.load(path: path, alsoOwnedBy: [65534]) }
    }

    /// A key in a folder others may write (without the sticky bit) can be swapped for one they know.
    @Test func aKeyInAFolderOthersMayWriteIsRefused() throws {
        let directory = try ScratchDirectory()
        defer { directory.remove() }
        let path = directory.path("ed25519.key")
        try PrivateKeyFile.write(.ed25519(try Ed25519PrivateKey()), to: path)
        #expect(chmod(directory.url.path, 0o777) == 0)
        #expect {
            try PrivateKeyFile.load(path: path)
        } throws: { error in
            "\(error)".contains("may be written by group or others (mode 777) and has no sticky bit: another user could swap the key")
        }
        #expect(chmod(directory.url.path, 0o1777) == 0)
        #expect(throws: Never.self) { try PrivateKeyFile.load(path: path) }
        #expect(chmod(directory.url.path, 0o700) == 0)
    }

    @Test func existingFilesAreNeverOverwritten() throws {
        let directory = try ScratchDirectory()
        defer { directory.remove() }
        let path = directory.path("log.key")
        try directory.write(Array("precious\n".utf8), to: "log.key")
        let error = try #require(throws: CryptoError.self) {
            try PrivateKeyFile.write(.ed25519(try Ed25519PrivateKey()), to: path)
        }
        #expect(error.description == "writing private key file \(path) failed: the file already exists; refusing to overwrite it")
        #expect(try directory.readText("log.key") == "precious\n")
        // Not even a dangling symbolic link is replaced.
        try FileManager.default.createSymbolicLink(atPath: directory.path("link.key"), withDestinationPath: "missing")
        #expect(throws: CryptoError.self) {
            try PrivateKeyFile.write(.ed25519(try Ed25519PrivateKey()), to: directory.path("link.key"))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.url.path).sorted() == ["link.key", "log.key"])
    }

    @Test(arguments: [0o644, 0o640, 0o604, 0o660, 0o606, 0o700 | 0o010])
    func groupOrOtherAccessIsRefused(_ permissions: Int) throws {
        let directory = try ScratchDirectory()
        defer { directory.remove() }
        let path = directory.path("log.key")
        try PrivateKeyFile.write(.ed25519(try Ed25519PrivateKey()), to: path)
        try FileManager.default.setAttributes([.posixPermissions: permissions], ofItemAtPath: path)
        let error = try #require(throws: CryptoError.self) { try PrivateKeyFile.load(path: path) }
        let octal = "0" + String(permissions, radix: 8)
        #expect(
            error.description
                == "loading private key file \(path) failed: mode \(octal) lets group or others access it; run chmod 600 \(path)"
        )
    }

    @Test(arguments: [0o600, 0o400])
    func ownerOnlyModesAreAccepted(_ permissions: Int) throws {
        let directory = try ScratchDirectory()
        defer { directory.remove() }
        let path = directory.path("log.key")
        let key = try SM2PrivateKey()
        try directory.write(Array(try key.pkcs8PEM().utf8), to: "log.key")
        try FileManager.default.setAttributes([.posixPermissions: permissions], ofItemAtPath: path)
        guard case .sm2(let loaded) = try PrivateKeyFile.load(path: path) else {
            Issue.record("not loaded as SM2")
            return
        }
        #expect(loaded.publicKey == key.publicKey)
    }

    @Test func onlyRegularFilesAreRead() throws {
        let directory = try ScratchDirectory()
        defer { directory.remove() }
        let folder = directory.path("keys")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        let error = try #require(throws: CryptoError.self) { try PrivateKeyFile.load(path: folder) }
        #expect(error.reason == "it is a directory, not a regular file")

        // A FIFO is refused at once, not waited on.
        let fifo = directory.path("fifo")
        #expect(mkfifo(fifo, 0o600) == 0)
        let fifoError = try #require(throws: CryptoError.self) { try PrivateKeyFile.load(path: fifo) }
        #expect(fifoError.reason == "it is a FIFO, not a regular file")

        let missing = try #require(throws: CryptoError.self) { try PrivateKeyFile.load(path: directory.path("absent.key")) }
        #expect(missing.description == "loading private key file \(directory.path("absent.key")) failed: no such file or directory")
    }

    @Test(.enabled(if: OpenSSLCLI.isAvailable))
    func otherKeyTypesAndFormatsAreRefused() async throws {
        let directory = try ScratchDirectory()
        defer { directory.remove() }
        try await OpenSSLCLI.succeed(
            ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "p256.key"], in: directory
        )
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: directory.path("p256.key"))
        let error = try #require(throws: CryptoError.self) { try PrivateKeyFile.load(path: directory.path("p256.key")) }
        #expect(error.reason == "the key is EC; only Ed25519 and SM2 keys are supported")

        // The legacy SEC 1 form ("EC PRIVATE KEY") is not PKCS#8.
        try await OpenSSLCLI.succeed(["genpkey", "-algorithm", "SM2", "-out", "sm2.key"], in: directory)
        try await OpenSSLCLI.succeed(["ec", "-in", "sm2.key", "-out", "sec1.key"], in: directory)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: directory.path("sec1.key"))
        let legacy = try #require(throws: CryptoError.self) { try PrivateKeyFile.load(path: directory.path("sec1.key")) }
        #expect(legacy.reason.hasPrefix("expected a \"-----BEGIN PRIVATE KEY-----\" block, found \"-----BEGIN"))
        // The PKCS#8 one written by `openssl genpkey` loads.
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: directory.path("sm2.key"))
        #expect(try PrivateKeyFile.load(path: directory.path("sm2.key")).algorithm == "SM2")
    }
}
