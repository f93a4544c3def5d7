/// Why a note, a key string or a signing request was refused.
///
/// Line numbers count from 1 over the whole note, text included.
public enum NoteError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The bytes are not valid UTF-8 (offset of the first bad byte).
    case invalidUTF8(byteOffset: Int)
    /// An ASCII control character other than newline (U+000A).
    case controlCharacter(line: Int, codePoint: UInt32)
    /// No blank line separates the text from the signatures.
    case missingBlankLine
    /// The blank line is not followed by any signature line.
    case noSignatures
    /// The note (or, when signing, the text) does not end with a newline.
    case missingFinalNewline
    /// A signature line is not "— name base64".
    case malformedSignatureLine(line: Int, reason: String)
    /// More signature lines than ``Note/maximumSignatures``.
    case tooManySignatures(limit: Int)
    /// A key name that is empty or contains Unicode white space or "+".
    case invalidKeyName(String)
    /// Two verifiers share this name and key ID, so a signature cannot be attributed.
    case ambiguousKey(name: String, keyID: UInt32)
    /// A signature from a known key (name and key ID) did not verify: the note is rejected.
    case badSignature(name: String, keyID: UInt32)
    /// No signature is from a known key; lists the unknown signers as "name+keyid".
    case noVerifiedSignature(unknownKeys: [String])
    /// Signing was asked for with no signers.
    case noSigners
    /// A verifier key string ("name+keyid+base64") is malformed.
    case malformedVerifierKey(reason: String)
    /// A private key string ("PRIVATE+KEY+name+keyid+base64") is malformed.
    case malformedSignerKey(reason: String)
    /// The key's signature type byte is not one this module knows (0x01 Ed25519; 0xff followed by
    /// the identifier `qcredit/sm2-sm3@v1` for SM2).
    case unknownKeyType(UInt8)
    /// The key ID written in a key string is not the one its name and key give.
    case keyIDMismatch(name: String, stated: UInt32, computed: UInt32)

    public var description: String {
        switch self {
        case .invalidUTF8(let offset): "the note is not valid UTF-8 (byte \(offset))"
        case .controlCharacter(let line, let codePoint):
            "line \(line) contains the control character U+\(hex(codePoint, width: 4)); only newline is allowed"
        case .missingBlankLine: "the note has no blank line separating its text from its signatures"
        case .noSignatures: "the note has no signature lines after its blank line"
        case .missingFinalNewline: "the note does not end with a newline"
        case .malformedSignatureLine(let line, let reason): "signature line \(line) is malformed: \(reason)"
        case .tooManySignatures(let limit): "the note has more than \(limit) signatures"
        case .invalidKeyName(let name):
            "invalid key name \"\(name)\": it must be non-empty, without white space or \"+\""
        case .ambiguousKey(let name, let keyID): "more than one verifier for key \(name)+\(hex(keyID, width: 8))"
        case .badSignature(let name, let keyID): "the signature by known key \(name)+\(hex(keyID, width: 8)) does not verify"
        case .noVerifiedSignature(let unknown):
            unknown.isEmpty
                ? "the note has no signature from a known key"
                : "the note has no signature from a known key (signed only by \(unknown.joined(separator: ", ")))"
        case .noSigners: "no signers given"
        case .malformedVerifierKey(let reason): "malformed verifier key: \(reason)"
        case .malformedSignerKey(let reason): "malformed private key string: \(reason)"
        case .unknownKeyType(let type): "unknown signature type 0x\(hex(UInt32(type), width: 2))"
        case .keyIDMismatch(let name, let stated, let computed):
            "key \(name) states key ID \(hex(stated, width: 8)) but its key gives \(hex(computed, width: 8))"
        }
    }
}

/// Lower-case hex of `value`, zero-padded to `width` digits.
func hex(_ value: UInt32, width: Int) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: max(0, width - digits.count)) + digits
}
