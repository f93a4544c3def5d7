import ArgumentParser
import CanonicalJSON
import Foundation
import QCreditCrypto
import SignedNote

/// `qcredit keygen --dir DIR --name NAME`: makes the log's signing keys.
struct KeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Make log signing keys: Ed25519 (and SM2) as PKCS#8 PEM files readable by their owner only.",
        discussion: """
            Writes DIR/ed25519.pem and DIR/sm2.pem (mode 0600; existing files are never overwritten) and \
            DIR/ed25519.pub.pem and DIR/sm2.pub.pem, and prints the verifier keys for NAME, which must be \
            the log's key name (its origin unless the config sets keyName). Give the verifier keys and \
            public keys to banks and auditors; point the daemon's [log] keys at the private files.
            """)

    @OptionGroup var options: GlobalOptions

    @Option(help: ArgumentHelp("Where to write the keys.", valueName: "dir"))
    var dir: String

    @Option(help: ArgumentHelp("The key name in signatures: the log's origin, e.g. qcredit.example.gov.cn/registry.", valueName: "name"))
    var name: String

    @Flag(name: .customLong("no-sm2"), help: "Make only the Ed25519 key.")
    var noSM2 = false

    @Option(help: ArgumentHelp("The files' name prefix, for rotations (e.g. 2027- makes 2027-ed25519.pem).", valueName: "prefix"))
    var prefix: String = ""

    func run() throws {
        try options.runLocally { console in
            guard NoteSignature.isValidKeyName(name) else {
                throw Failure.badInput("--name '\(name)' cannot be a key name: it must be non-empty, without spaces or '+'")
            }
            do {
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw Failure.badInput("cannot create \(dir): \(error.localizedDescription)")
            }
            var made: [JSONValue] = []
            var lines: [String] = []
            let kinds = noSM2 ? ["ed25519"] : ["ed25519", "sm2"]
            for kind in kinds {
                let path = (dir as NSString).appendingPathComponent("\(prefix)\(kind).pem")
                let publicPath = (dir as NSString).appendingPathComponent("\(prefix)\(kind).pub.pem")
                let (key, verifierKey, publicPEM): (PrivateKey, String, String)
                do {
                    if kind == "ed25519" {
                        let privateKey = try Ed25519PrivateKey()
                        (key, verifierKey, publicPEM) = (
                            .ed25519(privateKey), try Ed25519NoteKey(name: name, privateKey: privateKey).verifierKey,
                            try privateKey.publicKey.spkiPEM()
                        )
                    } else {
                        let privateKey = try SM2PrivateKey()
                        (key, verifierKey, publicPEM) = (
                            .sm2(privateKey), try SM2NoteKey(name: name, privateKey: privateKey).verifierKey,
                            try privateKey.publicKey.spkiPEM()
                        )
                    }
                    try PrivateKeyFile.write(key, to: path)
                    try Data(publicPEM.utf8).write(to: URL(fileURLWithPath: publicPath), options: .withoutOverwriting)
                } catch {
                    throw Failure.badInput("\(error)")
                }
                made.append([
                    "type": .string(kind), "privateKeyFile": .string(path), "publicKeyFile": .string(publicPath),
                    "verifierKey": .string(verifierKey), "publicKeyPem": .string(publicPEM),
                ])
                lines += ["\(kind): \(path) (private, mode 0600), \(publicPath)", "  verifier key: \(verifierKey)"]
                lines += publicPEM.split(separator: "\n").map { "  \($0)" }
            }
            if console.json { console.jsonLine(["keys": .array(made)]) } else { console.lines(lines) }
            return .success
        }
    }
}
