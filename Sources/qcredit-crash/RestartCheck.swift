import CanonicalJSON
import Foundation
import QCreditConfig
import QCreditExport
import QCreditLog
import SignedNote
import TransparencyLog
import Varlink
import VarlinkNIO

/// What is checked after each restart, against the restarted daemon and the files it left:
/// every acknowledged write is there, the log replays, no checkpoint regressed or forked, and
/// every export directory verifies or is an unfinished temporary one.
struct RestartCheck {
    let daemon: DaemonUnderTest
    let ledger: Ledger
    let qcredit: String
    /// The log's verifier keys, learned at the first restart; they must never change.
    let verifierKeys: [String]
    /// Exports already verified in this trial (they are never rewritten).
    var verifiedExports: Set<String>
    /// Temporary export directories found: exports or prunes a kill interrupted.
    var unfinishedExports: Set<String> = []

    private var problems: [String] = []

    init(
        daemon: DaemonUnderTest, ledger: Ledger, qcredit: String, verifierKeys: [String], verifiedExports: Set<String>
    ) {
        self.daemon = daemon
        self.ledger = ledger
        self.qcredit = qcredit
        self.verifierKeys = verifierKeys
        self.verifiedExports = verifiedExports
    }

    /// Runs every check; returns what failed, or nothing.
    mutating func run(connection: VarlinkClient) async throws -> [String] {
        let keys = try await Self.verifierKeys(connection)
        guard keys == verifierKeys else {
            return ["the log's keys changed across a restart: \(verifierKeys) became \(keys)"]
        }
        let verifiers = try keys.map { try VerifierKey.parse($0) as any NoteVerifier }
        let logSize = try await connection.call("org.qcredit.operator.GetStatus")["logSize"]?.intValue ?? -1
        try await checkCheckpoints(connection, verifiers: verifiers, logSize: logSize)
        let records = try await checkRecords(connection, logSize: logSize)
        try await checkFiles(records: records)
        try await checkReplay()
        try await checkExports(connection)
        return problems
    }

    /// The ed25519 and sm2 verifier keys the daemon signs with.
    static func verifierKeys(_ connection: VarlinkClient) async throws -> [String] {
        let keys = try await connection.call("org.qcredit.audit.GetVerifierKeys")["keys"]?.arrayValue ?? []
        return keys.compactMap { $0["verifierKey"]?.stringValue }.sorted()
    }

    /// The newest checkpoint covers at least every one seen before, and each of those is its
    /// prefix: same root at the same size, or a consistency proof that verifies.
    private mutating func checkCheckpoints(_ connection: VarlinkClient, verifiers: [any NoteVerifier], logSize: Int64) async throws {
        let note = try await connection.call("org.qcredit.audit.GetCheckpoint")["checkpoint"]?.stringValue ?? ""
        let newest: TransparencyLog.Checkpoint
        do {
            newest = try TransparencyLog.Checkpoint(parsing: try NoteSigning.open(note, verifiers: verifiers).note.text)
        } catch {
            problems.append("the newest checkpoint after the restart does not verify: \(error)")
            return
        }
        if newest.size > logSize { problems.append("the newest checkpoint covers \(newest.size) records, the log holds \(logSize)") }
        for (size, seen) in ledger.read({ $0.checkpoints }).sorted(by: { $0.key < $1.key }) {
            do {
                _ = try NoteSigning.open(seen.note, verifiers: verifiers)
            } catch {
                problems.append("a checkpoint of \(size) records (\(seen.source)) does not verify: \(error)")
            }
            if size > newest.size {
                problems.append("the checkpoint regressed: \(seen.source) signed \(size) records, after the restart the newest has \(newest.size)")
            } else if size == newest.size {
                if seen.root != newest.rootHash { problems.append("the log forked at \(size) records: \(seen.source) signed another root") }
            } else if size > 0 {
                let reply = try await connection.call(
                    "org.qcredit.audit.GetConsistencyProof", parameters: ["fromSize": .int(size), "toSize": .int(newest.size)])
                let proof = (reply["proof"]?.arrayValue ?? []).map { [UInt8](Data(base64Encoded: $0.stringValue ?? "") ?? Data()) }
                do {
                    try MerkleProof.verifyConsistency(oldSize: size, newSize: newest.size, oldRoot: seen.root, newRoot: newest.rootHash, proof: proof)
                } catch {
                    problems.append("the log of \(newest.size) records does not extend the one of \(size) (\(seen.source)): \(error)")
                }
            }
        }
        ledger.saw(checkpoint: note, source: "the newest checkpoint after a restart")
    }

    /// Every acknowledged log index is in the log and holds a record about the right enterprise.
    /// Returns those records by index.
    private mutating func checkRecords(_ connection: VarlinkClient, logSize: Int64) async throws -> [Int64: JSONValue] {
        let expected = ledger.read { $0.records }
        guard let last = expected.keys.max() else { return [:] }
        guard last < logSize else {
            problems.append("record \(last) was acknowledged but the log holds only \(logSize) records")
            return [:]
        }
        var records: [Int64: JSONValue] = [:]
        for try await entry in connection.stream("org.qcredit.audit.GetEntries", parameters: ["start": 0, "end": .int(last + 1)]) {
            if let index = entry["index"]?.intValue, expected[index] != nil { records[index] = entry["opening"]?["record"] }
        }
        for (index, record) in expected.sorted(by: { $0.key < $1.key }) {
            let found = records[index]
            let type = found?["type"]?.stringValue ?? "nothing"
            let subject = found?["subject"]?["uscc"]?.stringValue ?? "nobody"
            if !record.types.contains(type) || subject != record.code {
                problems.append("record \(index) should be a \(record.types.sorted().joined(separator: "/")) about \(record.code); it is a \(type) about \(subject)")
            }
        }
        return records
    }

    /// Every acknowledged enterprise, event, correction, listing step and grade is in its credit
    /// file. Unsettled items (a reply that never came) are settled from what the file shows.
    private mutating func checkFiles(records: [Int64: JSONValue]) async throws {
        let facts = ledger.read { $0 }
        let codes = facts.codes.flatMap { $0 }
        let files = try await withThrowingTaskGroup(of: [(String, JSONValue?)].self) { group in
            for lane in 0..<4 {
                group.addTask { [socket = daemon.socketPath] in
                    let connection = try await VarlinkClient.connect(socketPath: socket)
                    var files: [(String, JSONValue?)] = []
                    for code in codes.enumerated().filter({ $0.offset % 4 == lane }).map(\.element) {
                        do {
                            files.append((code, try await connection.call("org.qcredit.query.GetFile", parameters: ["code": .string(code)])["file"]))
                        } catch let error as VarlinkError where error.name.hasSuffix(".NotFound") {
                            files.append((code, nil))
                        }
                    }
                    await connection.close()
                    return files
                }
            }
            return try await group.reduce(into: [String: JSONValue?]()) { all, part in for (code, file) in part { all[code] = file } }
        }
        var events: [Int64: JSONValue] = [:]
        var listings: [Int64: JSONValue] = [:]
        var gradeIndexes: [String: Set<Int64>] = [:]
        for (code, file) in files {
            guard let file else {
                problems.append("the acknowledged registration of \(code) is lost")
                continue
            }
            for event in file["events"]?.arrayValue ?? [] { if let id = event["id"]?.intValue { events[id] = event } }
            for listing in file["listings"]?.arrayValue ?? [] {
                guard let id = listing["id"]?.intValue else { continue }
                listings[id] = listing
                if facts.listings[id] == nil {
                    ledger.adopt(
                        listing: id, code: code, listType: listing["listType"]?.stringValue ?? "", state: listing["state"]?.stringValue ?? "")
                }
            }
            gradeIndexes[code] = Set((file["grades"]?.arrayValue ?? []).compactMap { $0["logIndex"]?.intValue })
        }
        for (id, expected) in facts.events.sorted(by: { $0.key < $1.key }) {
            guard let event = events[id] else {
                problems.append("acknowledged event \(id) of \(expected.code) is lost")
                continue
            }
            if event["documentNumber"]?.stringValue != expected.documentNumber || event["supersedes"]?.intValue != expected.supersedes
                || event["retraction"]?.boolValue != expected.retraction
            {
                problems.append("event \(id) is not the one acknowledged: \(event)")
            }
            if !expected.correctable { ledger.settle(event: id, corrected: event["supersededBy"]?.intValue != nil) }
        }
        for (id, expected) in facts.listings.sorted(by: { $0.key < $1.key }) {
            guard let listing = listings[id] else {
                problems.append("acknowledged listing \(id) of \(expected.code) is lost")
                continue
            }
            var steps: [Int64: Ledger.Step] = [:]
            for step in listing["steps"]?.arrayValue ?? [] {
                if let stepId = step["id"]?.intValue, let name = step["step"]?.stringValue, let state = step["state"]?.stringValue {
                    steps[stepId] = Ledger.Step(step: name, state: state)
                }
            }
            for (stepId, step) in expected.steps where steps[stepId] != step {
                problems.append("listing \(id): acknowledged step \(stepId) (\(step.step) → \(step.state)) is \(steps[stepId].map { "\($0.step) → \($0.state)" } ?? "lost")")
            }
            let state = listing["state"]?.stringValue ?? "?"
            if expected.unsettled {
                ledger.settle(listing: id, state: state)
            } else if state != expected.state {
                problems.append("listing \(id) is \(state); its last acknowledged step left it \(expected.state)")
            }
            if let index = expected.logIndex, listing["logIndex"]?.intValue != index {
                problems.append("listing \(id) was published as record \(index); its file says \(listing["logIndex"] ?? .null)")
            }
        }
        // A grade publication or override acknowledged by index is in the file's grade history.
        for (index, record) in facts.records.sorted(by: { $0.key < $1.key })
        where ["grade", "override"].contains(records[index]?["type"]?.stringValue) && gradeIndexes[record.code]?.contains(index) == false {
            problems.append("record \(index), a grade of \(record.code), is missing from its file's grades")
        }
    }

    /// `qcredit audit replay`: every record canonical, the root recomputed equals the signed one.
    private mutating func checkReplay() async throws {
        let arguments = ["audit", "replay", "--socket", daemon.socketPath] + verifierKeys.flatMap { ["--vkey", $0] }
        let result = try await runQCredit(qcredit, arguments, outputPath: daemon.directory + "/replay.out")
        if result.status != 0 { problems.append("qcredit audit replay exited \(result.status): \(result.output)") }
    }

    /// Each export directory verifies with its restricted part (`qcredit verify --restricted`, a
    /// delta against the export before it) or is a temporary one a killed export or prune left; each acknowledged export is there
    /// unless the retention count could have pruned it. Then a new export must succeed.
    private mutating func checkExports(_ connection: VarlinkClient) async throws {
        let exports = daemon.exportsDirectory
        // In the daemon's own order, so that each delta's predecessor is the export it extends.
        let complete = (try? PreviousExport.all(in: exports)) ?? []
        let names = Set(complete.compactMap(\.name))
        // Beside the exports the daemon keeps its copy of the checkpoint history, and restricted/.
        for name in (try? FileManager.default.contentsOfDirectory(atPath: exports)) ?? []
        where !names.contains(name) && name != CheckpointHistory.fileName && name != ExportFormat.restrictedDirectory {
            if ExportFormat.isTemporaryName(name) {
                unfinishedExports.insert(name)
            } else {
                problems.append("\(exports)/\(name) is neither a complete export nor a temporary directory")
            }
        }
        // Each export's restricted part is checked with it; a part without its export was left by
        // a kill between the two renames (the part goes first), and is pruned later.
        let restricted = exports + "/" + ExportFormat.restrictedDirectory
        for name in (try? FileManager.default.contentsOfDirectory(atPath: restricted)) ?? [] where !names.contains(name) {
            if ExportFormat.isTemporaryName(name) || ExportFormat.isValidExportName(name) {
                unfinishedExports.insert(ExportFormat.restrictedDirectory + "/" + name)
            } else {
                problems.append("\(restricted)/\(name) is neither a restricted part nor a temporary directory")
            }
        }
        for (position, export) in complete.enumerated() {
            guard let name = export.name, !verifiedExports.contains(name) else { continue }
            var arguments = ["verify", exports + "/" + name, "--restricted"] + verifierKeys.flatMap { ["--vkey", $0] }
            if position > 0, let previous = complete[position - 1].name { arguments += ["--previous", exports + "/" + previous] }
            let result = try await runQCredit(qcredit, arguments, outputPath: daemon.directory + "/verify.out")
            if result.status == 0 {
                verifiedExports.insert(name)
            } else {
                problems.append("export \(name) does not verify: \(result.output.split(separator: "\n").filter { $0.hasPrefix("FAIL") }.joined(separator: "; "))")
            }
        }
        let retain = DaemonConfiguration().export.retain
        for (name, treeSize) in ledger.read({ $0.exports }).sorted(by: { $0.key < $1.key })
        where !names.contains(name) && complete.count < retain && !ledger.mayBeWithdrawn(treeSize: treeSize) {
            problems.append("acknowledged export \(name) is gone, with fewer than \(retain) exports kept, and nothing it showed was withdrawn from the public")
        }
        do {
            let reply = try await connection.call("org.qcredit.operator.Export")
            ledger.exported(name: reply["name"]?.stringValue ?? "?", treeSize: reply["treeSize"]?.intValue ?? -1)
        } catch let error as VarlinkError {
            problems.append("an export after the restart failed: \(error)")
        }
    }
}
