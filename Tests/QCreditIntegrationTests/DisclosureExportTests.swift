import CanonicalJSON
import Foundation
import Glibc
import Testing

/// A listing ended by credit repair or revocation leaves no byte of the public export, while the
/// restricted part keeps every opening for auditors; both verify, and a restore replays the
/// openings from it.
@Suite struct DisclosureExportTests {
    static let code = DurabilityTests.uscc(40)
    /// The enterprise's name when the listing was decided; it is renamed afterwards.
    static let nameAtDecision = "郑州假冒乳粉有限公司"
    static let decision: [String: JSONValue] = [
        "code": .string(code), "listType": "serious-dishonesty", "reason": "Counterfeit dairy powder sold in bulk",
        "legalBasis": "SAMR Order No. 44 (2021), Art. 9(2)", "authority": "Zhengzhou AMR",
        "documentNumber": "郑市监严〔2025〕77号", "decisionDate": "2025-05-20",
    ]
    static let removalDocument = "郑市监撤〔2026〕1号"
    static let repairDocument = "郑市监修〔2026〕1号"
    /// Words of the listing that must not reach the public.
    static let listingWords = [
        nameAtDecision, "Counterfeit dairy powder", "Art. 9(2)", "郑市监严〔2025〕77号", removalDocument, repairDocument,
    ]

    enum Ending: String, CaseIterable { case repaired, revoked }

    static var groupName: String { String(cString: getgrgid(getgid()).pointee.gr_name) }

    @Test(arguments: Ending.allCases) func theRestrictedPartKeepsWhatThePublicExportNoLongerShows(_ ending: Ending) async throws {
        let exports = FileManager.default.temporaryDirectory.appendingPathComponent("qcredit-exports-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: exports) }
        let daemon = try await DaemonProcess(
            config: RestoreTests.config(exports: exports) + "restrictedGroup = \"\(Self.groupName)\"\n")
        let qcredit = DaemonProcess.product("qcredit")
        try await daemon.seed(from: 0, count: 3)
        _ = try await daemon.waitForCheckpointOfWholeLog()
        let backup = daemon.directory.appendingPathComponent("backup").path
        #expect(try await runCommand(qcredit, ["backup", backup, "--socket", daemon.socketPath]).status == 0)

        // Listed (published long enough ago for repair), renamed, then repaired or revoked.
        _ = try await daemon.call("org.qcredit.admin.RegisterEnterprise", ["code": .string(Self.code), "name": .string(Self.nameAtDecision)])
        let proposed = try await daemon.call("org.qcredit.admin.ProposeListing", Self.decision)
        let listingId = try #require(proposed["listing"]?["id"]?.intValue)
        let confirmed = try await daemon.call(
            "org.qcredit.admin.ConfirmListing", ["listingId": .int(listingId), "publicationDate": "2025-06-02"])
        let listingIndex = try #require(confirmed["listing"]?["logIndex"]?.intValue)
        _ = try await daemon.call(
            "org.qcredit.admin.UpdateEnterprise",
            ["code": .string(Self.code), "name": "Zhengzhou Dairy Trading Co.", "reason": "renamed", "documentNumber": "郑市监名〔2026〕3号"])
        switch ending {
        case .repaired:
            let application = try await daemon.call(
                "org.qcredit.admin.ApplyForRepair",
                [
                    "listingId": .int(listingId), "commitmentLetterSha256": .string(String(repeating: "3c", count: 32)),
                    "penaltyFulfilment": "Fine paid in full", "applicantContact": "Li Ming",
                ])
            _ = try await daemon.call(
                "org.qcredit.admin.DecideRepair",
                [
                    "applicationId": try #require(application["application"]?["id"]), "decision": "approve",
                    "reason": "rectification verified", "documentNumber": .string(Self.repairDocument),
                ])
        case .revoked:
            _ = try await daemon.call(
                "org.qcredit.admin.RemoveListing",
                [
                    "listingId": .int(listingId), "reason": "revoked", "authority": "Zhengzhou AMR",
                    "documentNumber": .string(Self.removalDocument),
                ])
        }
        _ = try await daemon.call("org.qcredit.admin.PublishGrades")
        let (vkey, _) = try await daemon.verifierKey("ed25519")

        let exported = try await runCommand(qcredit, ["export", "--full", "--json", "--socket", daemon.socketPath])
        #expect(exported.status == 0, "\(exported.stderr)")
        let reply = try JSONValue.parse(exported.stdout)
        let export = try #require(reply["directory"]?.stringValue)
        let part = try #require(reply["restrictedPart"]?.stringValue)
        #expect(part == exports + "/restricted/" + (export as NSString).lastPathComponent)

        // No byte of any public file names the listing.
        for file in try FileManager.default.contentsOfDirectory(atPath: export) {
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: export + "/" + file)))
            var needles = Self.listingWords + ["\"listingId\":\(listingId)"]
            if file == "listings.jsonl" { needles.append("\"id\":\(listingId)") }
            for needle in needles {
                #expect(bytes.firstRange(of: Array(needle.utf8)) == nil, "\(file) holds '\(needle)'")
            }
        }
        let publicOpenings = try String(contentsOfFile: export + "/openings.jsonl", encoding: .utf8)
        #expect(!publicOpenings.contains("{\"index\":\(listingIndex),"))

        let verified = try await runCommand(qcredit, ["verify", export, "--vkey", vkey])
        #expect(verified.status == 0, "\(verified.stdout)")
        let restricted = try await runCommand(qcredit, ["verify", export, "--restricted", "--vkey", vkey])
        #expect(restricted.status == 0, "\(restricted.stdout)")
        #expect(restricted.stdout.contains("PASS openings \(part)/openings.jsonl: every entry 0..<"), "\(restricted.stdout)")
        // From inside the export, as the README's auditor works: `.` names it (the restricted
        // part was looked for at ./restricted/., and verify failed a sound export).
        for given in [".", "./", "../" + (export as NSString).lastPathComponent + "/."] {
            let inside = try await runCommand(qcredit, ["verify", given, "--restricted", "--vkey", vkey], directory: export)
            #expect(inside.status == 0, "\(given): \(inside.stdout)")
        }

        // The restricted part keeps the listing's opening and its whole history, for the auditors' group only.
        let allOpenings = try String(contentsOfFile: part + "/openings.jsonl", encoding: .utf8).split(separator: "\n")
        let listingOpening = try #require(allOpenings.first { $0.hasPrefix("{\"index\":\(listingIndex),") })
        #expect(listingOpening.contains("Counterfeit dairy powder") && listingOpening.contains(Self.nameAtDecision))
        let listings = try String(contentsOfFile: part + "/listings.jsonl", encoding: .utf8)
        #expect(listings.contains("\"disclosed\":false") && listings.contains("\"id\":\(listingId),"), "\(listings)")
        #expect(InstallTests.mode(part) == 0o750)
        for file in try FileManager.default.contentsOfDirectory(atPath: part) {
            var status = stat()
            #expect(lstat(part + "/" + file, &status) == 0)
            #expect(status.st_mode & 0o7777 == 0o640, "\(file)")
            #expect(status.st_gid == getgid(), "\(file)")
        }

        // One altered record byte in the part fails, naming the entry.
        let tampered = daemon.directory.appendingPathComponent("tampered").path
        try FileManager.default.createDirectory(atPath: tampered + "/restricted", withIntermediateDirectories: true)
        let name = (export as NSString).lastPathComponent
        try FileManager.default.copyItem(atPath: export, toPath: tampered + "/" + name)
        try FileManager.default.copyItem(atPath: part, toPath: tampered + "/restricted/" + name)
        let altered = try String(contentsOfFile: part + "/openings.jsonl", encoding: .utf8)
            .replacingOccurrences(of: "Counterfeit dairy powder", with: "Counterfeit dairy powdeR")
        try altered.write(toFile: tampered + "/restricted/" + name + "/openings.jsonl", atomically: false, encoding: .utf8)
        let failed = try await runCommand(qcredit, ["verify", tampered + "/" + name, "--restricted", "--vkey", vkey])
        #expect(failed.status == 4)
        #expect(failed.stdout.contains("the opening of entry \(listingIndex) does not open the entry's leaf"), "\(failed.stdout)")

        // A restore from the backup replays the leaves with their openings, from the restricted
        // part, the export given as `.` from inside it (the part was missed then, and the
        // undisclosed listing's records were replayed without their openings).
        #expect(await daemon.stop() == 0)
        let restored = try await runCommand(
            qcredit,
            ["restore", backup, "--entries", ".", "--config", try #require(daemon.configPath), "--state-dir", daemon.stateDirectory],
            directory: export)
        #expect(restored.status == 0, "\(restored.stdout)\(restored.stderr)")
        #expect(restored.stdout.firstMatch(of: /(all \d+|the one) replayed came with their openings/) != nil, "\(restored.stdout)")
        #expect(!restored.stdout.contains("leaves only"), "\(restored.stdout)")
        try await daemon.start()
        let replay = try await runCommand(qcredit, ["audit", "replay", "--json", "--vkey", vkey, "--socket", daemon.socketPath])
        #expect(replay.status == 0, "\(replay.stdout)\(replay.stderr)")
        let replayed = try JSONValue.parse(replay.stdout)
        #expect(replayed["verified"] == true)
        #expect(replayed["unopened"] == 0, "an auditor opens every commitment: \(replay.stdout)")

        // The replayed records keep what ended their disclosure: the repair or revocation is
        // in them, so the public export written after the restore holds no byte of the listing
        // (the restore brought the openings back, and with no end of disclosure recorded for
        // them, a bank read the listing again).
        let after = try await runCommand(qcredit, ["export", "--full", "--json", "--socket", daemon.socketPath])
        #expect(after.status == 0, "\(after.stderr)")
        let exportAfter = try #require(try JSONValue.parse(after.stdout)["directory"]?.stringValue)
        for file in try FileManager.default.contentsOfDirectory(atPath: exportAfter) {
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: exportAfter + "/" + file)))
            for needle in Self.listingWords + ["\"listingId\":\(listingId)"] {
                #expect(bytes.firstRange(of: Array(needle.utf8)) == nil, "after the restore, \(file) holds '\(needle)'")
            }
        }
        let openingsAfter = try String(contentsOfFile: exportAfter + "/openings.jsonl", encoding: .utf8)
        #expect(!openingsAfter.contains("{\"index\":\(listingIndex),"))
        #expect(await daemon.stop() == 0)
    }
}
