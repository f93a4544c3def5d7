/// Signing and opening notes, with the semantics of Go's `golang.org/x/mod/sumdb/note`.
///
/// ```swift
/// let key = try Ed25519NoteKey(name: "log.qcredit.example", privateKey: try Ed25519PrivateKey())
/// let signed = try NoteSigning.sign(text: "qcredit checkpoint\n42\n", with: [key.signer])
/// let (note, verified) = try NoteSigning.open(signed, verifiers: [key.verifier])
/// // note.text == "qcredit checkpoint\n42\n", verified.count == 1
/// ```
public enum NoteSigning {
    /// Signs `text` with each signer, in order, and returns the formatted note.
    ///
    /// `text` must end with a newline and contain no ASCII control character but newline;
    /// each signer's name must be a valid key name. Errors thrown by a signer propagate.
    public static func sign(text: String, with signers: [any NoteSigner]) throws -> String {
        guard !signers.isEmpty else { throw NoteError.noSigners }
        let bytes = Array(text.utf8)
        // Bytes, not Characters: "\r\n" is one Character, so `hasSuffix("\n")` would miss it.
        guard bytes.last == UInt8(ascii: "\n") else { throw NoteError.missingFinalNewline }
        var line = 1
        for byte in bytes {
            if byte == UInt8(ascii: "\n") {
                line += 1
            } else if byte < 0x20 {
                throw NoteError.controlCharacter(line: line, codePoint: UInt32(byte))
            }
        }
        var signatures: [NoteSignature] = []
        for signer in signers {
            guard NoteSignature.isValidKeyName(signer.name) else { throw NoteError.invalidKeyName(signer.name) }
            signatures.append(NoteSignature(name: signer.name, keyID: signer.keyID, signature: try signer.sign(bytes)))
        }
        return Note(text: text, signatures: signatures).formatted
    }

    /// Parses `note` and verifies it against the known `verifiers`; returns the note and the
    /// signatures that verified.
    ///
    /// As Go's `note.Open`: a signature whose key (name *and* key ID) no verifier has is
    /// ignored; one from a known key must verify or the whole note is rejected
    /// (``NoteError/badSignature(name:keyID:)``); repeated signatures by one key after the first
    /// are skipped; at least one signature must verify (``NoteError/noVerifiedSignature(unknownKeys:)``).
    /// Two verifiers with the same name and key ID make any signature by that key
    /// ``NoteError/ambiguousKey(name:keyID:)``.
    public static func open(
        _ note: String, verifiers: [any NoteVerifier]
    ) throws(NoteError) -> (note: Note, verified: [NoteSignature]) {
        let parsed = try Note(parsing: note)
        return (parsed, try verify(parsed, verifiers: verifiers))
    }

    /// ``open(_:verifiers:)-(String,_)`` for a note's bytes, which must be valid UTF-8.
    public static func open(
        _ note: some Collection<UInt8>, verifiers: [any NoteVerifier]
    ) throws(NoteError) -> (note: Note, verified: [NoteSignature]) {
        let parsed = try Note(parsing: note)
        return (parsed, try verify(parsed, verifiers: verifiers))
    }

    /// Verifies an already parsed note as ``open(_:verifiers:)-(String,_)`` does; returns the
    /// signatures that verified.
    public static func verify(_ note: Note, verifiers: [any NoteVerifier]) throws(NoteError) -> [NoteSignature] {
        // Names compare as UTF-8 bytes, as in Go: Swift's String equality would also match
        // canonically equivalent spellings ("é" and "e\u{301}"), which are different keys.
        struct KeyReference: Hashable {
            let name: [UInt8]
            let keyID: UInt32
        }
        var known: [KeyReference: [any NoteVerifier]] = [:]
        for verifier in verifiers {
            known[KeyReference(name: Array(verifier.name.utf8), keyID: verifier.keyID), default: []].append(verifier)
        }
        let text = Array(note.text.utf8)
        var verified: [NoteSignature] = []
        var seen: Set<KeyReference> = []
        var unknown: [String] = []
        for signature in note.signatures {
            let reference = KeyReference(name: Array(signature.name.utf8), keyID: signature.keyID)
            guard let candidates = known[reference] else {
                let label = "\(signature.name)+\(hex(signature.keyID, width: 8))"
                if !unknown.contains(label) { unknown.append(label) }
                continue
            }
            guard candidates.count == 1 else { throw .ambiguousKey(name: signature.name, keyID: signature.keyID) }
            // Why skip rather than check repeats: Go does, so both accept the same notes.
            guard seen.insert(reference).inserted else { continue }
            guard candidates[0].isValid(signature: signature.signature, for: text) else {
                throw .badSignature(name: signature.name, keyID: signature.keyID)
            }
            verified.append(signature)
        }
        guard !verified.isEmpty else { throw .noVerifiedSignature(unknownKeys: unknown) }
        return verified
    }
}
