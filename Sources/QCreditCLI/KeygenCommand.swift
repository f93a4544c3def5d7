import ArgumentParser
import CanonicalJSON
import FileSafety
import Foundation
import QCreditConfig
import QCreditCrypto
import SignedNote

/// `qcredit keygen --dir DIR (--name NAME | --config FILE)`: makes the log's signing keys.
struct KeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Make log signing keys: Ed25519 (and SM2) as PKCS#8 PEM files readable by their owner only.",
        discussion: """
            Writes DIR/ed25519.pem and DIR/sm2.pem (mode 0600; existing files are never overwritten) and \
            DIR/ed25519.pub.pem and DIR/sm2.pub.pem, and prints the verifier keys for NAME, which must be \
            the log's key name (its origin unless the config sets keyName); --config FILE takes that name \
            from the daemon's config file as the daemon reads it. Nothing is written when any of the files \
            exists. Give the verifier keys and public keys to banks and auditors; point the daemon's \
            [log] keys at the private files.
            """)

    @OptionGroup var options: GlobalOptions

    @Option(help: ArgumentHelp("Where to write the keys.", valueName: "dir"))
    var dir: String

    @Option(help: ArgumentHelp("The key name in signatures: the log's origin, e.g. qcredit.example.gov.cn/registry.", valueName: "name"))
    var name: String?

    @Option(
        help: ArgumentHelp(
            "Take the key name from the daemon's config file: [log] keyName, else origin, else qcredit.localhost/<host name>.",
            valueName: "file"))
    var config: String?

    @Flag(name: .customLong("no-sm2"), help: "Make only the Ed25519 key.")
    var noSM2 = false

    @Option(help: ArgumentHelp("The files' name prefix, for rotations (e.g. 2027- makes 2027-ed25519.pem).", valueName: "prefix"))
    var prefix: String = ""

    func validate() throws {
        guard (name == nil) != (config == nil) else { throw ValidationError("Give either --name or --config.") }
    }

    func run() throws {
        try options.runLocally { console in
            let name = try keyName()
            guard NoteSignature.isValidKeyName(name) else {
                throw Failure.badInput("--name '\(name)' cannot be a key name: it must be non-empty, without spaces or '+'")
            }
            guard !prefix.contains("/") else {
                throw Failure.badInput("--prefix '\(prefix)' cannot hold a '/': the keys go into --dir")
            }
            let kinds = noSM2 ? ["ed25519"] : ["ed25519", "sm2"]
            let files = kinds.map { kind in
                (kind, (dir as NSString).appendingPathComponent("\(prefix)\(kind).pem"),
                 (dir as NSString).appendingPathComponent("\(prefix)\(kind).pub.pem"))
            }
            // All or nothing: a key set half made would print no verifier key for its new half.
            // lstat, not fileExists: a dangling symbolic link is in the way too (fileExists follows it).
            let existing = files.flatMap { [$0.1, $0.2] }.filter { path in
                var status = stat()
                return lstat(path, &status) == 0
            }
            guard existing.isEmpty else {
                throw Failure.badInput("\(existing.joined(separator: ", ")) already exist\(existing.count == 1 ? "s" : ""): nothing was written (keygen never overwrites; use another --dir or --prefix)")
            }
            if let problem = TrustedPath.problem(ofDirectory: dir) {
                throw Failure.badInput("cannot write keys in \(dir): \(problem); nothing was written (another user could swap the keys)")
            }
            let directories: MadeDirectories
            do {
                directories = try MadeDirectories.make(dir, mode: 0o700)
            } catch {
                throw Failure.badInput("cannot create \(dir): \(fileErrorText(error))")
            }
            // The way to it and its owner were judged above; keys also never go into a folder
            // others may write, even one with the sticky bit (a shared folder such as /tmp).
            var folder = stat()
            if stat(dir, &folder) == 0, folder.st_mode & 0o022 != 0 {
                directories.removeEmpty()
                throw Failure.badInput(
                    "\(dir) may be written by group or others (mode \(String(folder.st_mode & 0o7777, radix: 8))): nothing was written; another user could swap the keys (chmod 700 it)")
            }
            var made: [JSONValue] = []
            var lines: [String] = []
            // What this run wrote, taken back if a later file cannot be written (one made in the
            // way since the check): all or nothing.
            var written: [String] = []
            for (kind, path, publicPath) in files {
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
                    written.append(path)
                    try PrivateKeyFile.writeNew(
                        Array(publicPEM.utf8), mode: 0o644, to: publicPath, operation: "writing public key file \(publicPath)")
                    written.append(publicPath)
                } catch {
                    for path in written { unlink(path) }
                    directories.removeEmpty()
                    let reason = error is CocoaError ? fileErrorText(error) : "\(error)"
                    throw Failure.badInput("cannot write the \(kind) key files in \(dir): \(reason); nothing was written (keygen never overwrites)")
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

    /// `--name`, or the name the daemon signs under with the config file `--config`.
    private func keyName() throws -> String {
        if let name { return name }
        guard let config else { throw Failure.badInput("give either --name or --config") }
        do {
            let log = try DaemonConfiguration.load(path: config).log
            return log.signatureName(origin: log.originInForce)
        } catch {
            throw Failure.badInput("\(error)")
        }
    }
}
