import CanonicalJSON
import Foundation
import Glibc
import Testing

/// The daemon as the Python `varlink` package sees it: introspection, every method, streams,
/// typed errors, and a second user refused by role.
@Suite(.interop) struct PythonVarlinkInteropTests {
    /// Roles for the user running the tests (root in CI), granted by each kind of principal.
    static var config: String {
        let uid = getuid()
        let user = String(cString: getpwuid(uid).pointee.pw_name)
        let group = String(cString: getgrgid(getgid()).pointee.gr_name)
        return """
            socketMode = "0666"
            [roles]
            regulator = ["user:\(user)"]
            bank = ["uid:\(uid)"]
            auditor = ["group:\(group)"]
            operator = ["user:\(user)"]
            """
    }

    @Test func thePythonClientCallsEveryMethod() async throws {
        guard try Interop.available(), let python = Interop.python else { return }
        let daemon = try await DaemonProcess(config: Self.config)
        let result = try await runCommand(python, [Interop.scripts.appendingPathComponent("varlink_client.py").path, daemon.socketPath, "full"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)\n--- daemon log ---\n\(daemon.log)")
        #expect(result.stdout.contains("all checks passed"))
    }

    @Test func aSecondUserWithoutRolesIsRefusedAndChangesNothing() async throws {
        guard try Interop.available(), let python = Interop.python else { return }
        try SecondUser.requireRoot()
        let daemon = try await DaemonProcess(config: Self.config)
        _ = try await daemon.call("org.qcredit.admin.RegisterEnterprise", ["code": "911522010783762860", "name": "Owner Co."])
        // nobody may not read the repository (it may live under /root): give it a copy.
        let script = daemon.directory.appendingPathComponent("varlink_client.py")
        try FileManager.default.copyItem(at: Interop.scripts.appendingPathComponent("varlink_client.py"), to: script)
        let result = try await runCommand(
            "/usr/bin/setpriv", ["--reuid=nobody", "--regid=nogroup", "--clear-groups", python, script.path, daemon.socketPath, "denied"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)\n--- daemon log ---\n\(daemon.log)")
        #expect(daemon.log.contains("permission denied"))
        await #expect(throws: (any Error).self) {
            try await daemon.call("org.qcredit.query.GetGrade", ["code": "9115220107837941X1"])
        }
    }

    /// A bank on its own connection (nobody, granted the bank role), with a third-party client:
    /// after credit repair, and after a revocation, no reply of any method it may call shows the
    /// listing, and its grade, now and at a date the listing was in force, is the grade without it.
    @Test(arguments: ["repaired", "revoked"]) func aBankSeesNoTraceOfAnEndedListing(_ ending: String) async throws {
        guard try Interop.available(), let python = Interop.python else { return }
        try SecondUser.requireRoot()
        guard let nobody = getpwnam("nobody") else {
            if Interop.required { Issue.record("the bank-view test needs a user nobody") }
            return
        }
        let config = """
            socketMode = "0666"
            [roles]
            regulator = ["uid:\(getuid())"]
            bank = ["uid:\(nobody.pointee.pw_uid)"]
            """
        let daemon = try await DaemonProcess(config: config)
        let code = "911522010783762860"
        let words = ["Falsified inspection reports", "Art. 9(3)", "兴市监严〔2025〕7号", "示例质量有限公司（原名）"]
        _ = try await daemon.call("org.qcredit.admin.RegisterEnterprise", ["code": .string(code), "name": .string(words[3])])
        let proposed = try await daemon.call(
            "org.qcredit.admin.ProposeListing",
            [
                "code": .string(code), "listType": "serious-dishonesty", "reason": .string(words[0]),
                "legalBasis": .string("SAMR Order No. 44 (2021), \(words[1])"), "authority": "兴安盟市场监督管理局",
                "documentNumber": .string(words[2]), "decisionDate": "2025-06-01",
            ])
        let listingId = try #require(proposed["listing"]?["id"])
        _ = try await daemon.call("org.qcredit.admin.ConfirmListing", ["listingId": listingId, "publicationDate": "2025-06-03"])
        // Renamed since the decision: the name at decision is now only a former name.
        _ = try await daemon.call("org.qcredit.admin.UpdateEnterprise", ["code": .string(code), "name": "内蒙古示例质量有限公司", "reason": "renamed"])
        _ = try await daemon.call("org.qcredit.admin.PublishGrades", ["codes": [.string(code)]])
        if ending == "repaired" {
            let application = try await daemon.call(
                "org.qcredit.admin.ApplyForRepair",
                [
                    "listingId": listingId, "commitmentLetterSha256": .string(String(repeating: "e1", count: 32)),
                    "penaltyFulfilment": "paid", "applicantContact": "c",
                ])
            _ = try await daemon.call(
                "org.qcredit.admin.DecideRepair",
                ["applicationId": try #require(application["application"]?["id"]), "decision": "approve", "reason": "ok", "documentNumber": "修1"])
        } else {
            _ = try await daemon.call(
                "org.qcredit.admin.RemoveListing", ["listingId": listingId, "reason": "revoked", "authority": "a", "documentNumber": "撤1"])
        }
        _ = try await daemon.waitForCheckpointOfWholeLog()

        let script = daemon.directory.appendingPathComponent("bank_view.py")
        try FileManager.default.copyItem(at: Interop.scripts.appendingPathComponent("bank_view.py"), to: script)
        let result = try await runCommand(
            "/usr/bin/setpriv", ["--reuid=nobody", "--regid=nogroup", "--clear-groups", python, script.path, daemon.socketPath, code])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)\n--- daemon log ---\n\(daemon.log)")
        let replies = try result.stdout.split(separator: "\n").map { try JSONValue.parse(String($0)) }
        #expect(Set(replies.compactMap { $0["method"]?.stringValue }).count == 8, "\(result.stdout)")
        // The name it was listed under (renamed since) is not shown as a former name either.
        for word in words {
            #expect(!result.stdout.contains(word), "a bank sees '\(word)'")
        }
        #expect(!result.stdout.contains("\"listingId\": \(listingId.intValue!)"))
        // Now the grade published without it; in mid-2025, while it was on the list (and would
        // have forced D), ungraded: as if it had never been public.
        let grade = try #require(replies.first { $0["method"] == "GetGrade" }?["reply"]?["grade"])
        #expect(grade["grade"] == "A", "\(grade)")
        let then = try #require(replies.first { $0["method"] == "GetGradeAt" }?["reply"]?["grade"])
        #expect(then["basis"] == "ungraded", "\(then)")
        #expect(grade["caps"] == [] && then["caps"] == [])
        let entries = replies.filter { $0["method"] == "GetEntries" }
        #expect(entries.filter { ($0["reply"]?["opening"] ?? .null) == .null }.count == 2, "the listing's and its removal's openings withheld")
    }
}
