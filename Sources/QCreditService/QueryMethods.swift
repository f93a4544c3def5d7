import CanonicalJSON
import QCreditDomain
import QCreditRegistry
import Varlink

/// `org.qcredit.query`: what banks, regulators and auditors ask.
enum QueryMethods {
    static let roles: Set<Role> = [.regulator, .bank, .auditor]
    /// Codes answered per read transaction when streaming a batch.
    static let batchSize = 256

    static func method(_ name: String, _ run: @escaping RegistryMethod.Run) -> RegistryMethod {
        RegistryMethod("\(RegistryInterfaces.query).\(name)", roles: roles, run)
    }

    static let getGrade = "\(RegistryInterfaces.query).GetGrade"

    /// The `grade` of each code as `GetGrade` would answer it: from the in-memory index where it
    /// holds the file (the very answer `GetGrade` gives from there), the rest in one read.
    static func grades(of codes: [String], registry: Registry, call: RegistryCall) async throws
        -> [Result<JSONValue, RegistryError>]
    {
        var results = [Result<JSONValue, RegistryError>?](repeating: nil, count: codes.count)
        var missing: [Int] = []
        for (offset, code) in codes.enumerated() {
            if let text = call.gradeIndex?.answer(code: code, view: call.view), let grade = (try? JSONValue.parse(text))?["grade"] {
                results[offset] = .success(grade)
            } else {
                missing.append(offset)
            }
        }
        if !missing.isEmpty {
            let read = try await registry.gradesInForce(codes: missing.map { codes[$0] }, view: call.view)
            for (offset, result) in zip(missing, read) { results[offset] = result.map(WireEncoding.grade) }
        }
        return results.compactMap { $0 }
    }

    static let all: [RegistryMethod] = [
        method("GetGrade") { registry, call in
            let view = try await registry.gradeInForce(code: call.parameters.string("code"), view: call.view)
            try await call.reply(["grade": WireEncoding.grade(view)])
        },
        method("GetEvidence") { registry, call in
            let view = try await registry.gradeInForce(code: call.parameters.string("code"), view: call.view)
            guard let index = view.inForce.publicationIndex else {
                throw RegistryError.notGraded(code: EnterpriseCode.normalize(try call.parameters.string("code")))
            }
            let evidence = try await call.log.evidence(for: index)
            try await call.reply([
                "evidence": [
                    "grade": WireEncoding.grade(view), "logIndex": .int(index), "entry": AuditMethods.base64(evidence.leaf),
                    "opening": WireEncoding.opening(evidence.opening), "treeSize": .int(evidence.treeSize),
                    "inclusionProof": .array(evidence.proof.map(AuditMethods.base64)),
                    "checkpoint": .string(evidence.checkpoint.note), "tlogProof": .string(evidence.tlogProof),
                ]
            ])
        },
        method("GetGradeAt") { registry, call in
            let at = try registry.moment(call.parameters.string("at"))
            let view = try await registry.gradeInForce(code: call.parameters.string("code"), at: at, view: call.view)
            try await call.reply(["grade": WireEncoding.grade(view)])
        },
        method("GetGrades") { registry, call in
            guard call.replies.acceptsMore else { throw VarlinkError.expectedMore() }
            let codes = try call.parameters.strings("codes")
            guard !codes.isEmpty else { throw RegistryError.invalidArgument(parameter: "codes", reason: "is empty") }
            var start = 0
            while start < codes.count {
                let batch = Array(codes[start..<min(start + batchSize, codes.count)])
                let results = try await grades(of: batch, registry: registry, call: call)
                for (offset, result) in results.enumerated() {
                    var reply: [String: JSONValue] = ["code": .string(batch[offset])]
                    switch result {
                    case .success(let grade): reply["grade"] = grade
                    case .failure(let error):
                        reply["error"] = .string(error.varlinkError(in: RegistryInterfaces.query).name)
                        reply["reason"] = .string(error.reason)
                    }
                    try await call.replies.send(reply, continues: start + offset + 1 < codes.count)
                }
                start += batch.count
            }
        },
        method("GetFile") { registry, call in
            let view = call.view
            let file = try await registry.creditFile(code: call.parameters.string("code"), view: view)
            try await call.reply(["file": WireEncoding.creditFile(file, view: view)])
        },
        method("FindEnterprises") { registry, call in
            let limit = try call.parameters.optionalInt("limit").map { Int(clamping: $0) }
            let matches = try await registry.findEnterprises(name: call.parameters.string("name"), limit: limit, view: call.view)
            try await call.reply(["matches": .array(matches.map(WireEncoding.match))])
        },
        method("CheckBlacklist") { registry, call in
            let (enterprise, listings) = try await registry.listings(code: call.parameters.string("code"), view: call.view)
            let onList = listings.filter { $0.state.isOnList }
            try await call.reply([
                "enterprise": WireEncoding.enterprise(enterprise), "listed": .bool(!onList.isEmpty),
                "listings": .array(onList.map { WireEncoding.listing($0, enterprise: enterprise) }),
            ])
        },
        method("ListBlacklist") { registry, call in
            guard call.replies.acceptsMore else { throw VarlinkError.expectedMore() }
            let listType = try call.parameters.optionalString("listType")
            let since = try call.parameters.optionalString("since")
            // One listing is held back so the last reply can say it is the last.
            var pending: JSONValue?
            var cursor: Int64 = 0
            while true {
                let page = try await registry.blacklistPage(
                    listType: listType, since: since, after: cursor, limit: batchSize, view: call.view)
                guard let last = page.last else { break }
                for (enterprise, listing) in page {
                    if let previous = pending { try await call.replies.send(["listing": previous], continues: true) }
                    pending = WireEncoding.listing(listing, enterprise: enterprise)
                }
                cursor = last.1.id
            }
            try await call.replies.send(pending.map { ["listing": $0] } ?? [:], continues: false)
        },
    ]
}
