import Foundation
import CanonicalJSON
import QCreditDomain
import QCreditService
import Synchronization
import Testing
import Varlink

/// A listing ended by credit repair or revocation leaves the public view: a bank sees the
/// enterprise, through every query method and at every date, as if it had never been listed —
/// except that its change feed says, with no details, that a listing ended.
@Suite struct PublicViewTests {
    static let code = "911522010783762860"
    /// Words that appear only in the listing's decision.
    static let decision: [String: JSONValue] = [
        "listType": "serious-dishonesty", "reason": "Counterfeit dairy powder sold in bulk",
        "legalBasis": "SAMR Order No. 44 (2021), Art. 9(2)", "authority": "Zhengzhou AMR",
        "documentNumber": "郑市监严〔2026〕77号", "decisionDate": "2026-03-01",
    ]
    static var listingWords: [String] {
        ["Counterfeit dairy powder", "Art. 9(2)", "郑市监严〔2026〕77号", "Zhengzhou AMR"]
    }

    /// How a listing ends its public disclosure at once: approved credit repair, revocation by
    /// the regulator, or an objection upheld against a listing in its objection window (a
    /// revocation too, on a list that has such a window).
    enum Ending: String, CaseIterable {
        case repaired, revoked, revokedOnObjection

        var listType: JSONValue { self == .revokedOnObjection ? "abnormal-operations" : "serious-dishonesty" }
        /// The grade while listed: serious dishonesty forces D, abnormal operations caps at C.
        var listedGrade: JSONValue { self == .revokedOnObjection ? "C" : "D" }
    }

    @Test(arguments: Ending.allCases) func banksSeeNoTraceOfAnEndedListing(_ ending: Ending) async throws {
        let fixture = try await Self.gradedDairy()
        let id = try await Self.propose(fixture, ending)
        let confirmed = try await fixture.call("org.qcredit.admin.ConfirmListing", ["listingId": id])
        let listingIndex = try #require(confirmed["listing"]?["logIndex"])
        let gradeBefore = try await fixture.call("org.qcredit.query.GetGrade", ["code": .string(Self.code)], as: ServiceFixture.bank)
        #expect(gradeBefore["grade"]?["grade"] == ending.listedGrade, "while listed, the listing caps the grade")
        // The bank's feed shows it the listing while it is public.
        let whileListed = await fixture.changesUntilCaughtUp(["codes": [.string(Self.code)], "since": .int(listingIndex.intValue! - 1)])
        #expect(whileListed.compactMap { $0.parameters["change"]?["kind"] } == ["listed"])

        try await Self.end(listing: id, ending, fixture)
        let removalIndex = try await fixture.logSize() - 1

        let code: JSONValue = .string(Self.code)
        let size = JSONValue.int(try await fixture.logSize())
        let calls: [(String, [String: JSONValue], Bool)] = [
            ("GetGrade", ["code": code], false),
            ("GetGrades", ["codes": [code]], true),
            ("GetGradeAt", ["code": code, "at": "2026-03-02"], false),
            ("GetGradeAt", ["code": code, "at": "2026-03-05T12:00:00+08:00"], false),
            ("GetFile", ["code": code], false),
            ("CheckBlacklist", ["code": code], false),
            ("ListBlacklist", [:], true),
            ("ListBlacklist", ["listType": "serious-dishonesty", "since": "2026-01-01"], true),
            ("GetEvidence", ["code": code], false),
            ("FindEnterprises", ["name": "Dairy"], false),
            // Every leaf, so the tree can be checked; no opening of the listing's records.
            ("org.qcredit.audit.GetEntries", ["start": 0, "end": size], true),
            ("SetWatchList", ["name": "loans", "codes": [code]], false),
            ("AddToWatchList", ["name": "loans", "codes": [code]], false),
            ("GetWatchList", ["name": "loans"], true),
            ("ListWatchLists", [:], false),
            // The whole log's changes: the grade, then only `listing-ended` (checked below).
            ("WatchChanges", ["watchList": "loans", "since": -1], true),
            ("WatchChanges", ["codes": [code], "since": -1], true),
            ("RemoveFromWatchList", ["name": "loans", "codes": [code]], false),
            ("DeleteWatchList", ["name": "loans"], false),
        ]
        var exercised: Set<String> = []
        for (method, parameters, more) in calls {
            let name = method.contains(".") ? method : "org.qcredit.query.\(method)"
            exercised.insert(name)
            let replies =
                method == "WatchChanges"
                ? await fixture.changesUntilCaughtUp(parameters)
                : try await fixture.replies(name, parameters, as: ServiceFixture.bank, more: more)
            if method == "WatchChanges" {
                // Replaying the log from its start, the bank whose feed showed the listing learns
                // only that it ended.
                let changes = replies.compactMap { $0.parameters["change"] }
                #expect(changes.map { $0["kind"] } == ["grade", "listing-ended"], "\(changes)")
            }
            for reply in replies {
                #expect(reply.error == nil, "\(method): \(reply)")
                let text = String(decoding: JSONValue.object(reply.parameters).encoded(), as: UTF8.self)
                for word in Self.listingWords {
                    #expect(!text.contains(word), "\(method) \(parameters) shows '\(word)': \(text)")
                }
                #expect(!Self.mentions(.object(reply.parameters), key: "listingId", value: id), "\(method): \(text)")
                #expect(!Self.mentions(.object(reply.parameters), key: "logIndex", value: listingIndex), "\(method): \(text)")
                #expect(!Self.mentions(.object(reply.parameters), key: "logIndex", value: .int(removalIndex)), "\(method): \(text)")
                if let grade = reply.parameters["grade"] ?? reply.parameters["evidence"]?["grade"], grade != .null {
                    #expect(grade["grade"] == "A", "\(method): the grade without the listing")
                    #expect(grade["caps"] == [], "\(method)")
                    #expect(grade["listed"] == [], "\(method)")
                }
            }
        }
        let queryMethods = RegistryService.methodNames.filter { $0.hasPrefix("org.qcredit.query.") }
        #expect(exercised == queryMethods.union(["org.qcredit.audit.GetEntries"]), "a query method a bank can call is not checked")
        // The bank still received every leaf, and can check the tree.
        let entries = try await fixture.replies("org.qcredit.audit.GetEntries", ["start": 0, "end": size], as: ServiceFixture.bank, more: true)
        #expect(entries.count == Int(size.intValue!))
        #expect(
            entries.filter { ($0.parameters["opening"] ?? .null) == .null }.count == 2,
            "the listing's and the removal's openings are withheld")

        // The bank whose feed showed the listing learns that it is over, and nothing else: no
        // list, reason, date or record.
        let followed = await fixture.changesUntilCaughtUp(["codes": [code], "since": listingIndex])
        let ended = followed.compactMap { $0.parameters["change"] }
        #expect(ended.map { $0["kind"] } == ["listing-ended"], "\(ended)")
        #expect(ended.last?.objectValue?.keys.sorted() == ["code", "cursor", "kind"])
        // Another bank, never shown it, learns nothing from any cursor: not that a listing
        // existed, nor where it is in the log.
        for since in [-1, listingIndex.intValue! - 1, listingIndex.intValue!, Int64(removalIndex) - 1] {
            let probed = await fixture.changesUntilCaughtUp(["codes": [code], "since": .int(since)], as: ServiceFixture.otherBank)
            let kinds = probed.compactMap { $0.parameters["change"]?["kind"] }
            #expect(kinds.allSatisfy { $0 == "grade" }, "since \(since): \(probed)")
        }

        // Regulators still see the whole history, including the grade as it was while listed.
        let full = try await fixture.call("org.qcredit.query.GetGradeAt", ["code": code, "at": "2026-03-02"])
        #expect(full["grade"]?["grade"] == ending.listedGrade)
        #expect(try await fixture.call("org.qcredit.query.GetFile", ["code": code])["file"]?["listings"]?.arrayValue?.count == 1)
    }

    /// An override made while the listing forced D names what it overrides, the grade record
    /// before any cap (A), not D: once the listing ends, neither the override's record nor a
    /// bank's feed replayed from the start keeps a trace of the D the listing caused.
    @Test(arguments: Ending.allCases) func anOverrideMadeWhileListedKeepsNoTraceOfTheListing(_ ending: Ending) async throws {
        let fixture = try await Self.gradedDairy()
        let id = try await Self.propose(fixture, ending)
        _ = try await fixture.call("org.qcredit.admin.ConfirmListing", ["listingId": id])
        let code: JSONValue = .string(Self.code)
        _ = try await fixture.call(
            "org.qcredit.admin.OverrideGrade", ["code": code, "grade": "B", "reason": "on review", "documentNumber": "复核〔2026〕5号"])
        try await Self.end(listing: id, ending, fixture)

        let changes = await fixture.changesUntilCaughtUp(["codes": [code], "since": -1]).compactMap { $0.parameters["change"] }
        #expect(changes.map { $0["kind"] } == ["grade", "override"], "\(changes)")
        #expect(changes.last?["old"] == "A" && changes.last?["new"] == "B", "\(changes)")
        let size = JSONValue.int(try await fixture.logSize())
        let entries = try await fixture.replies("org.qcredit.audit.GetEntries", ["start": 0, "end": size], as: ServiceFixture.bank, more: true)
        let evidence = try await fixture.call("org.qcredit.query.GetEvidence", ["code": code], as: ServiceFixture.bank)
        for reply in entries.map(\.parameters) + [evidence] {
            let text = String(decoding: JSONValue.object(reply).encoded(), as: UTF8.self)
            let listed = ending.listedGrade.stringValue ?? ""
            #expect(!text.contains(#""grade":"\#(listed)""#) && !text.contains(#""previousGrade":"\#(listed)""#), "\(text)")
        }
        #expect(try await fixture.call("org.qcredit.query.GetGrade", ["code": code], as: ServiceFixture.bank)["grade"]?["grade"] == "B")
        let overrideRecords = entries.compactMap { $0.parameters["opening"]?["record"] }.filter { $0["type"] == "override" }
        #expect(overrideRecords.count == 1, "the override's opening is disclosed: \(entries.map(\.parameters))")
        #expect(overrideRecords.first?["override"]?["previousGrade"] == "A")
    }

    /// An export written while the listing was public published it; once the listing ends,
    /// that export is withdrawn (with its restricted part) before the decision is answered, and
    /// the next export is whole again without it. Exports from before the listing stay.
    @Test(arguments: Ending.allCases) func publicExportsThatShowedAnEndedListingAreWithdrawn(_ ending: Ending) async throws {
        let fixture = try await Self.gradedDairy()
        let before = try await fixture.call("org.qcredit.operator.Export", ["full": true], as: ServiceFixture.operator)
        let id = try await Self.propose(fixture, ending)
        _ = try await fixture.call("org.qcredit.admin.ConfirmListing", ["listingId": id])
        fixture.clock.advance(days: 1)
        let during = try await fixture.call("org.qcredit.operator.Export", [:], as: ServiceFixture.operator)
        let duringName = try #require(during["name"]?.stringValue)
        #expect(try Self.exportText(fixture, duringName).contains("郑市监严〔2026〕77号"), "the listing is public while in force")

        try await Self.end(listing: id, ending, fixture)
        let remaining = try FileManager.default.contentsOfDirectory(atPath: fixture.exportsDirectory)
        #expect(!remaining.contains(duringName), "\(remaining)")
        #expect(remaining.contains(try #require(before["name"]?.stringValue)), "an export from before the listing stays")
        let restricted = try FileManager.default.contentsOfDirectory(atPath: fixture.exportsDirectory + "/restricted")
        #expect(!restricted.contains(duringName))

        let after = try await fixture.call("org.qcredit.operator.Export", [:], as: ServiceFixture.operator)
        let text = try Self.exportText(fixture, try #require(after["name"]?.stringValue))
        for word in Self.listingWords { #expect(!text.contains(word), "the new export shows '\(word)'") }
        for name in try FileManager.default.contentsOfDirectory(atPath: fixture.exportsDirectory) where name != "restricted" {
            let text = try Self.exportText(fixture, name)
            for word in Self.listingWords { #expect(!text.contains(word), "\(name) shows '\(word)'") }
        }

        // A clock set back to a day the listing was in force brings none of it back: not in an
        // export, not in a bank's reply.
        fixture.clock.advance(days: ending == .repaired ? -366 : -10)
        let setBack = try await fixture.call("org.qcredit.operator.Export", ["full": true], as: ServiceFixture.operator)
        let setBackText = try Self.exportText(fixture, try #require(setBack["name"]?.stringValue))
        for word in Self.listingWords { #expect(!setBackText.contains(word), "an export under a clock set back shows '\(word)'") }
        let grade = try await fixture.call("org.qcredit.query.GetGrade", ["code": .string(Self.code)], as: ServiceFixture.bank)
        #expect(grade["grade"]?["grade"] == "A", "\(grade)")
        let listed = try await fixture.call("org.qcredit.query.CheckBlacklist", ["code": .string(Self.code)], as: ServiceFixture.bank)
        #expect(!String(decoding: JSONValue.object(listed).encoded(), as: UTF8.self).contains("郑市监严"), "\(listed)")
    }

    /// A removal committed just before an export takes its snapshot (its own withdrawal waits
    /// behind the export): the export must not become a delta on a base that the withdrawal then
    /// takes away. The export chose its base before its snapshot, the crash harness found such
    /// a delta whose previous export was gone, and no auditor could check it against the rest.
    @Test func aRemovalJustBeforeAnExportsSnapshotLeavesNoDeltaOnAWithdrawnBase() async throws {
        let fixture = try await Self.gradedDairy()
        _ = try await fixture.call("org.qcredit.operator.Export", ["full": true], as: ServiceFixture.operator)
        let id = try await Self.propose(fixture, .revoked)
        _ = try await fixture.call("org.qcredit.admin.ConfirmListing", ["listingId": id])
        fixture.clock.advance(days: 1)
        let during = try #require(try await fixture.call("org.qcredit.operator.Export", [:], as: ServiceFixture.operator)["name"])
        fixture.clock.advance(days: 10)

        let removal = Mutex<Task<[String: JSONValue], any Error>?>(nil)
        fixture.beforeExportSnapshot.set { [fixture] in
            removal.withLock { task in
                task = Task {
                    try await fixture.call(
                        "org.qcredit.admin.RemoveListing",
                        ["listingId": id, "reason": "revoked", "authority": "Zhengzhou AMR", "documentNumber": "郑市监撤〔2026〕2号"])
                }
            }
            // Committed (its reply waits for the withdrawal, which waits for this export).
            while try await fixture.call("org.qcredit.query.CheckBlacklist", ["code": .string(Self.code)])["listed"] == true {
                try await Task.sleep(for: .milliseconds(5))
            }
        }
        let next = try await fixture.call("org.qcredit.operator.Export", [:], as: ServiceFixture.operator)
        _ = try await removal.withLock { $0 }?.value

        let remaining = try FileManager.default.contentsOfDirectory(atPath: fixture.exportsDirectory).filter { $0 != "restricted" }
        #expect(!remaining.contains(try #require(during.stringValue)), "the export that showed the listing was withdrawn")
        // Each remaining export's MANIFEST: its tree ("# tree-size", "# root") and the tree it extends ("# previous").
        func header(_ name: String, _ key: String) throws -> String {
            let manifest = try String(contentsOfFile: fixture.exportsDirectory + "/\(name)/MANIFEST", encoding: .utf8)
            let line = try #require(manifest.split(separator: "\n").first { $0.hasPrefix("# \(key) ") })
            return String(line.dropFirst("# \(key) ".count))
        }
        let trees = Set(try remaining.map { "\(try header($0, "tree-size")) \(try header($0, "root"))" })
        for name in remaining {
            let base = try header(name, "previous")
            #expect(base == "none" || trees.contains(base), "\(name) extends \(base), no longer in \(remaining) (the next export: \(next))")
        }
    }

    /// Every file of a public export, as text.
    static func exportText(_ fixture: ServiceFixture, _ name: String) throws -> String {
        let directory = fixture.exportsDirectory + "/" + name
        return try FileManager.default.contentsOfDirectory(atPath: directory).sorted().map { file in
            String(decoding: try Data(contentsOf: URL(fileURLWithPath: directory + "/" + file)), as: UTF8.self)
        }.joined(separator: "\n")
    }

    /// A fixture whose enterprise is registered and graded (A), today 2026-03-02.
    static func gradedDairy() async throws -> ServiceFixture {
        let fixture = try await ServiceFixture(today: "2026-03-02")
        _ = try await fixture.call("org.qcredit.admin.RegisterEnterprise", ["code": .string(code), "name": "Dairy Co."])
        _ = try await fixture.call("org.qcredit.admin.PublishGrades", ["codes": [.string(code)]])
        return fixture
    }

    /// Proposes the listing of ``decision``, on the list `ending` needs, and returns its id.
    static func propose(_ fixture: ServiceFixture, _ ending: Ending) async throws -> JSONValue {
        var proposal = decision
        proposal["code"] = .string(code)
        proposal["listType"] = ending.listType
        return try #require(try await fixture.call("org.qcredit.admin.ProposeListing", proposal)["listing"]?["id"])
    }

    /// Ends the listing `id` as `ending` says, once that is allowed (repair after a year).
    static func end(listing id: JSONValue, _ ending: Ending, _ fixture: ServiceFixture) async throws {
        fixture.clock.advance(days: ending == .repaired ? 366 : 10)
        switch ending {
        case .repaired:
            try await fixture.repair(listing: id)
        case .revoked:
            _ = try await fixture.call(
                "org.qcredit.admin.RemoveListing",
                ["listingId": id, "reason": "revoked", "authority": "Zhengzhou AMR", "documentNumber": "郑市监撤〔2026〕1号"])
        case .revokedOnObjection:
            _ = try await fixture.call("org.qcredit.admin.FileObjection", ["listingId": id, "summary": "The sale was by a namesake"])
            let resolved = try await fixture.call(
                "org.qcredit.admin.ResolveObjection",
                [
                    "listingId": id, "outcome": "upheld", "authority": "Zhengzhou AMR",
                    "documentNumber": "郑市监复〔2026〕2号",
                ])
            #expect(resolved["listing"]?["state"] == "removed", "\(resolved)")
            #expect(resolved["listing"]?["removalReason"] == "revoked", "\(resolved)")
        }
    }

    /// Whether `value` sits under `key` anywhere in `json`.
    static func mentions(_ json: JSONValue, key: String, value: JSONValue) -> Bool {
        switch json {
        case .object(let members):
            return members.contains { $0.key == key && $0.value == value || mentions($0.value, key: key, value: value) }
        case .array(let elements):
            return elements.contains { mentions($0, key: key, value: value) }
        default:
            return false
        }
    }
}
