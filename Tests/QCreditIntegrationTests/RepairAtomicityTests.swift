import CanonicalJSON
import Foundation
import Glibc
import Testing
import Varlink

/// An approved credit repair removes the listing, publishes the removal and ends the disclosure
/// of the listing's records in one transaction: `kill -9` in the middle of a stream of approvals
/// leaves each one complete or absent, never a listing removed but still disclosed (or the reverse).
@Suite struct RepairAtomicityTests {
    /// Violations of the invariant, by what is wrong, counted straight from the database.
    static let violations = [
        (
            "an approval without its removal",
            """
            SELECT COUNT(*) FROM repair_decision d
            WHERE d.decision = 'approve' AND NOT EXISTS (
                SELECT 1 FROM listing_step s WHERE s.id = d.removal_step_id AND s.kind = 'removed' AND s.removal_reason = 'repaired')
            """
        ),
        (
            "a removal as repaired without an approval",
            """
            SELECT COUNT(*) FROM listing_step s WHERE s.kind = 'removed' AND s.removal_reason = 'repaired'
              AND NOT EXISTS (SELECT 1 FROM repair_decision d WHERE d.removal_step_id = s.id AND d.decision = 'approve')
            """
        ),
        (
            "a repaired listing whose records are still disclosed",
            """
            SELECT COUNT(*) FROM listing_step r JOIN listing_step l ON l.listing_id = r.listing_id AND l.kind = 'listed'
            WHERE r.kind = 'removed' AND r.removal_reason = 'repaired'
              AND (NOT EXISTS (SELECT 1 FROM disclosure_end e WHERE e.publication_idx = l.publication_idx AND e.reason = 'repaired')
                OR NOT EXISTS (SELECT 1 FROM disclosure_end e WHERE e.publication_idx = r.publication_idx AND e.reason = 'repaired'))
            """
        ),
        (
            "a disclosure ended for repair without the repair",
            """
            SELECT COUNT(*) FROM disclosure_end e WHERE e.reason = 'repaired' AND NOT EXISTS (
                SELECT 1 FROM listing_step r JOIN listing_step l ON l.listing_id = r.listing_id AND l.kind = 'listed'
                WHERE r.kind = 'removed' AND r.removal_reason = 'repaired'
                  AND e.publication_idx IN (l.publication_idx, r.publication_idx))
            """
        ),
    ]

    @Test func killDashNineNeverSplitsAnApprovedRepair() async throws {
        let daemon = try await DaemonProcess()
        var applications: [Int64] = []
        for n in 0..<40 {
            let code = DurabilityTests.uscc(300 + n)
            _ = try await daemon.call("org.qcredit.admin.RegisterEnterprise", ["code": .string(code), "name": .string("Repair Co. \(n)")])
            let proposed = try await daemon.call(
                "org.qcredit.admin.ProposeListing",
                [
                    "code": .string(code), "listType": "serious-dishonesty", "reason": "r", "legalBasis": "l", "authority": "a",
                    "documentNumber": .string("d\(n)"), "decisionDate": "2025-01-01",
                ])
            let listing = try #require(proposed["listing"]?["id"])
            _ = try await daemon.call("org.qcredit.admin.ConfirmListing", ["listingId": listing, "publicationDate": "2025-01-02"])
            let application = try await daemon.call(
                "org.qcredit.admin.ApplyForRepair",
                [
                    "listingId": listing, "commitmentLetterSha256": .string(String(repeating: "7d", count: 32)),
                    "penaltyFulfilment": "paid", "applicantContact": "c",
                ])
            applications.append(try #require(application["application"]?["id"]?.intValue))
        }
        // Two clients approve as fast as they can; the daemon dies in the middle.
        let approved = Mutexed<[Int64]>([])
        let approvers = [applications.filter { $0 % 2 == 0 }, applications.filter { $0 % 2 == 1 }].map { mine in
            Task {
                guard let client = try? await daemon.client() else { return }
                for id in mine {
                    do {
                        _ = try await client.call(
                            "org.qcredit.admin.DecideRepair",
                            parameters: ["applicationId": .int(id), "decision": "approve", "reason": "ok", "documentNumber": .string("修\(id)")])
                    } catch {
                        return
                    }
                    approved.modify { $0.append(id) }
                }
            }
        }
        while approved.get().count < 8 { try await Task.sleep(for: .milliseconds(2)) }
        await daemon.kill(SIGKILL)
        for approver in approvers { await approver.value }
        let acknowledged = approved.get()
        #expect(acknowledged.count < applications.count, "the kill came after every approval; nothing was tested")

        let database = (daemon.stateDirectory as NSString).appendingPathComponent("registry.sqlite")
        for (what, query) in Self.violations {
            let result = try await runCommand("/usr/bin/sqlite3", [database, query])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0", "\(what)")
        }
        // Every acknowledged approval is there, whole, as the registry serves it after restart.
        try await daemon.start()
        let decided = try await daemon.call("org.qcredit.admin.ListRepairApplications")["applications"]?.arrayValue ?? []
        let approvedNow = Set(decided.filter { $0["status"] == "approved" }.compactMap { $0["id"]?.intValue })
        #expect(Set(acknowledged).isSubset(of: approvedNow))
        #expect(approvedNow.count <= acknowledged.count + 2, "at most one unacknowledged approval per client survived")
    }
}
