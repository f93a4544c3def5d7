/// The signature algorithm of a key that signs exports, as file names and the `verifier-keys`
/// file write it.
///
/// ```swift
/// ExportKeyType(encodedKeyType: 0x01)   // .ed25519 (C2SP signed-note type 0x01)
/// ExportKeyType.sm2.rawValue            // "sm2" (qcredit's 0xff "qcredit/sm2-sm3@v1" type)
/// ```
public enum ExportKeyType: String, Sendable, Hashable, CaseIterable {
    /// Ed25519 (RFC 8032): 64-byte signatures.
    case ed25519
    /// SM2 with SM3 (GB/T 32918), distinguishing ID `1234567812345678`: DER signatures.
    case sm2

    /// The type of a note verifier key from the first byte of its encoded key (`0x01` Ed25519,
    /// `0xff` SM2), or nil for another.
    public init?(encodedKeyType byte: UInt8) {
        switch byte {
        case 0x01: self = .ed25519
        case 0xff: self = .sm2
        default: return nil
        }
    }
}
