import QCreditCrypto
import QCreditExport

/// An Ed25519 and an SM2 export key under one name, generated for the test (never stored).
struct TestKeys {
    let ed25519: ExportSigningKey
    let sm2: ExportSigningKey

    init(name: String = "qcredit.example.gov.cn/registry") throws {
        ed25519 = try ExportSigningKey(name: name, privateKey: .ed25519(try Ed25519PrivateKey()))
        sm2 = try ExportSigningKey(name: name, privateKey: .sm2(try SM2PrivateKey()))
    }

    var all: [ExportSigningKey] { [ed25519, sm2] }
    var verifierKeys: [String] { all.map(\.verifierKey) }
}
