import CanonicalJSON
import QCreditDomain
import QCreditService
import Testing
import Varlink

/// The interface files are the contract: every method they declare is implemented, every
/// reply and error conforms to them, and the types both interfaces share are identical.
@Suite struct InterfaceConformanceTests {
    let a = "911522010783762860"
    let b = "91152201078377449P"

    @Test func everyDeclaredMethodIsImplementedAndNothingElse() throws {
        let declared = Set(RegistryInterfaces.all.flatMap { interface in interface.methods.map { "\(interface.name).\($0.name)" } })
        let fixtureRoles = Set(RegistryInterfaces.all.map(\.name))
        #expect(fixtureRoles == ["org.qcredit.query", "org.qcredit.admin", "org.qcredit.audit", "org.qcredit.operator"])
        let service = RegistryService.methodNames
        #expect(declared == service)
    }

    @Test func sharedTypesAreIdenticalInBothInterfaces() throws {
        let query = try #require(RegistryInterfaces.all.first { $0.name == "org.qcredit.query" })
        let admin = try #require(RegistryInterfaces.all.first { $0.name == "org.qcredit.admin" })
        for type in admin.types where query.type(named: type.name) != nil {
            #expect(query.type(named: type.name)?.type == type.type, "type \(type.name) differs")
        }
        for error in admin.errors where query.error(named: error.name) != nil {
            #expect(query.error(named: error.name)?.parameters == error.parameters, "error \(error.name) differs")
        }
    }

    /// Calls every method once in a realistic sequence; the fixture validates each reply.
    @Test func everyMethodRepliesAsItsInterfaceFileSays() async throws {
        let fixture = try await ServiceFixture(today: "2026-03-02")
        var called: Set<String> = []
        func call(_ method: String, _ parameters: [String: JSONValue] = [:], as peer: VarlinkPeerCredentials = ServiceFixture.regulator)
            async throws -> [String: JSONValue]
        {
            called.insert(method)
            return try await fixture.call(method, parameters, as: peer)
        }
        let admin = "org.qcredit.admin."
        let query = "org.qcredit.query."
        _ = try await call(admin + "RegisterEnterprise", ["code": .string(a), "name": "示例质量有限公司"])
        _ = try await call(admin + "RegisterEnterprise", ["code": .string(b), "name": "Second Co.", "divisionCode": nil])
        _ = try await call(admin + "UpdateEnterprise", ["code": .string(b), "name": "Second Co. (renamed)", "reason": "rename"])
        let event: [String: JSONValue] = [
            "code": .string(a), "dimension": "product", "kind": "recall", "severity": "medium", "occurredOn": "2026-02-01",
            "authority": "Henan AMR", "documentNumber": "豫召〔2026〕1号", "summary": "battery recall",
        ]
        let first = try await call(admin + "RecordEvent", event)
        _ = try await call(admin + "RecordEvents", ["events": [.object(event), .object(event)]])
        let corrected = try await call(
            admin + "CorrectEvent", ["eventId": first["eventId"]!, "event": .object(event), "reason": "document number typo"])
        _ = try await call(admin + "CorrectEvent", ["eventId": corrected["eventId"]!, "reason": "wrong firm"])
        #expect(try await call(admin + "PublishGrades")["published"] == 2)
        let overridden = try await call(
            admin + "OverrideGrade", ["code": .string(b), "grade": "B", "reason": "review", "documentNumber": "复核1", "until": "2026-12-31"])
        #expect(overridden["grade"]?["basis"] == "override")
        // Two recalls in force (the first was corrected, then the correction retracted): 80 − 8 − 8.
        #expect(try await call(query + "GetGrade", ["code": .string(a)], as: ServiceFixture.bank)["grade"]?["score"] == 64)
        _ = try await call(query + "GetGradeAt", ["code": "07837628-6", "at": "2026-03-02"], as: ServiceFixture.auditor)
        let proposal = try await call(
            admin + "ProposeListing",
            [
                "code": .string(a), "listType": "serious-dishonesty", "reason": "counterfeit goods", "legalBasis": "Order 44",
                "authority": "Zhengzhou AMR", "documentNumber": "郑列1", "decisionDate": "2026-02-15",
            ])
        let listingId = try #require(proposal["listing"]?["id"])
        _ = try await call(admin + "FileObjection", ["listingId": listingId, "summary": "not ours"])
        _ = try await call(
            admin + "ResolveObjection", ["listingId": listingId, "outcome": "rejected", "authority": "AMR", "documentNumber": "复1"])
        let confirmed = try await call(admin + "ConfirmListing", ["listingId": listingId])
        #expect(confirmed["listing"]?["state"] == "listed")
        #expect(confirmed["listing"]?["logIndex"]?.intValue != nil)
        let check = try await call(query + "CheckBlacklist", ["code": .string(a)], as: ServiceFixture.bank)
        #expect(check["listed"] == true)
        let forced = try await call(query + "GetGrade", ["code": .string(a)], as: ServiceFixture.bank)
        #expect(forced["grade"]?["grade"] == "D")
        #expect(forced["grade"]?["logIndex"] == confirmed["listing"]?["logIndex"])
        let file = try await call(query + "GetFile", ["code": .string(a)], as: ServiceFixture.auditor)
        #expect(file["file"]?["view"] == "full")
        #expect(file["file"]?["events"]?.arrayValue?.count == 5)
        let found = try await call(query + "FindEnterprises", ["name": "示例质量", "limit": 5], as: ServiceFixture.bank)
        #expect(found["matches"]?.arrayValue?.first?["uscc"] == .string(a))
        let batch = try await call(
            admin + "RegisterEnterprises",
            [
                "enterprises": [["code": "121200004013590816", "name": "Batch Co."], ["code": .string(a), "name": "again"]],
                "importId": "conformance", "firstLine": 2, "lastLine": 3,
            ])
        #expect(batch["imported"] == 1)
        #expect(batch["rejected"]?.arrayValue?.first?["error"] == "org.qcredit.admin.AlreadyRegistered")
        // The same batch again is answered as it was; other rows under the same import id and
        // lines (another file) are refused, not skipped as applied.
        let again = try await call(
            admin + "RegisterEnterprises",
            [
                "enterprises": [["name": "Batch Co.", "code": "121200004013590816"], ["code": .string(a), "name": "again"]],
                "importId": "conformance", "firstLine": 2, "lastLine": 3,
            ])
        #expect(again["alreadyApplied"] == true)
        #expect(again["imported"] == 1)
        let otherFile = await #expect(throws: VarlinkError.self) {
            try await call(
                admin + "RegisterEnterprises",
                [
                    "enterprises": [["code": "91350100M000100Y43", "name": "Other Co."], ["code": .string(a), "name": "again"]],
                    "importId": "conformance", "firstLine": 2, "lastLine": 3,
                ])
        }
        #expect(otherFile?.name == "org.qcredit.admin.InvalidArgument")
        #expect(otherFile?.parameters["parameter"] == "importId")
        await #expect(throws: VarlinkError.self) {
            try await fixture.call(query + "GetFile", ["code": "91350100M000100Y43"], as: ServiceFixture.regulator)
        }
        let imported = try await call(admin + "ImportEvents", ["events": [.object(event)]])
        #expect(imported["alreadyApplied"] == false)

        called.insert(query + "GetGrades")
        let graded = try await fixture.replies(
            query + "GetGrades", ["codes": [.string(a), "911522010783762861", .string(b), "9115220107837941X1"]],
            as: ServiceFixture.bank, more: true)
        #expect(graded.map(\.continues) == [true, true, true, false])
        #expect(graded.map { $0.parameters["error"]?.stringValue } == [nil, "org.qcredit.query.InvalidCode", nil, "org.qcredit.query.NotFound"])
        called.insert(query + "ListBlacklist")
        let listed = try await fixture.replies(query + "ListBlacklist", ["listType": "serious-dishonesty"], as: ServiceFixture.bank, more: true)
        #expect(listed.count == 1)
        #expect(listed[0].parameters["listing"]?["id"] == listingId)

        let second = try await call(
            admin + "ProposeListing",
            [
                "code": .string(b), "listType": "abnormal-operations", "reason": "no annual report", "legalBasis": "rules",
                "authority": "AMR", "documentNumber": "异1", "decisionDate": "2026-03-01",
            ])
        _ = try await call(admin + "WithdrawListing", ["listingId": second["listing"]!["id"]!, "reason": "report filed"])
        let third = try await call(
            admin + "ProposeListing",
            [
                "code": .string(b), "listType": "abnormal-operations", "reason": "no annual report", "legalBasis": "rules",
                "authority": "AMR", "documentNumber": "异2", "decisionDate": "2026-03-01",
            ])
        _ = try await call(admin + "ConfirmListing", ["listingId": third["listing"]!["id"]!])
        let cured = try await call(
            admin + "RemoveListing",
            ["listingId": third["listing"]!["id"]!, "reason": "cured", "authority": "AMR", "documentNumber": "移1"])
        #expect(cured["listing"]?["removalReason"] == "cured")
        fixture.clock.advance(days: 400)
        let application = try await call(
            admin + "ApplyForRepair",
            [
                "listingId": listingId, "commitmentLetterSha256": .string(String(repeating: "0f", count: 32)),
                "penaltyFulfilment": "fine paid", "applicantContact": "Li Ming",
            ])
        #expect(application["application"]?["status"] == "pending")
        #expect(try await call(admin + "ListRepairApplications", ["pendingOnly": true])["applications"]?.arrayValue?.count == 1)
        let decided = try await call(
            admin + "DecideRepair",
            [
                "applicationId": application["application"]!["id"]!, "decision": "approve", "reason": "fixed",
                "documentNumber": "修1",
            ])
        #expect(decided["application"]?["status"] == "approved")
        #expect(decided["listing"]?["removalReason"] == "repaired")
        let maintenance = try await call("org.qcredit.operator.RunMaintenance", as: ServiceFixture.operator)
        #expect(maintenance["expired"] == [])

        // The log: evidence, checkpoint, proofs, entries, keys.
        let audit = "org.qcredit.audit."
        let evidence = try await call(query + "GetEvidence", ["code": .string(b)], as: ServiceFixture.bank)
        // The override ended on 2026-12-31; the grade in force rests on its grade publication again.
        #expect(evidence["evidence"]?["opening"]?["record"]?["type"] == "grade")
        let checkpoint = try await call(audit + "GetCheckpoint", as: ServiceFixture.auditor)
        let size = try #require(checkpoint["size"]?.intValue)
        #expect(size > 0)
        let inclusion = try await call(audit + "GetInclusionProof", ["index": 0, "treeSize": .int(size)], as: ServiceFixture.bank)
        #expect(inclusion["proof"]?.arrayValue?.isEmpty == false)
        _ = try await call(audit + "GetConsistencyProof", ["fromSize": 1, "toSize": .int(size)], as: ServiceFixture.operator)
        _ = try await call(audit + "GetVerifierKeys", as: ServiceFixture.regulator)
        called.insert(audit + "GetEntries")
        let entries = try await fixture.replies(audit + "GetEntries", ["start": 0, "end": .int(size)], as: ServiceFixture.auditor, more: true)
        #expect(entries.count == Int(size))

        // Operating: status, an export, a streamed backup.
        let status = try await call("org.qcredit.operator.GetStatus", as: ServiceFixture.operator)
        #expect(status["enterprises"] == 3)  // two, and one from RegisterEnterprises
        #expect(status["listed"] == [:])
        // Uptime is the monotonic clock's: the registry's clock set back a day does not make it negative.
        fixture.clock.advance(days: -1)
        let uptime = try await call("org.qcredit.operator.GetStatus", as: ServiceFixture.operator)["uptimeSeconds"]?.intValue
        #expect(uptime.map { $0 >= 0 && $0 < 3600 } == true, "\(String(describing: uptime))")
        fixture.clock.advance(days: 1)
        let export = try await call("org.qcredit.operator.Export", ["full": true], as: ServiceFixture.operator)
        #expect(export["kind"] == "full")
        called.insert("org.qcredit.operator.Backup")
        let backup = try await fixture.replies("org.qcredit.operator.Backup", as: ServiceFixture.operator, more: true)
        #expect(Set(backup.compactMap { $0.parameters["file"]?.stringValue }) == ["registry.sqlite", "checkpoint"])
        #expect(backup.last?.continues == false)
        // A bank's watch lists; the change feed never ends, so WatchChangesTests checks its replies.
        #expect(try await call(query + "SetWatchList", ["name": "loans", "codes": [.string(a)]], as: ServiceFixture.bank)["size"] == 1)
        #expect(try await call(query + "AddToWatchList", ["name": "loans", "codes": [.string(b)]], as: ServiceFixture.bank)["size"] == 2)
        _ = try await call(query + "RemoveFromWatchList", ["name": "loans", "codes": [.string(b)]], as: ServiceFixture.bank)
        #expect(try await call(query + "ListWatchLists", as: ServiceFixture.bank)["lists"] == [["name": "loans", "size": 1]])
        called.insert(query + "GetWatchList")
        let watched = try await fixture.replies(query + "GetWatchList", ["name": "loans"], as: ServiceFixture.bank, more: true)
        #expect(watched.map(\.parameters) == [["codes": [.string(a)]]])
        _ = try await call(query + "DeleteWatchList", ["name": "loans"], as: ServiceFixture.bank)
        called.insert(query + "WatchChanges")
        #expect(called == RegistryService.methodNames, "not called: \(RegistryService.methodNames.subtracting(called).sorted())")
    }

    @Test func errorsAreTypedWithTheirParameters() async throws {
        let fixture = try await ServiceFixture()
        await #expect(throws: VarlinkError(
            name: "org.qcredit.query.InvalidCode",
            parameters: [
                "code": .string("911522010783762861"), "reason": "check character at position 18 should be '0', found '1'",
                "kind": "wrongCheckCharacter", "position": 18, "expected": "0", "found": "1",
            ])
        ) {
            try await fixture.call("org.qcredit.query.GetGrade", ["code": "911522010783762861"], as: ServiceFixture.bank)
        }
        await #expect(throws: VarlinkError(name: "org.qcredit.query.NotFound", parameters: ["code": .string(a)])) {
            try await fixture.call("org.qcredit.query.GetGrade", ["code": .string(a)], as: ServiceFixture.bank)
        }
        await #expect(throws: VarlinkError(name: "org.qcredit.admin.ListingNotFound", parameters: ["listingId": 7])) {
            try await fixture.call("org.qcredit.admin.ConfirmListing", ["listingId": 7])
        }
        // An id the registry never gave names itself back, on the admin interface's own errors.
        await #expect(throws: VarlinkError(name: "org.qcredit.admin.EventNotFound", parameters: ["eventId": 41])) {
            try await fixture.call("org.qcredit.admin.CorrectEvent", ["eventId": 41, "reason": "typo"])
        }
        await #expect(throws: VarlinkError(name: "org.qcredit.admin.RepairApplicationNotFound", parameters: ["applicationId": 9])) {
            try await fixture.call(
                "org.qcredit.admin.DecideRepair",
                ["applicationId": 9, "decision": "approve", "reason": "fulfilled", "documentNumber": "测复〔2026〕1号"])
        }
        // A fault inside a batch names the element and the member.
        let event: JSONValue = [
            "code": .string(a), "dimension": "product", "kind": "penalty", "severity": "low", "occurredOn": "2026-01-05",
            "authority": "SAMR", "documentNumber": "罚〔2026〕1号", "summary": "x",
        ]
        var unsummarised = event.objectValue!
        unsummarised["summary"] = nil
        await #expect(throws: VarlinkError.invalidParameter("events[1].summary")) {
            try await fixture.call("org.qcredit.admin.RecordEvents", ["events": [event, .object(unsummarised)]])
        }
        // Wrong types are refused by the interface before any code runs.
        await #expect(throws: VarlinkError.invalidParameter("code")) {
            try await fixture.call("org.qcredit.query.GetGrade", ["code": 42], as: ServiceFixture.bank)
        }
        await #expect(throws: VarlinkError.invalidParameter("codez")) {
            try await fixture.call("org.qcredit.query.GetGrade", ["code": .string(a), "codez": "x"], as: ServiceFixture.bank)
        }
        // Streams need `more`.
        await #expect(throws: VarlinkError.expectedMore()) {
            try await fixture.call("org.qcredit.query.GetGrades", ["codes": [.string(a)]], as: ServiceFixture.bank)
        }
        let empty = try await fixture.replies("org.qcredit.query.ListBlacklist", as: ServiceFixture.bank, more: true)
        #expect(empty.count == 1)
        #expect(empty[0].parameters["listing"] == nil)
    }
}

/// The audit interface's typed errors.
@Suite struct AuditErrorTests {
    @Test func sizesBeyondTheTreeAndReversedRangesAreTypedErrors() async throws {
        let fixture = try await ServiceFixture()
        let auditor = ServiceFixture.auditor
        await #expect(throws: VarlinkError(name: "org.qcredit.audit.NoCheckpoint")) {
            try await fixture.call("org.qcredit.audit.GetCheckpoint", as: auditor)
        }
        try await fixture.log.signIfGrown()
        let size = try await fixture.logSize()
        await #expect(throws: VarlinkError(name: "org.qcredit.audit.SizeBeyondTree", parameters: ["requested": .int(size + 5), "treeSize": .int(size)])) {
            try await fixture.call("org.qcredit.audit.GetInclusionProof", ["index": 0, "treeSize": .int(size + 5)], as: auditor)
        }
        await #expect(throws: VarlinkError.self) {
            try await fixture.call("org.qcredit.audit.GetInclusionProof", ["index": .int(size), "treeSize": .int(size)], as: auditor)
        }
        await #expect(throws: VarlinkError(name: "org.qcredit.audit.InvalidRange", parameters: ["reason": "fromSize 1 must lie between 1 and toSize 0"])) {
            try await fixture.call("org.qcredit.audit.GetConsistencyProof", ["fromSize": 1, "toSize": 0], as: auditor)
        }
        let reversed = try await fixture.replies("org.qcredit.audit.GetEntries", ["start": 1, "end": 0], as: auditor, more: true)
        #expect(reversed.first?.error == "org.qcredit.audit.InvalidRange")
        let beyond = try await fixture.replies("org.qcredit.audit.GetEntries", ["start": 0, "end": .int(size + 1)], as: auditor, more: true)
        #expect(beyond.first?.error == "org.qcredit.audit.SizeBeyondTree")
        await #expect(throws: VarlinkError(name: "org.qcredit.query.NotGraded", parameters: ["code": "911522010783762860"])) {
            _ = try await fixture.call("org.qcredit.admin.RegisterEnterprise", ["code": "911522010783762860", "name": "Ungraded Co."])
            try await fixture.call("org.qcredit.query.GetEvidence", ["code": "911522010783762860"], as: ServiceFixture.bank)
        }
    }
}
