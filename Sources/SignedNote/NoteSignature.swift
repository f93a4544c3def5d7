import QCreditCrypto

/// One signature line of a note: `— <name> base64(keyID ‖ signature)`.
public struct NoteSignature: Sendable, Hashable {
    /// The key name, e.g. "log.qcredit.example/v1".
    public var name: String
    /// The key ID: by convention the first four bytes of SHA-256(name ‖ 0x0A ‖ encoded key),
    /// big-endian (see ``VerifierKey/keyID(name:encodedKey:)``).
    public var keyID: UInt32
    /// The signature proper, without the key ID.
    public var signature: [UInt8]

    public init(name: String, keyID: UInt32, signature: [UInt8]) {
        self.name = name
        self.keyID = keyID
        self.signature = signature
    }

    /// The base64 part of the line: standard base64 of the big-endian key ID followed by the signature.
    public var base64: String {
        Base64.encode([UInt8(keyID >> 24), UInt8(keyID >> 16 & 0xff), UInt8(keyID >> 8 & 0xff), UInt8(keyID & 0xff)] + signature)
    }

    /// The whole line as it appears in a note, newline included: "— name base64\n".
    public var line: String { "\u{2014} \(name) \(base64)\n" }

    /// Equal when name (as UTF-8 bytes, not Swift's canonical equivalence), key ID and signature are.
    public static func == (lhs: NoteSignature, rhs: NoteSignature) -> Bool {
        lhs.name.utf8.elementsEqual(rhs.name.utf8) && lhs.keyID == rhs.keyID && lhs.signature == rhs.signature
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(Array(name.utf8))
        hasher.combine(keyID)
        hasher.combine(signature)
    }

    /// Whether `name` may name a key: non-empty, without Unicode white space and without "+"
    /// (the separator of key strings), as c2sp.org/signed-note requires.
    public static func isValidKeyName(_ name: String) -> Bool {
        !name.isEmpty && !name.unicodeScalars.contains { $0.properties.isWhitespace || $0 == "+" }
    }
}
