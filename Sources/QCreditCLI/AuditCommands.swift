import ArgumentParser
import CanonicalJSON
import Foundation
import SignedNote
import TransparencyLog

/// `qcredit audit …`: what an auditor checks against the running daemon.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Check the registry's log: checkpoints, consistency, a full replay.",
        discussion: """
            Every check is made against verifier keys you trust (--vkey), never against what the \
            daemon says about itself. Exit status 4 when a check fails.
            """,
        subcommands: [
            AuditCheckpointCommand.self, AuditConsistencyCommand.self, AuditReplayCommand.self, AuditKeysCommand.self,
        ])
}

/// `qcredit audit checkpoint [--vkey K]`: the newest signed checkpoint, verbatim.
struct AuditCheckpointCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint",
        abstract: "Print the newest signed checkpoint, verbatim (save it: > checkpoint-DATE.txt).",
        discussion: "With --vkey its signature is verified first, and nothing is printed if it fails.")

    @OptionGroup var options: GlobalOptions

    @Option(name: .customLong("vkey"), help: ArgumentHelp("A trusted verifier key (repeatable).", valueName: "key"))
    var verifierKeys: [String] = []

    func run() async throws {
        try await options.run { daemon, console in
            let reply = try await daemon.call("org.qcredit.audit.GetCheckpoint")
            let note = reply["checkpoint"]?.stringValue ?? ""
            if !verifierKeys.isEmpty {
                _ = try LogVerification.openCheckpoint(note, verifiers: try LogVerification.verifiers(verifierKeys), source: "the daemon's checkpoint")
            }
            if console.json { console.jsonLine(.object(reply)) } else { Console.emit(note, to: STDOUT_FILENO) }
            return .success
        }
    }
}

/// `qcredit audit consistency OLD NEW --vkey K`: proves the log only grew between two saved checkpoints.
struct AuditConsistencyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consistency",
        abstract: "Verify that the log between two saved checkpoints only grew: nothing removed or rewritten.",
        discussion: """
            Verifies both checkpoints' signatures, asks the daemon for the consistency proof between \
            their sizes and checks it against both roots.
            """)

    @OptionGroup var options: GlobalOptions

    @Argument(help: ArgumentHelp("The older saved checkpoint.", valueName: "old"))
    var old: String

    @Argument(help: ArgumentHelp("The newer saved checkpoint.", valueName: "new"))
    var new: String

    @Option(name: .customLong("vkey"), help: ArgumentHelp("A trusted verifier key (repeatable).", valueName: "key"))
    var verifierKeys: [String] = []

    func run() async throws {
        try await options.run { daemon, console in
            let verifiers = try LogVerification.verifiers(verifierKeys)
            let (older, _) = try LogVerification.openCheckpoint(try LogVerification.readFile(old, notText: Failure.verification), verifiers: verifiers, source: old)
            let (newer, _) = try LogVerification.openCheckpoint(try LogVerification.readFile(new, notText: Failure.verification), verifiers: verifiers, source: new)
            guard older.origin == newer.origin else {
                throw Failure.verification("the checkpoints are of different logs: \(older.origin) and \(newer.origin)")
            }
            guard older.size <= newer.size else {
                throw Failure.verification("\(old) (\(older.size) records) is larger than \(new) (\(newer.size)): give the older first")
            }
            var proof: [[UInt8]] = []
            if older.size > 0 && older.size < newer.size {
                proof = try await LogVerification.consistencyProof(from: older.size, to: newer.size, daemon: daemon)
            }
            if older.size == newer.size {
                guard older.rootHash == newer.rootHash else {
                    throw Failure.verification("two different trees of \(older.size) records were signed: the log forked")
                }
            } else if older.size > 0 {
                do {
                    try MerkleProof.verifyConsistency(
                        oldSize: older.size, newSize: newer.size, oldRoot: older.rootHash, newRoot: newer.rootHash, proof: proof)
                } catch {
                    throw Failure.verification("the tree of \(newer.size) does not extend the tree of \(older.size): \(error)")
                }
            }
            if console.json {
                console.jsonLine(["consistent": true, "fromSize": .int(older.size), "toSize": .int(newer.size), "origin": .string(older.origin)])
            } else {
                console.line("consistent: the log of \(newer.size) records extends the log of \(older.size) (\(older.origin))")
            }
            return .success
        }
    }
}

/// `qcredit audit replay --vkey K`: recomputes the signed root from every record.
struct AuditReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Fetch every entry, open every commitment you may read, recompute the root, compare with the signed checkpoint.",
        discussion: """
            Every leaf must be a commitment (leaf format 2). Every opening the daemon gives you (all of them \
            to regulators and auditors; the disclosed ones to banks) must open its leaf, its record being \
            RFC 8785 canonical JSON. The leaves must give the signed root. One altered salt or record byte \
            fails the replay (exit 4).
            """)

    @OptionGroup var options: GlobalOptions

    @Option(name: .customLong("vkey"), help: ArgumentHelp("A trusted verifier key (repeatable).", valueName: "key"))
    var verifierKeys: [String] = []

    func run() async throws {
        try await options.run { daemon, console in
            let verifiers = try LogVerification.verifiers(verifierKeys)
            let reply = try await daemon.call("org.qcredit.audit.GetCheckpoint")
            let (checkpoint, signers) = try LogVerification.openCheckpoint(
                reply["checkpoint"]?.stringValue ?? "", verifiers: verifiers, source: "the daemon's checkpoint")
            var accumulator = MerkleAccumulator()
            var kinds: [String: Int] = [:]
            var unopened = 0
            if checkpoint.size > 0 {
                let stream = try await daemon.stream(
                    "org.qcredit.audit.GetEntries", ["start": 0, "end": .int(checkpoint.size)])
                for try await entry in stream {
                    let index = entry["index"]?.intValue ?? -1
                    guard index == accumulator.size else {
                        throw Failure.verification("expected entry \(accumulator.size), the daemon sent \(index)")
                    }
                    let leaf = try LogVerification.base64(entry["entry"], "entry")
                    guard LeafCommitment(bytes: leaf) != nil else {
                        throw Failure.verification("entry \(index) is not a leaf of format \(LeafCommitment.format)")
                    }
                    if let opening = entry["opening"], !opening.isNull {
                        let record = try LogVerification.openedRecord(opening, leaf: leaf, index: index)
                        kinds[record["type"]?.stringValue ?? "?", default: 0] += 1
                    } else {
                        unopened += 1
                    }
                    accumulator.append(leafHash: MerkleHash.leaf(leaf))
                }
            }
            guard accumulator.size == checkpoint.size else {
                throw Failure.verification("the daemon sent \(accumulator.size) records for a checkpoint of \(checkpoint.size)")
            }
            guard accumulator.root == checkpoint.rootHash else {
                throw Failure.verification("the \(checkpoint.size) records hash to a root other than the signed one")
            }
            let summary = kinds.keys.sorted().map { "\(kinds[$0]!) \($0)" }.joined(separator: ", ")
            if console.json {
                console.jsonLine([
                    "verified": true, "size": .int(checkpoint.size), "origin": .string(checkpoint.origin),
                    "records": .object(kinds.mapValues { .int(Int64($0)) }), "unopened": .int(Int64(unopened)),
                    "signedBy": .array(signers.map(JSONValue.string)),
                ])
            } else {
                console.lines([
                    "replayed \(checkpoint.size) entries of \(checkpoint.origin): the root matches the checkpoint signed by \(signers.joined(separator: ", "))",
                    "opened \(checkpoint.size - Int64(unopened)) commitments: \(summary.isEmpty ? "none" : summary)"
                        + (unopened > 0 ? "; \(unopened) not disclosed to you" : ""),
                ])
            }
            return .success
        }
    }
}

/// `qcredit audit keys`: GetVerifierKeys.
struct AuditKeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Show the keys the log signs with: verifier keys and PEM public keys.",
        discussion: "Obtain the verifier key you trust out of band (from the registry's publication); this shows what the daemon uses.")

    @OptionGroup var options: GlobalOptions

    @Option(name: .customLong("save-pem"), help: ArgumentHelp(
        "Also save each PEM public key in this directory (made if missing) as <type>-<key id>.pub.pem, the name an export's signature files refer to (an existing file of that name is replaced).",
        valueName: "dir"))
    var pemDirectory: String?

    func run() async throws {
        try await options.run { daemon, console in
            let reply = try await daemon.call("org.qcredit.audit.GetVerifierKeys")
            if let pemDirectory {
                for key in reply["keys"]?.arrayValue ?? [] {
                    try Self.savePEM(of: key, in: pemDirectory)
                }
            }
            console.reply(reply) { reply in
                (reply["keys"]?.arrayValue ?? []).flatMap { key -> [String] in
                    var block = KeyValueBlock()
                    block.add("Type", key["type"]?.stringValue)
                    block.add("Name", key["name"]?.stringValue)
                    block.add("Key ID", key["keyId"]?.stringValue)
                    block.add("Verifier key", key["verifierKey"]?.stringValue)
                    block.add("Distinguishing ID", key["distinguishingId"]?.stringValue)
                    return block.lines() + (key["publicKeyPem"]?.stringValue ?? "").split(separator: "\n").map(String.init) + [""]
                }
            }
            return .success
        }
    }

    /// Writes one key's PEM as `<type>-<key id>.pub.pem`: the stock-tool commands in the README
    /// find the key that checks `MANIFEST.<type>-<key id>.sig` by that name.
    private static func savePEM(of key: JSONValue, in directory: String) throws {
        guard let type = key["type"]?.stringValue, let id = key["keyId"]?.stringValue,
              let pem = key["publicKeyPem"]?.stringValue,
              type.allSatisfy({ $0.isLetter || $0.isNumber }), id.allSatisfy(\.isHexDigit)
        else { throw Failure.unexpected("GetVerifierKeys answered a key without a type, key ID or PEM") }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw Failure.badInput("--save-pem \(directory): not a directory")
        }
        let directories: MadeDirectories
        do {
            // Made if missing; one already there is fine.
            directories = try MadeDirectories.make(directory, mode: 0o755)
        } catch {
            throw Failure.badInput("--save-pem \(directory): cannot make the directory: \(fileErrorText(error))")
        }
        let path = URL(fileURLWithPath: directory).appendingPathComponent("\(type)-\(id).pub.pem").path
        do {
            try Data(pem.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            directories.removeEmpty()
            throw Failure.badInput("cannot write \(path): \(fileErrorText(error))")
        }
    }
}
