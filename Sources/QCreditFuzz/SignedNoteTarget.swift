import QCreditCrypto
import SignedNote
import TransparencyLog

/// C2SP signed notes as auditors and clients open checkpoints: parsing, verification against an
/// Ed25519 and an SM2 key, and verifier key strings.
///
/// Checked: a parsed note formats back to exactly its input bytes and parses to itself; every
/// verified signature is by a known key; a verifier key string that parses gives a key whose
/// string parses to the same key. The seeds in the corpus are checkpoints signed by both keys.
enum SignedNoteTarget {
    static let target = FuzzTarget(
        name: "signed-note", summary: "signed note parsing and Ed25519 / SM2 verification; verifier key strings", body: run)

    /// The public halves of two keys made for the fuzz corpus only (their private halves were
    /// discarded after signing the seeds), as `qcredit` prints verifier keys.
    static let verifierKeys = [
        "qcredit.fuzz/log+4898347f+Adb+B82id037Si8YaRqD6IqvGDsbQi81eE8R1jql0Z5y",
        "qcredit.fuzz/log+f2b0db55+/3FjcmVkaXQvc20yLXNtM0B2MQTzMEmKiFrHnjQ6WSRI14s9zkk5bDToAi3iPZFopeNfTa8lVacrFUvrBEp65llfBIrTu6IgK5X6TXCg59UPjMAs",
    ]

    static let verifiers: [any PublicNoteKey] = verifierKeys.map { key in
        // Constants of this file: a failure here is a broken build, not a finding.
        do { return try VerifierKey.parse(key) } catch { fatalError("fuzz verifier key \(key): \(error)") }
    }

    static func run(_ input: UnsafeRawBufferPointer) throws(InvariantViolation) {
        try checkNote(input)
        try checkVerifierKey(input.repairedText)
    }

    private static func checkNote(_ input: UnsafeRawBufferPointer) throws(InvariantViolation) {
        guard let note = try? Note(parsing: input) else { return }
        try require(note.formatted.utf8.elementsEqual(input), "the note does not format back to its input")
        try require((try? Note(parsing: note.formatted)) == note, "the formatted note parses differently")
        guard let verified = try? NoteSigning.verify(note, verifiers: verifiers) else { return }
        for signature in verified {
            try require(
                verifiers.contains { $0.name.hasSameUTF8(as: signature.name) && $0.keyID == signature.keyID },
                "a signature by an unknown key verified: \(signature.name)")
        }
        // A verified checkpoint is what clients go on to read.
        _ = try? Checkpoint(parsing: note.text)
    }

    private static func checkVerifierKey(_ text: String) throws(InvariantViolation) {
        guard let key = try? VerifierKey.parse(text) else { return }
        let printed = VerifierKey.string(for: key)
        let reparsed = try? VerifierKey.parse(printed)
        try require(
            reparsed.map { $0.name.hasSameUTF8(as: key.name) && $0.keyID == key.keyID && $0.encodedKey == key.encodedKey } == true,
            "the verifier key \(printed) does not parse to itself")
        // The parse is strict, so only the key ID's hex digits may be spelt differently (upper case).
        let parts = text.utf8.split(separator: UInt8(ascii: "+"), maxSplits: 2, omittingEmptySubsequences: false)
        let expected = Array(parts[0]) + [UInt8(ascii: "+")] + Array(String(decoding: parts[1], as: UTF8.self).lowercased().utf8)
            + [UInt8(ascii: "+")] + Array(parts[2])
        try require(printed.utf8.elementsEqual(expected), "the verifier key prints as \(printed), read from \(text)")
    }
}
