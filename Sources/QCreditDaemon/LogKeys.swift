import Foundation
import Logging
import QCreditConfig
import QCreditCrypto
import QCreditLog

/// The log's signing keys: the configured key files, or — when none are configured — an
/// Ed25519 and an SM2 key kept in the state directory's `keys/`, made on first run (development
/// and first installs). Every file must be readable by its owner only.
///
/// Keys are made only for a log that has never signed anything: new keys for an existing log
/// (a state directory restored without its keys, which backups do not hold) would give it a
/// second identity, and verifiers holding its real key would reject every later checkpoint.
enum LogKeys {
    static func load(
        settings: DaemonConfiguration.LogSettings, stateDirectory: String, name: String, newestSigned: SignedTree?,
        logger: Logger
    ) throws -> [LogSigningKey] {
        var paths = settings.keyFiles
        if paths.isEmpty {
            let directory = (stateDirectory as NSString).appendingPathComponent("keys")
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let defaults: [(String, () throws -> PrivateKey)] = [
                ("ed25519.pem", { .ed25519(try Ed25519PrivateKey()) }), ("sm2.pem", { .sm2(try SM2PrivateKey()) }),
            ]
            for (file, make) in defaults {
                let path = (directory as NSString).appendingPathComponent(file)
                if FileManager.default.fileExists(atPath: path) {
                    paths.append(path)
                } else if newestSigned == nil {
                    try PrivateKeyFile.write(try make(), to: path)
                    logger.notice("made a new log signing key", metadata: ["file": "\(path)"])
                    paths.append(path)
                }
            }
            if let newestSigned, paths.isEmpty {
                throw LogKeysError(
                    "the log already signed a tree of \(newestSigned.size) records, but no signing key is configured and "
                        + "\(directory) holds none: restore the log's keys there (backups do not hold them) or list them in "
                        + "[log] keys. New keys are made only for a log that never signed anything.")
            }
        }
        let keys = try paths.map { path in try LogSigningKey(name: name, key: PrivateKeyFile.load(path: path)) }
        for key in keys {
            logger.info("log signing key", metadata: ["type": "\(key.kind.rawValue)", "verifierKey": "\(key.verifierKey)"])
        }
        return keys
    }

    /// `qcredit.localhost/<host name>` when the config names no origin.
    static func defaultOrigin() -> String {
        let host = ProcessInfo.processInfo.hostName.filter { !$0.isWhitespace && $0 != "+" }
        return "qcredit.localhost/\(host.isEmpty ? "dev" : host)"
    }
}

struct LogKeysError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
