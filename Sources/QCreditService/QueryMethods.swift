import CanonicalJSON
import QCreditDomain
import QCreditRegistry
import Varlink

/// `org.qcredit.query`: what banks, regulators and auditors ask.
enum QueryMethods {
    static let roles: Set<Role> = [.regulator, .bank, .auditor]
    /// Codes answered per read transaction when streaming a batch.
    static let batchSize = 256
    /// Codes one `GetGrades` call may hold.
    static let maximumCodesPerCall = 10_000

    static func method(_ name: String, _ run: @escaping RegistryMethod.Run) -> RegistryMethod {
        RegistryMethod("\(RegistryInterfaces.query).\(name)", roles: roles, run)
    }

    static let getGrade = "\(RegistryInterfaces.query).GetGrade"

    /// The `GetGrades` reply for each code, `grade` as `GetGrade` would answer it: where the
    /// in-memory index holds the file, its very answer spliced in as bytes after the code (no
    /// value tree, no re-encoding); the rest read in one go. `continues(offset)` says whether
    /// more replies follow the one for `codes[offset]`.
    static func gradeReplies(
        for codes: [String], registry: Registry, call: RegistryCall, continues: (Int) -> Bool
    ) async throws -> [VarlinkReply] {
        var replies = [VarlinkReply?](repeating: nil, count: codes.count)
        var missing: [Int] = []
        for (offset, code) in codes.enumerated() {
            if let text = call.gradeIndex?.answer(code: code, view: call.view), let reply = splicedReply(code: code, answer: text) {
                replies[offset] = VarlinkReply(parametersText: reply, continues: continues(offset))
            } else {
                missing.append(offset)
            }
        }
        if !missing.isEmpty {
            let read = try await registry.gradesInForce(codes: missing.map { codes[$0] }, view: call.view)
            for (offset, result) in zip(missing, read) {
                var reply: [String: JSONValue] = ["code": .string(codes[offset])]
                switch result {
                case .success(let view): reply["grade"] = WireEncoding.grade(view)
                case .failure(let error):
                    reply["error"] = .string(error.varlinkError(in: RegistryInterfaces.query).name)
                    reply["reason"] = .string(error.reason)
                }
                replies[offset] = VarlinkReply(parameters: reply, continues: continues(offset))
            }
        }
        return replies.compactMap { $0 }
    }

    private static let gradeAnswerHead = Array(#"{"grade":"#.utf8)

    /// `{"code":…,"grade":…}` from a `GetGrade` answer `{"grade":…}`: the members in the order
    /// the encoder writes them ("code" before "grade"); nil for text of another shape.
    static func splicedReply(code: String, answer: [UInt8]) -> [UInt8]? {
        let head = gradeAnswerHead
        guard answer.count > head.count, answer.starts(with: head), answer.last == UInt8(ascii: "}") else { return nil }
        var reply: [UInt8] = []
        reply.reserveCapacity(answer.count + code.utf8.count + 12)
        reply.append(contentsOf: #"{"code":"#.utf8)
        CanonicalObjectWriter.appendString(code, to: &reply)
        reply.append(UInt8(ascii: ","))
        reply.append(contentsOf: answer.dropFirst())
        return reply
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
            // What one call may hold while its replies stream out: a bank's 1 MiB message allows
            // 45,000 codes, and 64 such calls at once held half a gigabyte (an audit's figure).
            guard codes.count <= maximumCodesPerCall else {
                throw RegistryError.invalidArgument(
                    parameter: "codes", reason: "holds \(codes.count) codes; send at most \(maximumCodesPerCall) per call")
            }
            // The call's codes and replies are freed when it ends, wherever it ends.
            defer { FreeMemoryRelease.shared.afterCall(carrying: codes.count) }
            var start = 0
            while start < codes.count {
                let batch = Array(codes[start..<min(start + batchSize, codes.count)])
                // The batch's replies go out together: one write for the batch, not one per code.
                let first = start
                var replies: [VarlinkReply]
                // Composed again when a repair or revocation committed meanwhile: none goes out
                // to the public from a view that ended before it was sent.
                repeat {
                    let mark = registry.disclosureMark
                    replies = try await gradeReplies(for: batch, registry: registry, call: call) { offset in
                        first + offset + 1 < codes.count
                    }
                    if !registry.view(call.view, movedSince: mark) { break }
                } while true
                try await call.replies.send(contentsOf: replies)
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
            // Each listing with the mark taken before its page was read: a repair committed while
            // the page goes out (to a reader that stopped reading) sends the rest read again.
            var pending: (id: Int64, reply: JSONValue, mark: DisclosureMark)?
            var cursor: Int64 = 0
            pages: while true {
                let mark = registry.disclosureMark
                let page = try await registry.blacklistPage(
                    listType: listType, since: since, after: cursor, limit: batchSize, view: call.view)
                for (enterprise, listing) in page {
                    if let previous = pending {
                        if registry.view(call.view, movedSince: previous.mark) {
                            (cursor, pending) = (previous.id - 1, nil)
                            continue pages
                        }
                        try await call.replies.send(["listing": previous.reply], continues: true)
                    }
                    pending = (listing.id, WireEncoding.listing(listing, enterprise: enterprise), mark)
                }
                guard let last = page.last else {
                    if let held = pending, registry.view(call.view, movedSince: held.mark) {
                        (cursor, pending) = (held.id - 1, nil)
                        continue pages
                    }
                    break
                }
                cursor = last.1.id
            }
            try await call.replies.send(pending.map { ["listing": $0.reply] } ?? [:], continues: false)
        },
    ]
}
