import CanonicalJSON
import Foundation
import QCreditDomain
import Varlink
import VarlinkNIO

#if canImport(Glibc)
    import Glibc
#endif

/// One run of `qcredit import`: reads and checks the file, sends its rows in batches of
/// consecutive lines under an import id, and reports every refused row in the error file.
///
/// Resuming: each batch carries the import id and its first and last line; the registry
/// applies a batch once, in the same transaction as the rows, and answers a batch sent again
/// with what it did the first time. The same file gives the same batches (and by default the
/// same import id), so running an interrupted import again imports only the rest.
struct FileImport {
    let kind: ImportKind
    let options: ImportOptions
    /// Batches sent ahead of the replies.
    static let window = 3

    /// Connections the batches are spread over, in turn. The daemon answers one connection's
    /// calls one after another, reading and checking a batch before writing it; over two, it
    /// reads the next batch on one core while it writes the last on the other. Events do not
    /// depend on one another, so two batches may be applied in either order (each still once,
    /// its rows in file order). Enterprises may: a file can give a code in two forms, or a USCC
    /// and the organization code inside it, on different lines, and which is registered first
    /// decides what the other does. So a batch of enterprises that names a firm a batch in
    /// flight names (``firms(of:)``) follows that batch on its connection, where calls apply in
    /// the order sent, or waits for it to be answered.
    static let connections = 2
    /// The most a batch's rows may take in the call's JSON text: half the registry's default
    /// message limit for writers (8 MiB), so a batch of long rows is cut short rather than
    /// refused as too large. A fixed figure, so that the same file always gives the same
    /// batches and an interrupted import resumes.
    static let batchBytes = 4 << 20

    /// A refused row, for the error file.
    struct Rejection {
        var line: Int
        var code: String
        var error: String
        var reason: String
        /// For a `DuplicateInFile` of a code: the line of the code's first row, the one sent
        /// (for a legacy code inside an earlier USCC, that USCC's line).
        var firstLine: Int? = nil
        /// The code as the file gave it (trimmed), where `code` is its normal form.
        var writtenCode: String? = nil
    }

    /// `rejections` in line order, each repeat of a code told by what became of the code's first
    /// row: a repeat of an invalid code is that code's `InvalidCode` again (as written, not as a
    /// repeat, which it is not: it names no firm); a repeat of a row that was itself a repeat
    /// names the firm's first row; a repeat of a refused row says nothing was registered. The
    /// second value counts the repeats of invalid codes (no longer `DuplicateInFile`).
    static func resolved(_ rejections: [Rejection]) -> (rejections: [Rejection], invalidRepeats: Int) {
        var byLine: [Int: Rejection] = [:]
        for rejection in rejections { byLine[rejection.line] = rejection }
        var invalidRepeats = 0
        let resolved = rejections.sorted { $0.line < $1.line }.map { rejection -> Rejection in
            guard rejection.error == "DuplicateInFile", let first = rejection.firstLine, var refused = byLine[first] else {
                return rejection
            }
            var rejection = rejection
            // The firm's first row: follow repeats back (a legacy code's row repeats its USCC's).
            var root = first
            var seen: Set<Int> = [first]
            while refused.error == "DuplicateInFile", let earlier = refused.firstLine, seen.insert(earlier).inserted {
                root = earlier
                guard let next = byLine[earlier] else { break }
                refused = next
            }
            switch refused.error {
            case "InvalidCode" where root == first:
                invalidRepeats += 1
                rejection.error = "InvalidCode"
                rejection.code = rejection.writtenCode ?? rejection.code
                rejection.reason = refused.reason + " (as on line \(first))"
                rejection.firstLine = nil
            case "DuplicateInFile" where byLine[root] == nil:
                rejection.reason += "; line \(first) itself repeats the firm of line \(root), which was registered from this file"
            default:
                rejection.reason += "; line \(root) was itself refused (\(refused.error)), so the code was not registered from this file"
            }
            return rejection
        }
        return (resolved, invalidRepeats)
    }

    func run(_ daemon: DaemonSession, _ console: Console) async throws -> ExitStatus {
        // The registry's rule, checked before the file is read: refused in the first batch, it
        // would leave an error file of the rows read so far, as if the import had begun.
        if let importId = options.importId {
            do {
                _ = try TextField.importId(importId)
            } catch .invalidArgument(_, let reason) {
                throw Failure.badInput("--import-id \(reason)")
            } catch {
                throw Failure.badInput("--import-id: \(error.reason)")
            }
        }
        let file = try TabularFile(reading: options.file, encoding: options.encoding)
        let importId = options.importId ?? "\(kind.rawValue)-\(file.contentDigest)"
        let errorPath = options.errors ?? Self.defaultErrorPath(input: options.file, importId: importId)
        guard (1...10_000).contains(options.batchSize) else { throw Failure.badInput("--batch-size must be 1 to 10000") }
        // Which header gives each column: the CSV header's, checked once before any row is sent.
        let csvHeaders = file.format == .csv ? try kind.columnHeaders(in: file.columns, file: file.name) : nil
        // The error file is written at the end; a path it cannot be written to is found now,
        // before any row is sent, and so is one that would overwrite the file being imported.
        // Found by making the file of its own beside it and removing it again: the last run's
        // list stays in place until this run's replaces it, so a run killed part way (SIGKILL,
        // a second Ctrl-C) leaves it as it was, not emptied.
        if InputFile.sameFile(errorPath, options.file) {
            throw Failure.badInput("the error file \(errorPath) is the file being imported; give another --errors path")
        }
        // The registry is reached before any file is written: an import that cannot connect
        // leaves the error file of the last run as it was.
        _ = try await daemon.client()
        if OutputSink.specialFile(errorPath) != nil {
            try OutputSink.checkWritable(special: errorPath, label: Self.errorFileLabel)
        } else {
            try OutputSink(path: errorPath, label: Self.errorFileLabel).discard()
        }

        // Rows are read a batch ahead of what is sent: the registry works on the batches in
        // flight while the client reads the next, and the file's rows are never all held at once.
        var reader = BatchReader(kind: kind, file: file, csvHeaders: csvHeaders, rowsPerBatch: options.batchSize)
        let progress = Progress(total: file.estimatedRecordCount, unit: "rows", json: console.json)
        // Shown on time while the registry is slow to answer, not only as rows are answered.
        let ticking = progress.ticking()
        defer { ticking.cancel() }
        /// Legacy codes the registry found registered by the same file's USCC row (see BatchReader).
        var legacyDuplicates = 0
        /// Repeats of an invalid code, counted by the reader as duplicates but reported as invalid.
        var invalidRepeats = 0
        /// The summary's members (README), for a finished and for a stopped import alike (a
        /// stopped one has read the file as far as it got).
        /// `listed`: whether this run wrote its list of refused rows to `errorPath` (null there
        /// otherwise: a file left as the last run wrote it, or none at all, is not this run's list).
        func summary(imported: Int, rejected: Int, skipped: Int, complete: Bool, listed: Bool = true) -> [String: JSONValue] {
            let seconds = progress.elapsed
            let rowsRead = reader.recordsRead
            return [
                "file": .string(file.name), "importId": .string(importId), "rowsRead": .int(Int64(rowsRead)),
                "imported": .int(Int64(imported)), "rejected": .int(Int64(rejected)),
                "alreadyImported": .int(Int64(skipped)), "duplicatesInFile": .int(Int64(reader.duplicates + legacyDuplicates - invalidRepeats)),
                "seconds": .double((seconds * 1000).rounded() / 1000),
                "rowsPerSecond": .int(seconds > 0 ? Int64(Double(rowsRead) / seconds) : 0),
                "errorFile": listed ? .string(errorPath) : .null, "complete": .bool(complete),
            ]
        }
        var imported = 0
        var skipped = 0
        var rejections: [Rejection] = []
        var batchesSent = 0
        var batchesAnswered = 0
        var clients: [VarlinkClient] = []
        var sessions = [daemon]
        let method = kind.method
        // Ctrl-C or SIGTERM: no more batches are sent, those in flight are answered and
        // reported, and the process then ends by the signal (a second one ends it at once).
        let interrupt = InterruptSignal()
        defer { interrupt.end() }
        // A few batches in flight keep the registry busy while the next ones are read.
        // They are sent in file order and their replies taken in that order.
        var inFlight: [InFlightBatch] = []
        /// Whether the oldest batch in flight is the one whose reply is awaited (and, in the
        /// failure path, the one that failed).
        var awaitingOldest = false
        /// Lines the registry refused as registered before this import.
        var linesAlreadyRegistered: Set<Int> = []
        func account(_ sent: InFlightBatch, _ reply: [String: JSONValue]) {
            let batch = sent.rows
            batchesAnswered += 1
            let count = Int(reply["imported"]?.intValue ?? 0)
            if reply["alreadyApplied"]?.boolValue == true { skipped += count } else { imported += count }
            for refused in reply["rejected"]?.arrayValue ?? [] {
                guard let offset = refused["row"]?.intValue.map(Int.init), batch.indices.contains(offset) else { continue }
                let row = batch[offset]
                var error = Render.shortName(refused["error"]?.stringValue ?? "Refused")
                // A valid code in its normal form (rows join on it); an invalid one as the file
                // gave it, so that its cell can be found there (as `qcredit screen` echoes it).
                let code = error == "InvalidCode" ? row.writtenCode : row.row["code"]?.stringValue ?? ""
                var reason = refused["reason"]?.stringValue ?? ""
                // Registered already by this file's row of the firm's USCC: a duplicate in the
                // file (the registry cannot tell an earlier line from an earlier import). Not when
                // that row was itself refused as registered: the firm was on file before this import.
                var firstLine: Int?
                if error == "AlreadyRegistered", let usccLine = reader.legacyCodeAfterUSCC[row.line],
                    !linesAlreadyRegistered.contains(usccLine)
                {
                    firstLine = usccLine
                    error = "DuplicateInFile"
                    reason = "\(code) is the organization code inside the USCC on line \(usccLine) of this file; only a firm's first row is registered"
                    legacyDuplicates += 1
                }
                if error == "AlreadyRegistered" { linesAlreadyRegistered.insert(row.line) }
                rejections.append(Rejection(line: row.line, code: code, error: error, reason: reason, firstLine: firstLine))
            }
            progress.advance(by: batch.count)
        }
        do {
            // A batch read but not sent yet: it names a firm that batches in flight on both
            // connections name, so it waits for the oldest of those to be answered.
            var waiting: (rows: [BatchReader.Row], firms: Set<String>)?
            while true {
                while inFlight.count < Self.window, batchesSent < (options.stopAfterBatches ?? .max), !interrupt.received {
                    let batch: [BatchReader.Row]
                    let firms: Set<String>
                    if let held = waiting {
                        (batch, firms) = held
                    } else {
                        // Rows the client refuses count as done when they are read.
                        let rejectedBefore = reader.rejections.count
                        let next = reader.nextBatch()
                        progress.advance(by: reader.rejections.count - rejectedBefore)
                        guard let next else { break }
                        (batch, firms) = (next, kind == .enterprises ? Self.firms(of: next) : [])
                    }
                    guard let connection = Self.connection(for: firms, sent: batchesSent, inFlight: inFlight) else {
                        waiting = (batch, firms)
                        break
                    }
                    waiting = nil
                    if connection == clients.count {
                        if connection == sessions.count { sessions.append(DaemonSession(socketPath: daemon.socketPath)) }
                        clients.append(try await sessions[connection].client())
                    }
                    let parameters: [String: JSONValue] = [
                        kind.parameter: .array(batch.map { .object($0.row) }), "importId": .string(importId),
                        "firstLine": .int(Int64(batch.first!.line)), "lastLine": .int(Int64(batch.last!.line)),
                    ]
                    inFlight.append(
                        InFlightBatch(
                            rows: batch, connection: connection, firms: firms,
                            replies: clients[connection].replies(to: VarlinkCall(method: method, parameters: parameters))))
                    batchesSent += 1
                }
                guard !inFlight.isEmpty else { break }
                let sent = inFlight.first!
                awaitingOldest = true
                let reply = try await Self.onlyReply(sent.replies)
                awaitingOldest = false
                inFlight.removeFirst()
                account(sent, reply)
            }
            for session in sessions.dropFirst() { await session.close() }
        } catch {
            // Batches are accounted in order: those answered before the one that failed.
            let answeredBeforeFailure = batchesAnswered
            // The batches sent after the one that failed, on the other connection, may have been
            // applied: their replies are still taken, so the counts say what the registry holds.
            for sent in inFlight.dropFirst(awaitingOldest ? 1 : 0) {
                if let reply = try? await Self.onlyReply(sent.replies) { account(sent, reply) }
            }
            for session in sessions.dropFirst() { await session.close() }
            // What was answered before the failure is still reported: the rows refused so far
            // (by the registry, and by the client in the lines read) go to the error file, and
            // the counts to stderr, before the failure itself. The rest of the file is not read:
            // its rows were not sent, and a refusal of the first batch (an import id resumed
            // with another batch size) would otherwise list every duplicate of a large file.
            // A refusal of the import itself (its id used for other rows, or a caller without the
            // role) is not resumed by running it again; a lost connection or a stopped daemon is.
            let refused = (error as? VarlinkError).map { $0.name.hasSuffix(".InvalidArgument") || $0.name.hasSuffix(".PermissionDenied") } == true
            // Refused at its first batch, this run changed nothing: the last run's error file (say,
            // of the import this one tried to resume) is left as it was, also when a later batch,
            // sent on the other connection, was answered meanwhile (as already imported: it
            // replaced a whole list with a part of one).
            let keepsErrorFile = refused && answeredBeforeFailure == 0
            (rejections, invalidRepeats) = Self.resolved(rejections + reader.rejections)
            var listed = false
            if !keepsErrorFile { listed = (try? writeErrors(rejections, to: errorPath)) != nil }
            progress.finish(stopped: true)
            let failure = Failure(error, socket: daemon.socketPath)
            if console.json {
                // A script gets the counts too: the summary's members, `complete` false, and why.
                var summary = summary(imported: imported, rejected: rejections.count, skipped: skipped, complete: false, listed: listed)
                summary["stoppedBy"] = .string(failure.message)
                console.reply(summary) { _ in [] }
            } else {
                // The daemon closes a connection whose message is over its limit, with no reply:
                // a registry configured below the default 8 MiB needs smaller batches.
                var hint = ""
                if case .connectionLost = failure {
                    hint = await !Self.isListening(daemon.socketPath)
                        ? "qcreditd is no longer listening (it stopped, or was stopped): once it is back, run the same command again.\n"
                        : "If qcreditd's log says the message was too large, its maxMessageBytes is below the 8 MiB a batch "
                        + "(up to 4 MiB of rows) may need: "
                        + (batchesAnswered == 0
                            ? "import with a smaller --batch-size under a new --import-id.\n"
                            : "raise it and run the same command again (a new --import-id would import the rows of the batches "
                                + "already applied again).\n")
                }
                Console.emit(
                    keepsErrorFile
                        ? "stopped: the registry refused the import before any row of it was imported; \(errorPath) is left as it was.\n"
                        : "stopped: \(imported) rows imported, \(rejections.count) rejected (in \(errorPath)), \(skipped) already "
                            + "imported before the failure below"
                            + (refused ? ".\n" : "; run the same command again to resume.\n") + hint, to: STDERR_FILENO)
            }
            throw error
        }
        // A stopped import (--stop-after-batches) still reads the rest, for the counts and the
        // rows the client refuses. One stopped by a signal ends now, as one stopped by an error
        // does: reading a large file to its end would hold Ctrl-C for seconds, and its summary
        // counts the rows read until then.
        let rejectedBefore = reader.rejections.count
        let complete = interrupt.received ? false : reader.readToEnd() == 0
        progress.advance(by: reader.rejections.count - rejectedBefore)
        (rejections, invalidRepeats) = Self.resolved(rejections + reader.rejections)
        // The estimate gives way to the count once the whole file was read; an import a signal
        // stopped says so, not 100 % of the rows it got to.
        if !interrupt.received { progress.total = reader.recordsRead }
        progress.finish(stopped: interrupt.received)
        // Rows were imported by now: an error file that cannot be written (its disk filled up)
        // does not hide the summary, and the run says how to get the list.
        var errorFileProblem: String?
        do {
            try writeErrors(rejections, to: errorPath)
        } catch let failure as Failure {
            errorFileProblem = failure.message
        }

        let seconds = progress.elapsed
        let stoppedBy = interrupt.signal.map(InterruptSignal.name)
        var summary = summary(imported: imported, rejected: rejections.count, skipped: skipped, complete: complete, listed: errorFileProblem == nil)
        if let stoppedBy { summary["stoppedBy"] = .string("interrupted by \(stoppedBy)") }
        // Not `stoppedBy`: every row was read and answered, only their list is missing.
        if let errorFileProblem { summary["errorFileProblem"] = .string(errorFileProblem) }
        console.reply(summary) { _ in
            var block = KeyValueBlock()
            block.add("Rows read", "\(reader.recordsRead)")
            block.add("Imported", "\(imported)")
            block.add(
                "Rejected",
                errorFileProblem == nil
                    ? "\(rejections.count)  (line, code, error and reason in \(errorPath))"
                    : "\(rejections.count)  (not listed: \(errorFileProblem!); run the same command again with --errors "
                        + "elsewhere to list them: the rows imported are skipped)")
            block.add("Already imported", "\(skipped)")
            block.add("Duplicates in file", "\(reader.duplicates + legacyDuplicates - invalidRepeats)  (among the rejected)")
            block.add("Time", String(format: "%.2f s", seconds))
            block.add("Rate", "\(seconds > 0 ? Int(Double(reader.recordsRead) / seconds) : 0) rows/s")
            let head = "Import of \(kind.rawValue) from \(file.name), import id \(importId)"
                + (complete
                    ? ":"
                    : ": stopped after \(batchesSent) batches\(stoppedBy.map { " (\($0))" } ?? ""); run the same command again to resume.")
            return [head] + block.lines(indent: 2)
        }
        if let signal = interrupt.signal { interrupt.dieOfSignal(signal) }
        return errorFileProblem == nil ? .success : .refused
    }

    /// A batch sent and not answered yet.
    struct InFlightBatch {
        var rows: [BatchReader.Row]
        var connection: Int
        /// The firms its rows name (enterprises only; see ``firms(of:)``).
        var firms: Set<String>
        var replies: AsyncThrowingStream<VarlinkReply, any Error>
    }

    /// The firms a batch of enterprises names: each row's organization code, which is the
    /// code itself for a legacy code and characters 9–17 for a USCC (the client has
    /// normalised the code; any other text stands for itself). Two rows that name one firm
    /// are applied in file order; two batches that name none in common, in either order.
    static func firms(of batch: [BatchReader.Row]) -> Set<String> {
        Set(
            batch.map { row in
                let code = row.row["code"]?.stringValue ?? ""
                let utf8 = Array(code.utf8)
                return utf8.count == USCC.length ? String(decoding: utf8[8..<17], as: UTF8.self) : code
            })
    }

    /// The connection a batch naming `firms` goes on, or nil while it must wait: in turn when
    /// no batch in flight names one of its firms; else behind those batches, on their
    /// connection, when they are all on one.
    static func connection(for firms: Set<String>, sent: Int, inFlight: [InFlightBatch]) -> Int? {
        let sharing = Set(inFlight.lazy.filter { !$0.firms.isDisjoint(with: firms) }.map(\.connection))
        switch sharing.count {
        case 0: return sent % connections
        case 1: return sharing.first
        default: return nil
        }
    }

    /// At most the bytes `row` takes in a call's JSON text: every byte that JSON may escape is
    /// counted as its longest escape (`\u001f`).
    static func encodedSizeBound(_ row: [String: JSONValue]) -> Int {
        var size = 2
        for (name, value) in row {
            size += name.utf8.count + 4
            if case .string(let text) = value {
                size += 2 + text.utf8.reduce(0) { $0 + ($1 < 0x20 || $1 == 0x22 || $1 == 0x5C ? 6 : 1) }
            } else {
                size += value.jsonText.utf8.count
            }
        }
        return size
    }

    /// The one reply to a call without `more`; an error reply is thrown.
    private static func onlyReply(_ replies: AsyncThrowingStream<VarlinkReply, any Error>) async throws -> [String: JSONValue] {
        for try await reply in replies {
            if let error = reply.varlinkError { throw error }
            return reply.parameters
        }
        throw VarlinkClientError.connectionClosed
    }

    /// Whether a daemon answers connections at `socketPath` now: a lost connection with none
    /// there was the daemon going away, not a message over its limit.
    static func isListening(_ socketPath: String) async -> Bool {
        guard let client = try? await VarlinkClient.connect(socketPath: socketPath) else { return false }
        // A daemon killed a moment ago may still take a connection on its listening socket while
        // its process goes: only an answer shows it is there.
        // One stopped (SIGSTOP, a debugger) does not answer at all: two seconds are enough.
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask { (try? await client.call("org.varlink.service.GetInfo")) != nil }
            group.addTask {
                try? await Task.sleep(for: .seconds(2))
                return false
            }
            let answered = await group.next() ?? false
            group.cancelAll()
            await client.close()  // ends a call still waiting
            return answered
        }
    }

    /// `FILE.errors.csv` beside a regular file; for standard input (`-`), a pipe or a device
    /// (`/dev/stdin`, `<(…)`), whose folder is no place for it, `IMPORT-ID.errors.csv` in the
    /// current directory, the same for the same rows so that a resumed run replaces it. A name
    /// in `/dev` or `/proc` is such a name even when it leads to a regular file (`/dev/stdin <
    /// FILE`): the list went into `/dev` (audit).
    static func defaultErrorPath(input: String, importId: String) -> String {
        var status = stat()
        if input != "-", stat(input, &status) == 0, status.st_mode & S_IFMT == S_IFREG, !isSystemName(input) {
            return input + ".errors.csv"
        }
        return importId.replacingOccurrences(of: "/", with: "_") + ".errors.csv"
    }

    /// Whether `path`'s folder (its links followed) is `/dev` or `/proc`, or within one.
    private static func isSystemName(_ path: String) -> Bool {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().resolvingSymlinksInPath().path
        return ["/dev", "/proc"].contains { folder == $0 || folder.hasPrefix($0 + "/") }
    }

    /// The error file: CSV, one row per refused row (``resolved(_:)``, in line order).
    private func writeErrors(_ rejections: [Rejection], to path: String) throws {
        var text = CSVText.line(["line", "code", "error", "reason"])
        for rejection in rejections {
            // The code and the reason quote the file: a cell a spreadsheet would run as a formula
            // is guarded, as in `qcredit screen`'s output.
            text += CSVText.line([String(rejection.line), CSVText.text(rejection.code), rejection.error, CSVText.text(rejection.reason)])
        }
        // A device or a pipe is written as it is, a link's file is replaced (OutputSink).
        let sink = try OutputSink(path: path, label: Self.errorFileLabel)
        try sink.write(text)
        try sink.close()
    }

    static let errorFileLabel = "the error file"
}
