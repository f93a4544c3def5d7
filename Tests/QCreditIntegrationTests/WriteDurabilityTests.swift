import CanonicalJSON
import Foundation
import QCreditTestSupport
import Glibc
import QCreditDomain
import Testing
import Varlink

/// Power-loss durability, checked where it matters: in the daemon's system calls. For every
/// method that writes, the WAL frames of its commit are synced (fsync/fdatasync) before the first
/// byte of its reply is written to the socket.
@Suite struct WriteDurabilityTests {
    /// Methods outside `org.qcredit.admin` that change the registry's state.
    static let operatorWrites: Set<String> = ["org.qcredit.operator.RunMaintenance", "org.qcredit.operator.Export"]
    /// `org.qcredit.query` methods that write: a bank's watch lists.
    static let queryWrites: Set<String> = [
        "org.qcredit.query.SetWatchList", "org.qcredit.query.AddToWatchList", "org.qcredit.query.RemoveFromWatchList",
        "org.qcredit.query.DeleteWatchList",
    ]
    /// `org.qcredit.admin` methods that only read.
    static let adminReads: Set<String> = ["org.qcredit.admin.ListRepairApplications"]

    /// strace pads pids to five columns, so a four-digit pid is followed by two spaces. Found when
    /// a sanitizer run's daemon got four-digit thread ids: every reply went unseen.
    @Test func traceLinesAreReadWhateverThePidsWidth() {
        let wal = "/s/registry.sqlite-wal"
        let lines = [
            #"13292 pwrite64(8</s/registry.sqlite-wal>, "\0", 24, 0) = 24"#,
            #"812   fdatasync(8</s/registry.sqlite-wal> <unfinished ...>"#,
            #"8101  write(16<anon_inode:[eventfd]>, "\1", 8) = 8"#,
            #"812   <... fdatasync resumed>) = 0"#,
            #"8101  write(24<UNIX-STREAM:[1->2,"/s/qcreditd.sock"]>, "{}\0", 3) = 3"#,
        ]
        let calls = SyscallTrace.calls(in: lines)
        #expect(calls.map(\.pid) == ["13292", "812", "8101", "8101"])
        #expect(calls.map(\.name) == ["pwrite64", "fdatasync", "write", "write"])
        #expect(calls[1].completedOnLine == 3)
        #expect(SyscallTrace.firstReply(in: calls, toPeer: 2)?.line == 4)
        #expect(SyscallTrace.walSyncedBeforeReply(calls, after: nil, toPeer: 2, walPath: wal) == nil)
        // The same reply before the sync completes is a failure.
        let early = SyscallTrace.calls(in: [lines[0], lines[1], lines[4], lines[3]])
        #expect(SyscallTrace.walSyncedBeforeReply(early, after: nil, toPeer: 2, walPath: wal) != nil)
    }

    @Test func everyWriteMethodSyncsTheWALBeforeItReplies() async throws {
        let scratch = try ScratchDirectory("strace")
        let tracePath = scratch.path + "/trace.txt"
        let me = getuid()
        // Background work is slowed down so that only the calls themselves write.
        let config = """
            maintenanceIntervalSeconds = 86400
            regradeAfterWritesSeconds = 0
            [log]
            checkpointIntervalSeconds = 3600
            [roles]
            regulator = ["uid:\(me)"]
            operator = ["uid:\(me)"]
            auditor = ["uid:\(me)"]
            """
        let daemon = try await DaemonProcess(config: config, launcher: SyscallTrace.launcher(output: tracePath))
        defer { Self.stopTraced(daemon) }
        let trace = SyscallTrace(path: tracePath)
        let walPath = daemon.stateDirectory + "/registry.sqlite-wal"
        // Maintenance regrades once at start; its write must not fall between a call's synced
        // commit and that call's reply (as on a loaded CI machine), or it would be taken for the
        // call's own write.
        try await Self.waitForTheStartUpRegrade(database: daemon.stateDirectory + "/registry.sqlite")
        var exercised: Set<String> = []
        var previousReply: Int?

        // Each call on a connection of its own, whose socket inode names its reply in the trace.
        func call(_ method: String, _ parameters: [String: JSONValue]) async throws -> [String: JSONValue] {
            let (text, peer) = try await Self.callOnItsOwnConnection(daemon, method, parameters)
            let reply = try JSONValue.parse(try #require(text, "\(method): no reply"))
            if let error = reply["error"]?.stringValue { throw VarlinkError(name: error, parameters: reply["parameters"]?.objectValue ?? [:]) }
            // The reply's write was traced before the client could receive it; wait until strace
            // has written it out.
            // Generous: under strace and a full parallel test run the daemon's start can take long.
            let calls = try await trace.calls(waitingUntil: { SyscallTrace.firstReply(in: $0, toPeer: peer) != nil }, seconds: 180)
            let problem = SyscallTrace.walSyncedBeforeReply(calls, after: previousReply, toPeer: peer, walPath: walPath)
            #expect(problem == nil, "\(method): \(problem ?? "")")
            previousReply = SyscallTrace.firstReply(in: calls, toPeer: peer)?.line
            exercised.insert(method)
            return reply["parameters"]?.objectValue ?? [:]
        }
        func admin(_ name: String, _ parameters: [String: JSONValue]) async throws -> [String: JSONValue] {
            try await call("org.qcredit.admin.\(name)", parameters)
        }
        func listingId(_ reply: [String: JSONValue]) throws -> JSONValue { .int(try #require(reply["listing"]?["id"]?.intValue)) }

        let (a, b, c) = (DurabilityTests.uscc(1), DurabilityTests.uscc(2), DurabilityTests.uscc(3))
        for code in [a, b, c] { _ = try await admin("RegisterEnterprise", ["code": .string(code), "name": .string("Synced Co. \(code)")]) }
        _ = try await admin("UpdateEnterprise", ["code": .string(a), "name": .string("Synced Renamed Co."), "reason": "renamed"])
        let event: [String: JSONValue] = [
            "code": .string(a), "dimension": "product", "kind": "spot-check-failed", "severity": "low",
            "occurredOn": "2026-01-05", "authority": "SAMR", "documentNumber": "抽〔2026〕1号", "summary": "label incomplete",
        ]
        let eventId = try #require(try await admin("RecordEvent", event)["eventId"]?.intValue)
        _ = try await admin("RecordEvents", ["events": [.object(event), .object(event)]])
        let d = DurabilityTests.uscc(4)
        let batch = try await admin(
            "RegisterEnterprises",
            ["enterprises": [["code": .string(d), "name": "Imported Co."]], "importId": "synced", "firstLine": 2, "lastLine": 2])
        #expect(batch["imported"] == 1)
        _ = try await admin("ImportEvents", ["events": [.object(event)], "importId": "synced-events", "firstLine": 2, "lastLine": 2])
        _ = try await admin("CorrectEvent", ["eventId": .int(eventId), "reason": "entered twice"])
        let decision: [String: JSONValue] = [
            "listType": "serious-dishonesty", "reason": "repeated violations", "legalBasis": "SAMR Order 44 Art. 9",
            "authority": "SAMR", "documentNumber": "严〔2026〕1号", "decisionDate": .string(Self.today),
        ]
        var proposal = decision
        proposal["code"] = .string(a)
        let listed = try listingId(try await admin("ProposeListing", proposal))
        _ = try await admin("FileObjection", ["listingId": listed, "summary": "counterfeits of our brand"])
        _ = try await admin(
            "ResolveObjection", ["listingId": listed, "outcome": "rejected", "authority": "SAMR", "documentNumber": "复〔2026〕1号"])
        _ = try await admin("ConfirmListing", ["listingId": listed])
        _ = try await admin(
            "RemoveListing", ["listingId": listed, "reason": "revoked", "authority": "SAMR", "documentNumber": "撤〔2026〕1号"])
        proposal["code"] = .string(b)
        let withdrawn = try listingId(try await admin("ProposeListing", proposal))
        _ = try await admin("WithdrawListing", ["listingId": withdrawn, "reason": "proposed in error"])
        _ = try await admin(
            "OverrideGrade", ["code": .string(b), "grade": "AA", "reason": "verified on site", "documentNumber": "内〔2026〕88号"])
        _ = try await admin("PublishGrades", [:])
        // A listing published 800 days ago: old enough for credit repair (a year), its term
        // (three years) not yet ended.
        proposal["code"] = .string(b)
        proposal["decisionDate"] = .string(Self.daysAgo(801))
        let repaired = try listingId(try await admin("ProposeListing", proposal))
        _ = try await admin("ConfirmListing", ["listingId": repaired, "publicationDate": .string(Self.daysAgo(800))])
        let application = try await admin(
            "ApplyForRepair",
            [
                "listingId": repaired, "commitmentLetterSha256": .string(String(repeating: "9e", count: 32)),
                "penaltyFulfilment": "fine paid", "applicantContact": "Li Ming",
            ])
        _ = try await admin(
            "DecideRepair",
            [
                "applicationId": try #require(application["application"]?["id"]), "decision": "approve", "reason": "rectified",
                "documentNumber": "修〔2026〕1号",
            ])
        // An abnormal-operations listing (no term) published years ago and never remedied, for
        // maintenance to escalate: its proposal is the maintenance's write. (A serious-dishonesty
        // listing whose term had already ended cannot be published, so none is left to expire.)
        proposal["code"] = .string(c)
        proposal["listType"] = "abnormal-operations"
        proposal["decisionDate"] = "2020-01-01"
        let old = try listingId(try await admin("ProposeListing", proposal))
        _ = try await admin("ConfirmListing", ["listingId": old, "publicationDate": "2020-01-02"])
        #expect(try await call("org.qcredit.operator.RunMaintenance", [:])["escalated"]?.arrayValue?.count == 1)
        _ = try await call("org.qcredit.operator.Export", [:])
        // A bank's watch lists are writes too.
        func watch(_ name: String, _ parameters: [String: JSONValue]) async throws {
            _ = try await call("org.qcredit.query.\(name)", parameters)
        }
        try await watch("SetWatchList", ["name": "loans", "codes": [.string(a), .string(b)]])
        try await watch("AddToWatchList", ["name": "loans", "codes": [.string(c)]])
        try await watch("RemoveFromWatchList", ["name": "loans", "codes": [.string(b)]])
        try await watch("DeleteWatchList", ["name": "loans"])

        let adminMethods = try await Self.methods(of: "org.qcredit.admin", daemon)
        #expect(
            exercised == adminMethods.subtracting(Self.adminReads).union(Self.operatorWrites).union(Self.queryWrites),
            "a write method without a traced call")
    }

    /// README, *Auditing an export*: every file of both parts is fsynced, the restricted part is
    /// renamed into place before the public export, and each rename is made durable by an fsync
    /// of its parent directory, all before the `Export` reply's first byte.
    @Test func anExportIsOnDiskBeforeItsReply() async throws {
        let scratch = try ScratchDirectory("strace-export")
        let (daemon, trace) = try await Self.daemonTracingRenames(in: scratch, config: #"operator = ["uid:\#(getuid())"]"#)
        defer { Self.stopTraced(daemon) }
        try await daemon.seed(from: 0, count: 3)
        let (text, peer) = try await Self.callOnItsOwnConnection(daemon, "org.qcredit.operator.Export", [:])
        let reply = try JSONValue.parse(try #require(text))
        let name = try #require(reply["parameters"]?["name"]?.stringValue, "\(reply)")
        let exports = daemon.stateDirectory + "/exports"
        let calls = try await trace.calls(waitingUntil: { SyscallTrace.firstReply(in: $0, toPeer: peer) != nil })
        let replied = try #require(SyscallTrace.firstReply(in: calls, toPeer: peer)).line
        func completedBeforeReply(_ call: SyscallTrace.Call) -> Bool { (call.completedOnLine ?? Int.max) < replied }

        let partial = ".\(name).partial"
        for (directory, parent) in [(exports + "/" + name, exports), (exports + "/restricted/" + name, exports + "/restricted")] {
            let files = try FileManager.default.contentsOfDirectory(atPath: directory)
            #expect(files.contains("MANIFEST"), "\(files)")
            for file in files {
                let synced = calls.contains { call in
                    call.name == "fsync" && call.arguments.contains("\(parent)/\(partial)/\(file)>") && completedBeforeReply(call)
                }
                #expect(synced, "\(directory)/\(file) was not fsynced before the reply")
            }
            // Renamed into place, then its parent synced, before the reply.
            let rename = calls.first { call in
                call.name.hasPrefix("rename") && call.arguments.contains("\(parent)>, \"\(partial)\"") && completedBeforeReply(call)
            }
            #expect(rename != nil, "\(partial) in \(parent) was not renamed before the reply")
            let parentSynced = calls.contains { call in
                call.name == "fsync" && call.arguments.hasPrefix("(") && call.arguments.contains("<\(parent)>)")
                    && call.line > (rename?.completedOnLine ?? Int.max) && completedBeforeReply(call)
            }
            #expect(parentSynced, "\(parent) was not fsynced after the rename and before the reply")
        }
        let renames = calls.filter { $0.name.hasPrefix("rename") && $0.arguments.contains("\"\(partial)\"") }
        #expect(renames.count == 2 && renames[0].arguments.contains("/restricted>"), "the restricted part is renamed first: \(renames.map(\.arguments))")
    }

    /// README, *Persistence and refusal*: each signed tree is appended to both checkpoint
    /// histories and fsynced before the signed note is written anywhere (its `checkpoint` file's
    /// temporary copy); that file is written, fsynced, renamed into place and its directory
    /// fsynced.
    @Test func everySignedTreeIsOnRecordBeforeItsNoteIsWritten() async throws {
        let scratch = try ScratchDirectory("strace-checkpoint")
        let exports = scratch.path + "/exports"
        let (daemon, trace) = try await Self.daemonTracingRenames(
            in: scratch, config: "", before: "[log]\ncheckpointIntervalSeconds = 1\n[export]\ndirectory = \"\(exports)\"\n")
        defer { Self.stopTraced(daemon) }
        try await daemon.seed(from: 0, count: 2)
        _ = try await daemon.waitForCheckpoint(ofSize: try await daemon.logSize())
        let state = daemon.stateDirectory
        let histories = [state + "/checkpoint-history", exports + "/checkpoint-history"]
        let notesIn = { (calls: [SyscallTrace.Call]) in
            calls.filter { $0.name.hasPrefix("write") && $0.arguments.contains("\(state)/checkpoint.tmp-") }
        }
        // Every note written, up to the directory sync that ends the last one's replacement.
        let calls = try await trace.calls(waitingUntil: { calls in
            guard let last = notesIn(calls).last else { return false }
            return calls.contains { $0.line > last.line && $0.name == "fsync" && $0.arguments.contains("<\(state)>)") && $0.completedOnLine != nil }
        })
        let notes = notesIn(calls)
        #expect(notes.count >= 2, "checkpoints signed: \(notes.count)")
        func on(_ path: String, _ call: SyscallTrace.Call) -> Bool { call.arguments.hasPrefix("(") && call.arguments.contains("<\(path)>") }
        for note in notes {
            for history in histories {
                let appended = calls.last { $0.line < note.line && $0.name.hasPrefix("pwrite") && on(history, $0) }
                let synced = appended.map { appended in
                    calls.contains { $0.line > appended.line && $0.name == "fsync" && on(history, $0) && ($0.completedOnLine ?? .max) < note.line }
                }
                #expect(synced == true, "the note on line \(note.line + 1) was written before \(history) was appended and fsynced")
            }
            let temporary = note.arguments.dropFirst().prefix { $0 != ">" }.drop { $0 != "<" }.dropFirst()
            let fsynced = calls.first { $0.line > note.line && $0.name == "fsync" && on(String(temporary), $0) }
            let renamed = calls.first { $0.line > note.line && $0.name.hasPrefix("rename") && $0.arguments.contains("\"\(temporary)\"") }
            let directorySynced = calls.first { $0.line > (renamed?.line ?? .max) && $0.name == "fsync" && on(state, $0) }
            #expect(fsynced != nil && renamed != nil && directorySynced != nil, "\(temporary): fsync, rename, directory fsync")
            #expect((fsynced?.completedOnLine ?? .max) < (renamed?.line ?? .min), "\(temporary) renamed before its fsync completed")
        }
    }

    /// A daemon under strace, its writes, syncs and renames traced into `scratch`, this user a
    /// regulator; `before` goes ahead of the `[roles]` table, `config` into it.
    static func daemonTracingRenames(in scratch: ScratchDirectory, config: String, before: String = "") async throws
        -> (DaemonProcess, SyscallTrace)
    {
        let tracePath = scratch.path("trace.txt")
        let daemon = try await DaemonProcess(
            config: before + "[roles]\nregulator = [\"uid:\(getuid())\"]\n" + config + "\n",
            launcher: SyscallTrace.launcher(output: tracePath, alsoTracing: ["rename", "renameat", "renameat2"]))
        return (daemon, SyscallTrace(path: tracePath))
    }

    /// Stops a daemon started under strace: SIGTERM to the daemon itself, then to strace. The
    /// wait for them happens when `daemon` goes away, on a thread of its own.
    static func stopTraced(_ daemon: DaemonProcess) {
        if let pid = daemon.daemonPID { kill(pid, SIGTERM) }
        daemon.process?.signal(SIGTERM)
    }

    /// One call on a connection of its own: the reply, and the client socket's inode, which
    /// names the reply's write in the trace.
    static func callOnItsOwnConnection(_ daemon: DaemonProcess, _ method: String, _ parameters: [String: JSONValue]) async throws
        -> (reply: String?, peer: UInt64)
    {
        let socketPath = daemon.socketPath
        let request = JSONValue.object(["method": .string(method), "parameters": .object(parameters)]).jsonText
        return try await offThePool { () throws -> (String?, UInt64) in
            let socket = try RawSocket(path: socketPath)
            var status = stat()
            fstat(socket.fd, &status)
            _ = socket.send(request)
            return (socket.receive(), UInt64(status.st_ino))
        }
    }

    static func waitForTheStartUpRegrade(database: String) async throws {
        // Generous: under strace and a full parallel test run the daemon's start can take long.
        let deadline = Date().addingTimeInterval(180)
        while Date() < deadline {
            let query = try await runCommand(
                "/usr/bin/sqlite3", [database, "SELECT count(*) FROM maintenance_state WHERE name = 'lastRegradeOn'"])
            if query.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "1" { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("the daemon's start-up regrade was not recorded within 180 s")
    }

    static var today: String { daysAgo(0) }

    /// The Beijing date `days` before today.
    static func daysAgo(_ days: Int) -> String {
        Instant(secondsSinceEpoch: Int64(Date().timeIntervalSince1970)).civilDate(in: .beijing).adding(days: -days).description
    }

    /// Every method an interface declares, as the daemon describes it.
    static func methods(of interface: String, _ daemon: DaemonProcess) async throws -> Set<String> {
        let description = try await daemon.call("org.varlink.service.GetInterfaceDescription", ["interface": .string(interface)])
        let text = try #require(description["description"]?.stringValue)
        return Set(
            text.split(separator: "\n").compactMap { line -> String? in
                guard line.hasPrefix("method ") else { return nil }
                return "\(interface)." + line.dropFirst("method ".count).prefix { $0 != "(" }
            })
    }
}
