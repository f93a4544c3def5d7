import ArgumentParser
import CanonicalJSON
import Foundation
import SignedNote
import TransparencyLog

/// `qcredit evidence CODE`: GetEvidence, printed as a C2SP tlog-proof file.
struct EvidenceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evidence",
        abstract: "Print offline evidence of an enterprise's grade as a C2SP tlog-proof file.",
        discussion: """
            The file holds the publication record the grade rests on (in its extra line), the record's \
            inclusion proof and a signed checkpoint. Keep it in the loan file: \
            `qcredit evidence CODE > CODE.tlog-proof`, and check it any time, offline, with \
            `qcredit verify-proof CODE.tlog-proof --vkey KEY`. With --json, the whole reply.
            """)

    @OptionGroup var options: GlobalOptions

    @Argument(help: "The enterprise's USCC or organization code.")
    var code: String

    func run() async throws {
        try await options.run { daemon, console in
            let reply = try await daemon.call("org.qcredit.query.GetEvidence", ["code": .string(code)])
            if console.json {
                console.jsonLine(.object(reply))
            } else {
                Console.emit(reply["evidence"]?["tlogProof"]?.stringValue ?? "", to: STDOUT_FILENO)
            }
            return .success
        }
    }
}

/// `qcredit verify-proof FILE --vkey KEY`: checks a tlog-proof file offline.
struct VerifyProofCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-proof",
        abstract: "Verify a tlog-proof file offline: signature, record and inclusion.",
        discussion: """
            Checks that a trusted key signed the checkpoint, recomputes the leaf hash from the record in \
            the file, and verifies the inclusion proof against the checkpoint's root. Needs no daemon. \
            Exits 0 when every check passes, 4 when one fails.
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
                proof = try TLogProof(parsing: try LogVerification.readFile(file))
            } catch let failure as Failure {
                throw failure
            } catch {
                throw Failure.badInput("\(file): not a tlog-proof file: \(error)")
            }
            let (checkpoint, signers) = try LogVerification.openCheckpoint(proof.signedCheckpoint, verifiers: verifiers, source: file)
            guard let record = proof.extra else { throw Failure.verification("\(file) carries no record (no extra line)") }
            do {
                try proof.verifyInclusion(leafHash: MerkleHash.leaf(record))
            } catch {
                throw Failure.verification("record \(proof.index) is not in the signed tree of \(checkpoint.size): \(error)")
            }
            let parsed = try? JSONValue.parse(record)
            if console.json {
                console.jsonLine([
                    "verified": true, "index": .int(proof.index), "treeSize": .int(checkpoint.size),
                    "origin": .string(checkpoint.origin), "signedBy": .array(signers.map(JSONValue.string)),
                    "record": parsed ?? .null,
                ])
            } else {
                var block = KeyValueBlock()
                block.add("Verified", "yes")
                block.add("Log", checkpoint.origin)
                block.add("Signed by", signers.joined(separator: ", "))
                block.add("Record", "\(proof.index) of \(checkpoint.size)")
                block.add("Type", parsed?["type"]?.stringValue)
                block.add("Published", parsed?["publishedAt"]?.stringValue)
                block.add("Subject", parsed?["subject"].map(Self.subject))
                if let grade = parsed?["grade"]?["grade"]?.stringValue ?? parsed?["override"]?["grade"]?.stringValue {
                    block.add("Grade", grade)
                }
                if let listing = parsed?["listing"] {
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
