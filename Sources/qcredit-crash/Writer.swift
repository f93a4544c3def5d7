import CanonicalJSON
import Foundation
import QCreditDomain
import Varlink
import VarlinkNIO

/// One of a trial's concurrent clients: a regulator (and, for exports, an operator) writing a
/// random mix until its connection fails because the daemon was killed. Each acknowledged write
/// goes into the ledger the moment its reply arrives.
struct Writer {
    let owner: Int
    let connection: VarlinkClient
    let ledger: Ledger
    var random: SeededGenerator

    private enum Write {
        case register, registerBatch, recordEvent, recordEvents, correctEvent, proposeListing, stepListing, overrideGrade
        case publishSome, publishAll, export, evidence
    }

    /// Writes until the connection fails, and returns true then. A refusal of a write the daemon
    /// should accept is a problem for the round's check; the client stops there, returning false.
    mutating func run() async -> Bool {
        while true {
            do {
                try await writeOnce()
            } catch let error as VarlinkError {
                ledger.problem("client \(owner): a valid write was refused: \(error)")
                return false
            } catch let error as MalformedReply {
                ledger.problem("client \(owner): \(error)")
                return false
            } catch {
                return true
            }
        }
    }

    private mutating func writeOnce() async throws {
        let codes = ledger.read { $0.codes[owner] }
        guard codes.count >= 2, let code = codes.randomElement(using: &random) else {
            return try await register()
        }
        switch pick() {
        case .register: try await register()
        case .registerBatch: try await registerBatch()
        case .recordEvent: try await recordEvent(code: code)
        case .recordEvents: try await recordEvents(codes: codes)
        case .correctEvent: try await correctEvent()
        case .proposeListing: try await proposeListing(code: code)
        case .stepListing: try await stepListing()
        case .overrideGrade: try await overrideGrade(code: code)
        case .publishSome: try await publishGrades(codes: Array(codes.shuffled(using: &random).prefix(Int.random(in: 1...4, using: &random))))
        case .publishAll: try await publishGrades(codes: nil, probe: code)
        case .export: try await export()
        case .evidence: try await evidence()
        }
    }

    private mutating func pick() -> Write {
        let weights: [(Write, Int)] = [
            (.register, 10), (.registerBatch, 4), (.recordEvent, 20), (.recordEvents, 8), (.correctEvent, 6), (.proposeListing, 5),
            (.stepListing, 15), (.overrideGrade, 4), (.publishSome, 8), (.publishAll, 1), (.export, 2), (.evidence, 4),
        ]
        var draw = Int.random(in: 0..<weights.reduce(0) { $0 + $1.1 }, using: &random)
        for (write, weight) in weights {
            if draw < weight { return write }
            draw -= weight
        }
        return .recordEvent
    }

    // MARK: Enterprises and events

    private mutating func register() async throws {
        let number = ledger.nextNumber(of: owner)
        let code = USCC.madeUp(serial: 40_000_000 + owner * 1_000_000 + number)
        _ = try await connection.call(
            "org.qcredit.admin.RegisterEnterprise", parameters: ["code": .string(code), "name": .string("崩溃试验质量有限公司 \(owner)-\(number)")])
        ledger.registered(code, owner: owner)
    }

    /// Several new files in one `RegisterEnterprises` batch under an import id: the batch path,
    /// whose rows the writer inserts with its connection's guard triggers off
    /// (RegistryWriter+GuardTriggers), killed like every other write.
    private mutating func registerBatch() async throws {
        let numbers = (0..<Int.random(in: 2...12, using: &random)).map { _ in ledger.nextNumber(of: owner) }
        let codes = numbers.map { USCC.madeUp(serial: 40_000_000 + owner * 1_000_000 + $0) }
        let rows = zip(numbers, codes).map { number, code in
            JSONValue.object(["code": .string(code), "name": .string("崩溃试验批量质量有限公司 \(owner)-\(number)")])
        }
        let reply = try await connection.call(
            "org.qcredit.admin.RegisterEnterprises",
            parameters: [
                "enterprises": .array(rows), "importId": .string("crash-\(owner)-\(numbers[0])"), "firstLine": .int(1),
                "lastLine": .int(Int64(rows.count)),
            ])
        guard reply["imported"]?.intValue == Int64(rows.count), reply["alreadyApplied"]?.boolValue == false else {
            throw MalformedReply("RegisterEnterprises: \(rows.count) new files, but the reply is \(reply)")
        }
        for code in codes { ledger.registered(code, owner: owner) }
    }

    private mutating func newEvent(code: String) -> (event: [String: JSONValue], documentNumber: String) {
        let documentNumber = "crash-\(owner)-\(ledger.nextNumber(of: owner))"
        let event: [String: JSONValue] = [
            "code": .string(code),
            "dimension": .string(["product", "engineering", "service", "environment"].randomElement(using: &random)!),
            "kind": .string(
                ["spot-check-passed", "spot-check-failed", "recall", "penalty", "complaint", "award", "certification"]
                    .randomElement(using: &random)!),
            "severity": .string(["low", "medium", "high"].randomElement(using: &random)!),
            "occurredOn": .string(String(format: "2025-%02d-%02d", Int.random(in: 1...12, using: &random), Int.random(in: 1...28, using: &random))),
            "authority": "崩溃试验市场监督管理局", "documentNumber": .string(documentNumber), "summary": "written under kill -9",
        ]
        return (event, documentNumber)
    }

    private mutating func recordEvent(code: String) async throws {
        let (event, documentNumber) = newEvent(code: code)
        let before = ledger.knownLogEnd()
        let reply = try await connection.call("org.qcredit.admin.RecordEvent", parameters: event)
        guard let id = reply["eventId"]?.intValue else { throw MalformedReply("RecordEvent: no eventId in \(reply)") }
        ledger.recorded(events: [(id, code, documentNumber)], owner: owner, logKnownBefore: before)
    }

    private mutating func recordEvents(codes: [String]) async throws {
        let batch = (0..<Int.random(in: 2...12, using: &random)).map { _ in
            let code = codes.randomElement(using: &random)!
            return (code, newEvent(code: code))
        }
        let before = ledger.knownLogEnd()
        let reply = try await connection.call(
            "org.qcredit.admin.RecordEvents", parameters: ["events": .array(batch.map { .object($0.1.event) })])
        guard let ids = reply["eventIds"]?.arrayValue?.compactMap(\.intValue), ids.count == batch.count else {
            throw MalformedReply("RecordEvents: \(batch.count) events, but the reply is \(reply)")
        }
        ledger.recorded(events: zip(ids, batch).map { ($0, $1.0, $1.1.documentNumber) }, owner: owner, logKnownBefore: before)
    }

    private mutating func correctEvent() async throws {
        // Sorted, as a dictionary's order changes from run to run and the seed must choose the same.
        let candidates = ledger.read { state in
            state.events.filter { $0.value.owner == owner && $0.value.correctable }.sorted { $0.key < $1.key }
        }
        guard let (eventId, event) = candidates.randomElement(using: &random) else {
            return try await recordEvent(code: ledger.read { $0.codes[owner][0] })
        }
        ledger.correcting(eventId)
        var parameters: [String: JSONValue] = ["eventId": .int(eventId), "reason": "corrected under kill -9"]
        var documentNumber = event.documentNumber
        let retraction = random.chance(0.3)
        if !retraction {
            let replacement = newEvent(code: event.code)
            parameters["event"] = .object(replacement.event)
            documentNumber = replacement.documentNumber
        }
        let before = ledger.knownLogEnd()
        let reply = try await connection.call("org.qcredit.admin.CorrectEvent", parameters: parameters)
        guard let id = reply["eventId"]?.intValue else { throw MalformedReply("CorrectEvent: no eventId in \(reply)") }
        ledger.corrected(eventId, by: id, documentNumber: documentNumber, retraction: retraction, logKnownBefore: before)
    }

    // MARK: Listings

    /// Proposes a listing on a list the enterprise has no open listing on (the registry allows one).
    private mutating func proposeListing(code: String) async throws {
        let open = ledger.read { state in
            Set(state.listings.values.filter { $0.code == code && ($0.unsettled || !Self.closedStates.contains($0.state)) }.map(\.listType))
        }
        guard let listType = ["serious-dishonesty", "abnormal-operations"].filter({ !open.contains($0) }).randomElement(using: &random) else {
            return try await recordEvent(code: code)
        }
        let reply = try await connection.call(
            "org.qcredit.admin.ProposeListing",
            parameters: [
                "code": .string(code), "listType": .string(listType),
                "reason": "kill -9 trial", "legalBasis": "SAMR Order No. 44 (2021), Art. 9", "authority": "崩溃试验市场监督管理局",
                "documentNumber": .string("crash-listing-\(owner)-\(ledger.nextNumber(of: owner))"), "decisionDate": "2025-06-01",
            ])
        try ledger.acknowledged(listing: reply["listing"] ?? .null, owner: owner)
    }

    static let closedStates: Set<String> = ["withdrawn", "removed"]

    /// One lifecycle step the listing's state allows, chosen at random.
    private mutating func stepListing() async throws {
        let open = ledger.read { state in
            state.listings.filter { $0.value.owner == owner && !$0.value.unsettled && !Self.closedStates.contains($0.value.state) }
                .sorted { $0.key < $1.key }
        }
        guard let (id, listing) = open.randomElement(using: &random) else {
            return try await proposeListing(code: ledger.read { $0.codes[owner][0] })
        }
        let decision: [String: JSONValue] = [
            "listingId": .int(id), "authority": "崩溃试验市场监督管理局", "documentNumber": .string("crash-step-\(owner)-\(ledger.nextNumber(of: owner))"),
        ]
        let objection: (String, [String: JSONValue]) = ("FileObjection", ["listingId": .int(id), "summary": "we object"])
        func resolve(_ outcome: String) -> (String, [String: JSONValue]) {
            ("ResolveObjection", decision.merging(["outcome": .string(outcome)]) { a, _ in a })
        }
        var choices: [(String, [String: JSONValue])] = []
        switch listing.state {
        case "proposed":
            // Published today, or (serious dishonesty) back-dated far enough for credit repair.
            let publicationDate: JSONValue = listing.listType == "serious-dishonesty" && random.chance(0.5) ? "2025-06-02" : .null
            choices = [
                objection, ("ConfirmListing", ["listingId": .int(id), "publicationDate": publicationDate]),
                ("WithdrawListing", ["listingId": .int(id), "reason": "withdrawn"]),
            ]
        case "objected":
            choices = [resolve("rejected"), resolve("upheld"), ("WithdrawListing", ["listingId": .int(id), "reason": "withdrawn"])]
        case "listed":
            let reason = listing.listType == "abnormal-operations" ? ["cured", "revoked"].randomElement(using: &random)! : "revoked"
            choices = [("RemoveListing", decision.merging(["reason": .string(reason)]) { a, _ in a })]
            if listing.listType == "serious-dishonesty" && random.chance(0.5) {
                return try await repair(listing: id, decision: decision)
            }
            // Only the abnormal-operations list takes objections after publication (within 30 days).
            if listing.listType == "abnormal-operations" { choices.append(objection) }
        case "contested":
            choices = [resolve("rejected"), resolve("upheld")]
        default:
            throw MalformedReply("listing \(id) is in an unknown state \(listing.state)")
        }
        var (method, parameters) = choices.randomElement(using: &random)!
        ledger.stepping(id)
        let reply: [String: JSONValue]
        do {
            reply = try await connection.call("org.qcredit.admin." + method, parameters: parameters)
        } catch let error as VarlinkError where error.parameters["parameter"] == "publicationDate" {
            // Back-dating is refused once an objection dated today was resolved: publish today.
            parameters["publicationDate"] = nil
            reply = try await connection.call("org.qcredit.admin." + method, parameters: parameters)
        }
        try ledger.acknowledged(listing: reply["listing"] ?? .null, owner: owner)
    }

    /// Credit repair: an application (or the one a kill left undecided), then its decision, which
    /// removes the listing when approved. A listing published too recently is refused
    /// (RepairNotEligible) and left as it is.
    private mutating func repair(listing id: Int64, decision: [String: JSONValue]) async throws {
        var applicationId: Int64?
        do {
            let reply = try await connection.call(
                "org.qcredit.admin.ApplyForRepair",
                parameters: [
                    "listingId": .int(id), "commitmentLetterSha256": .string(String(repeating: "c4", count: 32)),
                    "penaltyFulfilment": "fine paid", "applicantContact": "crash trial",
                ])
            applicationId = reply["application"]?["id"]?.intValue
        } catch let error as VarlinkError where error.name == "org.qcredit.admin.RepairNotEligible" {
            return
        } catch let error as VarlinkError where error.name == "org.qcredit.admin.InvalidState" {
            let pending = try await connection.call("org.qcredit.admin.ListRepairApplications", parameters: ["pendingOnly": true])
            applicationId = pending["applications"]?.arrayValue?.first { $0["listingId"]?.intValue == id }?["id"]?.intValue
        }
        guard let applicationId else { throw MalformedReply("no repair application for listing \(id)") }
        ledger.acknowledgedWrite()
        ledger.stepping(id)
        let reply = try await connection.call(
            "org.qcredit.admin.DecideRepair",
            parameters: [
                "applicationId": .int(applicationId), "decision": random.chance(0.7) ? "approve" : "reject",
                "reason": "crash trial", "documentNumber": decision["documentNumber"] ?? "crash",
            ])
        try ledger.acknowledged(listing: reply["listing"] ?? .null, owner: owner)
    }

    // MARK: Grades, exports, evidence

    private mutating func overrideGrade(code: String) async throws {
        let reply = try await connection.call(
            "org.qcredit.admin.OverrideGrade",
            parameters: [
                "code": .string(code), "grade": .string(["AAA", "AA", "A", "B", "C", "D"].randomElement(using: &random)!),
                "reason": "kill -9 trial", "documentNumber": .string("crash-override-\(owner)-\(ledger.nextNumber(of: owner))"),
            ])
        ledger.acknowledgedWrite()
        ledger.graded(code, logIndex: reply["grade"]?["logIndex"]?.intValue, owner: owner)
    }

    /// PublishGrades for `codes` (or every file, then asks for `probe`'s grade); the grades in
    /// force afterwards are asked for, so that the records they rest on are known.
    private mutating func publishGrades(codes: [String]?, probe: String? = nil) async throws {
        var parameters: [String: JSONValue] = [:]
        if let codes { parameters["codes"] = .array(codes.map(JSONValue.string)) }
        _ = try await connection.call("org.qcredit.admin.PublishGrades", parameters: parameters)
        ledger.acknowledgedWrite()
        for code in codes ?? [probe].compactMap({ $0 }) {
            let reply = try await connection.call("org.qcredit.query.GetGrade", parameters: ["code": .string(code)])
            ledger.graded(code, logIndex: reply["grade"]?["logIndex"]?.intValue, owner: owner)
        }
    }

    private mutating func export() async throws {
        let reply = try await connection.call("org.qcredit.operator.Export", parameters: random.chance(0.2) ? ["full": true] : [:])
        guard let name = reply["name"]?.stringValue, let directory = reply["directory"]?.stringValue, let size = reply["treeSize"]?.intValue
        else { throw MalformedReply("Export: \(reply)") }
        ledger.exported(name: name, treeSize: size)
        // A later export may already have pruned it.
        if let note = try? String(contentsOfFile: directory + "/checkpoint", encoding: .utf8) {
            ledger.saw(checkpoint: note, source: "export \(name)")
        }
    }

    private mutating func evidence() async throws {
        let graded = ledger.read { $0.graded[owner].sorted() }
        guard let code = graded.randomElement(using: &random) else { return }
        let reply = try await connection.call("org.qcredit.query.GetEvidence", parameters: ["code": .string(code)])
        guard let checkpoint = reply["evidence"]?["checkpoint"]?.stringValue else { throw MalformedReply("GetEvidence: \(reply)") }
        ledger.saw(checkpoint: checkpoint, source: "evidence for \(code)")
        ledger.graded(code, logIndex: reply["evidence"]?["logIndex"]?.intValue, owner: owner)
    }
}
