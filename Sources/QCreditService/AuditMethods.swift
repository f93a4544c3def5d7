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

    static func inclusionReply(index: Int64, treeSize: Int64, _ result: (leafHash: [UInt8], proof: [[UInt8]])) -> [String: JSONValue] {
        [
            "index": .int(index), "treeSize": .int(treeSize), "leafHash": base64(result.leafHash),
            "proof": .array(result.proof.map(base64)),
        ]
    }

    static func consistencyReply(fromSize: Int64, toSize: Int64, _ proof: [[UInt8]]) -> [String: JSONValue] {
        ["fromSize": .int(fromSize), "toSize": .int(toSize), "proof": .array(proof.map(base64))]
    }

    /// The proofs read on a thread meant for blocking, for ``RegistryService/answerOffLoop(_:context:)``:
    /// the same replies and errors as the methods above. Nil when a parameter is not an integer
    /// (the normal path names it).
    static func proofOffLoop(_ call: VarlinkCall, log: TransparencyLogService) -> (@Sendable () throws -> [String: JSONValue])? {
        let parameters = Parameters(call.parameters)
        switch call.method {
        case "\(RegistryInterfaces.audit).GetInclusionProof":
            guard let index = try? parameters.int("index"), let treeSize = try? parameters.int("treeSize") else { return nil }
            return { inclusionReply(index: index, treeSize: treeSize, try log.inclusionProofBlocking(index: index, treeSize: treeSize)) }
        case "\(RegistryInterfaces.audit).GetConsistencyProof":
            guard let fromSize = try? parameters.int("fromSize"), let toSize = try? parameters.int("toSize") else { return nil }
            return { consistencyReply(fromSize: fromSize, toSize: toSize, try log.consistencyProofBlocking(from: fromSize, to: toSize)) }
        default:
            return nil
        }
    }

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
            try await call.reply(inclusionReply(index: index, treeSize: treeSize, try await call.log.inclusionProof(index: index, treeSize: treeSize)))
        },
        method("GetConsistencyProof") { _, call in
            let fromSize = try call.parameters.int("fromSize")
            let toSize = try call.parameters.int("toSize")
            try await call.reply(consistencyReply(fromSize: fromSize, toSize: toSize, try await call.log.consistencyProof(from: fromSize, to: toSize)))
        },
        method("GetEntries") { registry, call in
            guard call.replies.acceptsMore else { throw VarlinkError.expectedMore() }
            let start = try call.parameters.int("start")
            let end = try call.parameters.int("end")
            guard start < end else { throw LogError.invalidRange(reason: "start \(start) must be less than end \(end)") }
            var next = start
            pages: while next < end {
                // Taken before the page is read: a repair committed while the page goes out (to a
                // reader that stopped reading) sends the rest read again, its openings withheld.
                let mark = registry.disclosureMark
                let visibility = registry.visibility(call.view)
                let page = try await call.log.entries(from: next, to: end, limit: pageSize)
                guard !page.isEmpty else { throw LogError.sizeBeyondTree(requested: end, treeSize: next) }
                for entry in page {
                    if registry.view(call.view, movedSince: mark) {
                        next = entry.index
                        continue pages
                    }
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
