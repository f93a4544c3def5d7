import ArgumentParser
import CanonicalJSON
import Foundation
import QCreditCrypto
import SignedNote
import TransparencyLog
import Varlink

/// `qcredit evidence CODE`: GetEvidence, printed as a C2SP tlog-proof file; `qcredit evidence
/// --index N`: the same for any record of the log, made from the audit methods.
struct EvidenceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evidence",
        abstract: "Print offline evidence of an enterprise's grade, or of any record, as a C2SP tlog-proof file.",
        discussion: """
            The file holds the opening of the publication record the grade rests on (its salt and the \
            record, in the extra line), the leaf's inclusion proof and a signed checkpoint. Keep it in the loan file: \
            `qcredit evidence CODE > CODE.tlog-proof`, and check it any time, offline, with \
            `qcredit verify-proof CODE.tlog-proof --vkey KEY`. With --index N, the evidence of the log's record N \
            (a removal, a listing, a policy…) against the newest signed checkpoint, if you may read the record. \
            With --json, the whole reply (for a code); for --index, the same object without `grade`.
            """)

    @OptionGroup var options: GlobalOptions

    @Argument(help: "The enterprise's USCC or organization code.")
    var code: String?

    // Unconditional: `--index -1` reaches the check below ("0 or more"), not "missing value".
    @Option(parsing: .unconditional, help: ArgumentHelp("The log index of the record to prove, instead of a code.", valueName: "index"))
    var index: Int64?

    func validate() throws {
        guard (code == nil) != (index == nil) else { throw ValidationError("give a code or --index, not both or neither") }
        if let index, index < 0 { throw ValidationError("--index is a log index: 0 or more, not \(index)") }
    }

    func run() async throws {
        try await options.run(codes: code.map { [$0] } ?? []) { daemon, console in
            if let index {
                let evidence = try await Self.evidence(ofRecord: index, from: daemon)
                if console.json {
                    console.jsonLine(["evidence": .object(evidence.fields)])
                } else {
                    Console.emit(evidence.file.text, to: STDOUT_FILENO)
                }
                return .success
            }
            let reply = try await daemon.call("org.qcredit.query.GetEvidence", ["code": .string(code ?? "")])
            if console.json {
                console.jsonLine(.object(reply))
            } else {
                Console.emit(reply["evidence"]?["tlogProof"]?.stringValue ?? "", to: STDOUT_FILENO)
            }
            return .success
        }
    }

    /// Record `index` as a tlog-proof against the newest signed checkpoint, checked as
    /// `verify-proof` will check it (but for the signature) before it is printed; `fields` are
    /// GetEvidence's `evidence` members but `grade` (the record need not be a grade).
    static func evidence(ofRecord index: Int64, from daemon: DaemonSession) async throws -> (file: TLogProof, fields: [String: JSONValue]) {
        let checkpoint = try await daemon.call("org.qcredit.audit.GetCheckpoint")
        guard let note = checkpoint["checkpoint"]?.stringValue, let size = checkpoint["size"]?.intValue else {
            throw Failure.unexpected("GetCheckpoint answered without a checkpoint")
        }
        guard index < size else {
            // Past the log itself, the record does not exist (and may never): waiting will not help.
            // No log reaches 2^53 records (nor can JSON carry such an index exactly).
            guard index < 1 << 53 else { throw Failure.withheld("record \(index) does not exist: the log holds fewer records") }
            do {
                for try await _ in try await daemon.stream("org.qcredit.audit.GetEntries", ["start": .int(index), "end": .int(index + 1)]) {}
            } catch let error as VarlinkError where error.name.hasSuffix(".SizeBeyondTree") {
                let records = error.parameters["treeSize"]?.intValue.map { "\($0) records" } ?? "fewer records"
                throw Failure.withheld("record \(index) does not exist: the log holds \(records) (numbered from 0)")
            }
            throw Failure.withheld("record \(index) is not in the newest signed checkpoint (\(size) records) yet; try again shortly")
        }
        let inclusion = try await daemon.call("org.qcredit.audit.GetInclusionProof", ["index": .int(index), "treeSize": .int(size)])
        let proof = try (inclusion["proof"]?.arrayValue ?? []).map { try LogVerification.base64($0, "proof hash") }
        var entry: [String: JSONValue]?
        for try await reply in try await daemon.stream("org.qcredit.audit.GetEntries", ["start": .int(index), "end": .int(index + 1)]) {
            entry = entry ?? reply
        }
        let leaf = try LogVerification.base64(entry?["entry"], "entry \(index)")
        guard let opening = entry?["opening"], opening != .null else {
            throw Failure.withheld("record \(index) is not disclosed to you: the log proves its leaf, but its record is not yours to read")
        }
        let salt = try LogVerification.base64(opening["salt"], "salt")
        guard let record = try? (opening["record"] ?? .null).canonicalBytes() else {
            throw Failure.verification("the opening of record \(index) holds no record")
        }
        let recordOpening = RecordOpening(salt: salt, record: record)
        guard recordOpening.opens(leaf) else { throw Failure.verification("the opening of record \(index) does not open its leaf") }
        let root = try LogVerification.base64(checkpoint["rootHash"], "rootHash")
        do {
            try MerkleProof.verifyInclusion(leafHash: MerkleHash.leaf(leaf), index: index, treeSize: size, proof: proof, root: root)
            let file = try TLogProof(extra: recordOpening.extra, index: index, proof: proof, signedCheckpoint: note)
            let fields: [String: JSONValue] = [
                "logIndex": .int(index), "entry": entry?["entry"] ?? .null, "opening": opening, "treeSize": .int(size),
                "inclusionProof": inclusion["proof"] ?? .array([]), "checkpoint": .string(note), "tlogProof": .string(file.text),
            ]
            return (file, fields)
        } catch {
            throw Failure.verification("record \(index) is not in the checkpoint's tree: \(error)")
        }
    }
}

/// `qcredit verify-proof FILE --vkey KEY`: checks a tlog-proof file offline.
struct VerifyProofCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-proof",
        abstract: "Verify a tlog-proof file offline: commitment, inclusion and signature.",
        discussion: """
            Checks, in this order: that the record in the file's opening (the extra data) is RFC 8785 \
            canonical JSON; that a trusted key signed the checkpoint; that the opening (salt and record) \
            commits to a leaf; and that the leaf is included, by the proof, in the checkpoint's tree. A \
            signature by a key not given is ignored: one by a given key is enough. Needs no daemon. Exits 0 \
            when every check passes, 4 when one fails.
            """)

    @OptionGroup var options: GlobalOptions

    @Argument(help: ArgumentHelp("The .tlog-proof file, or - for standard input.", valueName: "file"))
    var file: String

    @Option(name: .customLong("vkey"), help: ArgumentHelp("A trusted verifier key (repeatable).", valueName: "key"))
    var verifierKeys: [String] = []

    func run() throws {
        try options.runLocally { console in
            let verifiers = try LogVerification.verifiers(verifierKeys)
            let proof: TLogProof
            do {
                proof = try TLogProof(parsing: try LogVerification.readFile(file, notText: Failure.verification))
            } catch let failure as Failure {
                throw failure
            } catch {
                // A proof that does not parse is a proof that does not verify (a file that
                // cannot be read at all is bad input, above).
                throw Failure.verification("\(file) is not a tlog-proof file: \(error)")
            }
            // 1. The commitment: the opening (salt ‖ record) gives the leaf; the record is canonical.
            guard let extra = proof.extra else {
                throw Failure.verification("\(file) carries no opening (no extra line of salt and record)")
            }
            guard let opening = RecordOpening(extra: extra) else {
                throw Failure.verification(
                    "the extra line of \(file) is \(extra.count) bytes: too short for an opening (32 salt bytes and a record)")
            }
            guard let parsed = try? JSONValue.parse(opening.record), (try? parsed.canonicalBytes()) == opening.record else {
                throw Failure.verification("the record in \(file) is not RFC 8785 canonical JSON")
            }
            // 2. Inclusion of that leaf in the checkpoint's tree.
            do {
                try proof.verifyInclusion(leafHash: MerkleHash.leaf(opening.leaf.bytes))
            } catch {
                // The file holds no leaf of its own: an altered salt or record byte, an altered
                // index or proof hash and a wrong checkpoint all show as a proof that misses the root.
                // A checkpoint whose signature fails too was itself altered: that is the failure to name.
                _ = try LogVerification.openCheckpoint(proof.signedCheckpoint, verifiers: verifiers, source: file)
                throw Failure.verification(
                    "the leaf the opening commits to is not entry \(proof.index) of the tree of \(proof.checkpoint.size): \(error) "
                        + "(the salt or record in extra, the index or a proof hash was altered; the checkpoint's signature holds)")
            }
            // 3. The checkpoint's signature by a trusted key.
            let (checkpoint, signers) = try LogVerification.openCheckpoint(proof.signedCheckpoint, verifiers: verifiers, source: file)
            if console.json {
                console.jsonLine([
                    "verified": true, "index": .int(proof.index), "treeSize": .int(checkpoint.size),
                    "origin": .string(checkpoint.origin), "signedBy": .array(signers.map(JSONValue.string)),
                    "record": parsed, "commitment": .string(Base64.encode(opening.leaf.commitment)),
                ])
            } else {
                var block = KeyValueBlock()
                block.add("Verified", "yes")
                block.add("Log", checkpoint.origin)
                block.add("Signed by", signers.joined(separator: ", "))
                block.add("Record", "\(proof.index) of \(checkpoint.size)")
                block.add("Commitment", "\(Base64.encode(opening.leaf.commitment)) (the opening opens the leaf)")
                block.add("Type", parsed["type"]?.stringValue)
                block.add("Published", parsed["publishedAt"]?.stringValue)
                block.add("Subject", parsed["subject"].map(Self.subject))
                if let grade = parsed["grade"]?["grade"]?.stringValue ?? parsed["override"]?["grade"]?.stringValue {
                    block.add("Grade", grade)
                }
                if let listing = parsed["listing"] {
                    block.add("Listing", "\(listing["id"]?.intValue.map(String.init) ?? "?") \(listing["listType"]?.stringValue ?? "")")
                }
                console.lines(block.lines())
            }
            return .success
        }
    }

    static func subject(_ subject: JSONValue) -> String {
        [subject["name"]?.stringValue, subject["uscc"]?.stringValue ?? subject["orgCode"]?.stringValue]
            .compactMap { $0 }.joined(separator: ", ")
    }
}
