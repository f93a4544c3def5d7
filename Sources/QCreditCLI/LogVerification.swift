import QCreditCrypto
import CanonicalJSON
import Foundation
import SignedNote
import TransparencyLog

/// The client-side checks of the log, shared by `verify-proof` and `audit`: nothing here
/// trusts the daemon; everything is checked against the verifier keys the user gives.
enum LogVerification {
    /// Parses `--vkey` values; at least one is required, because without a trusted key nothing
    /// can be verified.
    static func verifiers(_ keys: [String]) throws(Failure) -> [any NoteVerifier] {
        guard !keys.isEmpty else {
            throw .badInput("give the log's verifier key with --vkey (qcredit audit keys prints it)")
        }
        return try keys.map { key throws(Failure) in
            do {
                return try VerifierKey.parse(key)
            } catch {
                throw .badInput("--vkey \(key): \(error)")
            }
        }
    }

    /// Opens a signed checkpoint: a trusted key's signature must verify; returns its body.
    static func openCheckpoint(_ note: String, verifiers: [any NoteVerifier], source: String) throws(Failure)
        -> (checkpoint: Checkpoint, signedBy: [String])
    {
        let opened: (note: Note, verified: [NoteSignature])
        do {
            opened = try NoteSigning.open(note, verifiers: verifiers)
        } catch {
            throw .verification("\(source): the checkpoint's signature: \(error)")
        }
        do {
            let checkpoint = try Checkpoint(parsing: opened.note.text)
            return (checkpoint, opened.verified.map { "\($0.name)+\(String(format: "%08x", $0.keyID))" })
        } catch {
            throw .verification("\(source): not a checkpoint: \(error)")
        }
    }

    /// The text of `path` (or standard input for `-`). A file that is not UTF-8 is bad input,
    /// or what `notText` makes of the message (for a proof, a failed verification).
    static func readFile(_ path: String, notText: (String) -> Failure = Failure.badInput) throws(Failure) -> String {
        // Read as every input file is: a refusal says why (no such file, a directory, permission).
        let data = Data(try InputFile.rawBytes(of: path))
        guard let text = String(data: data, encoding: .utf8) else { throw notText("\(path) is not UTF-8 text") }
        return text
    }

    static func base64(_ value: JSONValue?, _ what: String) throws(Failure) -> [UInt8] {
        guard let text = value?.stringValue, let data = Data(base64Encoded: text) else {
            throw .verification("the daemon sent a malformed \(what)")
        }
        return [UInt8](data)
    }

    /// The daemon's proof that the tree of `newSize` leaves extends the tree of `oldSize`, its
    /// hashes decoded (to be checked with ``MerkleProof/verifyConsistency``, not trusted).
    static func consistencyProof(from oldSize: Int64, to newSize: Int64, daemon: DaemonSession) async throws -> [[UInt8]] {
        let reply = try await daemon.call("org.qcredit.audit.GetConsistencyProof", ["fromSize": .int(oldSize), "toSize": .int(newSize)])
        return try (reply["proof"]?.arrayValue ?? []).map { hash throws(Failure) in try base64(hash, "proof hash") }
    }

    /// Checks that a reply's `opening` opens `leaf` (entry `index`) and returns its record: the
    /// salt is 32 bytes, the record's RFC 8785 bytes with the salt give the leaf's commitment.
    static func openedRecord(_ opening: JSONValue, leaf: [UInt8], index: Int64) throws(Failure) -> JSONValue {
        let salt = try base64(opening["salt"], "salt of entry \(index)")
        guard salt.count == RecordOpening.saltSize, let record = opening["record"], let bytes = try? record.canonicalBytes() else {
            throw Failure.verification("the opening of entry \(index) is malformed")
        }
        guard RecordOpening(salt: salt, record: bytes).opens(leaf) else {
            throw Failure.verification("the opening of entry \(index) does not open its leaf: the salt or the record was altered")
        }
        return record
    }
}
