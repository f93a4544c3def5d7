import Foundation
import Logging
import QCreditConfig
import QCreditCrypto
import QCreditLog
import QCreditStore
import SignedNote

/// The log's signing keys: the configured key files, or — when none are configured — an
/// Ed25519 and an SM2 key kept in the state directory's `keys/`, made on first run (development
/// and first installs). Every file must be readable by its owner only.
///
/// Keys are made only for a log that has never signed anything: new keys for an existing log
/// (a state directory restored without its keys, which backups do not hold) would give it a
/// second identity, and verifiers holding its real key would reject every later checkpoint.
enum LogKeys {
    /// The keys `[log] keys` lists, nil when it lists none. Only reads: the daemon loads them
    /// before it writes anything, so a key file it refuses changes nothing.
    static func loadConfigured(_ settings: DaemonConfiguration.LogSettings, name: String) throws -> [LogSigningKey]? {
        guard !settings.keyFiles.isEmpty else { return nil }
        do {
            return try settings.keyFiles.map { path in try LogSigningKey(name: name, key: PrivateKeyFile.load(path: path)) }
        } catch {
            // The setting that named the file, as every other refused setting is named.
            throw LogKeysError("log.keys: \(error)")
        }
    }

    /// The keys already in the state directory's `keys/` (none when it is missing). Only reads,
    /// so that a key file refused for its mode, or keys that did not sign the log, are refused
    /// before the state directory is locked or its database opened.
    static func loadExisting(stateDirectory: String, name: String) throws -> [LogSigningKey] {
        let directory = (stateDirectory as NSString).appendingPathComponent("keys")
        return try DaemonConfiguration.LogSettings.stateKeyFileNames
            .map { (directory as NSString).appendingPathComponent($0) }
            .filter { FileManager.default.fileExists(atPath: $0) }
            .map { path in try LogSigningKey(name: name, key: PrivateKeyFile.load(path: path)) }
    }

    /// The keys in the state directory's `keys/`, made there for a log that never signed anything.
    static func loadOrMake(stateDirectory: String, name: String, newestSigned: SignedTree?, logger: Logger) throws -> [LogSigningKey] {
        var paths: [String] = []
        let directory = (stateDirectory as NSString).appendingPathComponent("keys")
        try FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let makers: [() throws -> PrivateKey] = [{ .ed25519(try Ed25519PrivateKey()) }, { .sm2(try SM2PrivateKey()) }]
        var missing: [String] = []
        for (file, make) in zip(DaemonConfiguration.LogSettings.stateKeyFileNames, makers) {
            let path = (directory as NSString).appendingPathComponent(file)
            if FileManager.default.fileExists(atPath: path) {
                paths.append(path)
            } else if newestSigned == nil {
                try PrivateKeyFile.write(try make(), to: path)
                logger.notice("made a new log signing key", metadata: ["file": "\(path)"])
                paths.append(path)
            } else {
                missing.append(path)
            }
        }
        if paths.isEmpty { try refuseToMakeKeys(stateDirectory: stateDirectory, newestSigned: newestSigned) }
        // The state directory's keys are made together and sign together: one gone (deleted, or
        // a link to nothing) would silently drop its signature from every later checkpoint, and
        // verifiers holding only that key would stop verifying the log.
        if let newestSigned, !missing.isEmpty {
            throw LogKeysError(
                "the log already signed a tree of \(newestSigned.size) records with the keys in \(directory), but "
                    + "\(missing.joined(separator: " and ")) is missing: restore it there (backups do not hold keys). A key is "
                    + "dropped from a log only by rotation, with the keys listed in [log] keys.")
        }
        return try paths.map { path in try LogSigningKey(name: name, key: PrivateKeyFile.load(path: path)) }
    }

    /// Refuses, when the log signed a tree before, to go on with no key (new keys would give
    /// the log a second identity).
    ///
    /// `source` names where that tree is on record; one found only in `exportDirectory` may be
    /// another log's (two daemons given one exports directory), which the message says.
    static func refuseToMakeKeys(
        stateDirectory: String, newestSigned: SignedTree?, source: String? = nil, exportDirectory: String? = nil
    ) throws {
        guard let newestSigned else { return }
        let directory = (stateDirectory as NSString).appendingPathComponent("keys")
        let onRecord = source.map { " (on record in \($0))" } ?? ""
        var anotherLogs = ""
        if let source, let exportDirectory,
            (source as NSString).standardizingPath.hasPrefix((exportDirectory as NSString).standardizingPath + "/")
        {
            anotherLogs =
                " If that is another log's record (its exports directory given to this daemon too), give this daemon an "
                + "exports directory of its own ([export] directory)."
        }
        throw LogKeysError(
            "the log already signed a tree of \(newestSigned.size) records\(onRecord), but no signing key is configured and "
                + "\(directory) holds none: restore the log's keys there (backups do not hold them) or list them in "
                + "[log] keys. New keys are made only for a log that never signed anything.\(anotherLogs)")
    }

    /// Logs each key's verifier key, for the operator to publish.
    static func logVerifierKeys(_ keys: [LogSigningKey], logger: Logger) {
        for key in keys {
            logger.info("log signing key", metadata: ["type": "\(key.kind.rawValue)", "verifierKey": "\(key.verifierKey)"])
        }
    }

    /// Refuses keys that did not sign the log's newest checkpoint: a state directory restored
    /// next to the wrong key files (another log's, or new ones) would otherwise re-key the log
    /// silently, and every verifier holding its real keys would reject what it signs next.
    /// Rotation keeps working: the old and new keys are listed together, both sign, and the old
    /// one is dropped only after a checkpoint carries the new one's signature.
    static func checkTheySignedTheLog(_ keys: [LogSigningKey], newest: StoredCheckpoint?) throws {
        guard let newest else { return }
        var verifiers: [any NoteVerifier] = []
        for key in keys { verifiers.append(try VerifierKey.parse(key.verifierKey)) }
        do {
            _ = try NoteSigning.open(newest.note, verifiers: verifiers)
        } catch {
            func label(_ name: String, _ keyID: UInt32) -> String { "\(name)+\(String(format: "%08x", keyID))" }
            let signatures = (try? Note(parsing: newest.note))?.signatures ?? []
            let signedBy = signatures.map { label($0.name, $0.keyID) }
            // A key's ID covers its name, which is the origin unless keyName says otherwise: the
            // same key files under a changed origin or keyName are other keys to a verifier.
            let signedNames = Set(signatures.map(\.name))
            let configuredNames = Set(keys.map(\.name))
            let renamed = !signedNames.isEmpty && signedNames.isDisjoint(with: configuredNames)
            throw LogKeysError(
                "the log's newest checkpoint (size \(newest.size)) is "
                    + (signedBy.isEmpty ? "not a signed note" : "signed by \(signedBy.joined(separator: ", "))") + ", and none of "
                    + "the configured signing keys (\(keys.map { label($0.name, $0.keyID) }.joined(separator: ", "))) "
                    + "verifies it (\(error)): "
                    + (renamed
                        ? "the keys are named \(configuredNames.sorted().joined(separator: ", ")), but the log's are named "
                            + "\(signedNames.sorted().joined(separator: ", ")): [log] origin (and keyName) name a log's keys for good; "
                            + "set them back to the log's"
                        : "configure the log's own keys; to rotate, list the old keys with the new ones"))
        }
    }
}

struct LogKeysError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
