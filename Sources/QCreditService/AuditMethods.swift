import CanonicalJSON
import Foundation
import QCreditDomain
import QCreditLog
import QCreditRegistry
import TransparencyLog
import Varlink

/// `org.qcredit.audit`: the verifiable log, open to every role.
enum AuditMethods {
    static let roles: Set<Role> = [.regulator, .bank, .auditor, .operator]
    /// Entries read per transaction while streaming.
    static let pageSize = 512

    static func method(_ name: String, _ run: @escaping RegistryMethod.Run) -> RegistryMethod {
        RegistryMethod("\(RegistryInterfaces.audit).\(name)", roles: roles, run)
    }

    static func base64(_ bytes: [UInt8]) -> JSONValue { .string(Data(bytes).base64EncodedString()) }

    static let all: [RegistryMethod] = [
        method("GetCheckpoint") { _, call in
            guard let latest = try await call.log.latestCheckpoint() else { throw LogError.noCheckpoint }
            try await call.reply([
                "checkpoint": .string(latest.note), "origin": .string(call.log.origin), "size": .int(latest.size),
                "rootHash": base64(latest.rootHash),
            ])
        },
        method("GetInclusionProof") { _, call in
            let index = try call.parameters.int("index")
            let treeSize = try call.parameters.int("treeSize")
            let (leafHash, proof) = try await call.log.inclusionProof(index: index, treeSize: treeSize)
            try await call.reply([
                "index": .int(index), "treeSize": .int(treeSize), "leafHash": base64(leafHash),
                "proof": .array(proof.map(base64)),
            ])
        },
        method("GetConsistencyProof") { _, call in
            let fromSize = try call.parameters.int("fromSize")
            let toSize = try call.parameters.int("toSize")
            let proof = try await call.log.consistencyProof(from: fromSize, to: toSize)
            try await call.reply(["fromSize": .int(fromSize), "toSize": .int(toSize), "proof": .array(proof.map(base64))])
        },
        method("GetEntries") { registry, call in
            guard call.replies.acceptsMore else { throw VarlinkError.expectedMore() }
            let start = try call.parameters.int("start")
            let end = try call.parameters.int("end")
            guard start < end else { throw LogError.invalidRange(reason: "start \(start) must be less than end \(end)") }
            let visibility = registry.visibility(call.view)
            var next = start
            while next < end {
                let page = try await call.log.entries(from: next, to: end, limit: pageSize)
                guard !page.isEmpty else { throw LogError.sizeBeyondTree(requested: end, treeSize: next) }
                for entry in page {
                    // Every leaf, so anyone can check the tree; the opening only where the caller may read it.
                    let opening = visibility.showsOpening(of: entry) ? entry.opening.map(WireEncoding.opening) : nil
                    try await call.replies.send(
                        ["index": .int(entry.index), "entry": base64(entry.leaf), "opening": opening ?? .null],
                        continues: entry.index + 1 < end)
                }
                next = page.last!.index + 1
            }
        },
        method("GetVerifierKeys") { _, call in
            try await call.reply([
                "keys": .array(
                    call.log.keys.map { key in
                        [
                            "name": .string(key.name), "type": .string(key.kind.rawValue),
                            "keyId": .string(String(format: "%08x", key.keyID)), "verifierKey": .string(key.verifierKey),
                            "publicKeyPem": .string(key.publicKeyPEM),
                            "distinguishingId": key.kind == .sm2 ? .string(LogSigningKey.sm2DistinguishingID) : .null,
                        ]
                    })
            ])
        },
    ]
}
