import QCreditCrypto
import SignedNote

/// An ``ExportSigningKey`` whose parts were found to belong together. The PEM is re-encoded from
/// the verifier key, so the exported file's bytes depend only on the key.
struct CheckedSigningKey {
    let type: ExportKeyType
    let verifierKey: String
    let publicKeyPEM: String
    let signer: any NoteSigner
    let verifier: any PublicNoteKey

    var keyID: UInt32 { signer.keyID }
    var label: String { "\(signer.name)+\(Hex.keyID(signer.keyID))" }
}
