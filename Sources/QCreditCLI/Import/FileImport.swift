import CanonicalJSON
import Foundation
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
    }

    func run(_ daemon: DaemonSession, _ console: Console) async throws -> ExitStatus {
        var file = try TabularFile(reading: options.file)
        let rowsRead = file.records.count
        let importId = options.importId ?? "\(kind.rawValue)-\(file.contentDigest)"
        let errorPath = options.errors ?? options.file + ".errors.csv"
        guard (1...10_000).contains(options.batchSize) else { throw Failure.badInput("--batch-size must be 1 to 10000") }

        // Which header gives each column: the CSV header's, checked once; each JSON Lines object
        // names its own members (and may spell them its own way, or leave them out).
        let csvHeaders = file.format == .csv ? try kind.columnHeaders(in: file.columns, file: file.name) : nil
        func headers(of record: TabularFile.Record) throws(Failure) -> [String: String] {
            if let csvHeaders { return csvHeaders }
            return try kind.columnHeaders(in: record.fields.keys.sorted(), file: file.name, requireAll: false)
        }
        // The error file is written at the end; a path it cannot be written to is found now,
        // before any row is sent, and so is one that would overwrite the file being imported.
        if InputFile.sameFile(errorPath, options.file) {
            throw Failure.badInput("the error file \(errorPath) is the file being imported; give another --errors path")
        }
        try writeErrors([], to: errorPath)

        var rejections: [Rejection] = []
        var rows: [(line: Int, row: [String: JSONValue], size: Int)] = []
        var firstLineOfCode: [String: Int] = [:]
        // Each record is let go once its row is made, so the file is not held twice (a million
        // rows of dictionaries took 1.8 GB, and the kernel's zeroing of fresh pages a third of the
        // time before the first batch).
        var unread = file.takeRecords()
        unread.reverse()
        while let record = unread.popLast() {
            var malformed = record.malformed
            if file.format == .jsonLines, malformed == nil, let (earlier, later) = kind.repeatedColumn(in: record.fields.keys.sorted()) {
                malformed = "members \"\(earlier)\" and \"\(later)\" name one column"
            }
            if let reason = malformed {
                let code = kind.row(record.fields, headers: try headers(of: record))["code"]?.stringValue ?? ""
                rejections.append(Rejection(line: record.line, code: code, error: "MalformedRow", reason: reason))
                continue
            }
            let columnHeaders = try headers(of: record)
            let row = kind.row(record.fields, headers: columnHeaders)
            let code = row["code"]?.stringValue ?? ""
            if let reason = kind.unreadableFlag(record.fields, headers: columnHeaders) {
                rejections.append(Rejection(line: record.line, code: code, error: "MalformedRow", reason: reason))
                continue
            }
            if kind == .enterprises, !code.isEmpty {
                if let first = firstLineOfCode[code] {
                    rejections.append(
                        Rejection(
                            line: record.line, code: code, error: "DuplicateInFile",
                            reason: "\(code) is already on line \(first) of this file; only a code's first row is sent"))
                    continue
                }
                firstLineOfCode[code] = record.line
            }
            let size = Self.encodedSizeBound(row)
            guard size <= Self.batchBytes else {
                rejections.append(
                    Rejection(
                        line: record.line, code: code, error: "MalformedRow",
                        reason: "the row takes up to \(size) bytes; a row must fit in one batch of \(Self.batchBytes) bytes"))
                continue
            }
            rows.append((record.line, row, size))
        }
        let duplicates = rejections.count(where: { $0.error == "DuplicateInFile" })

        let progress = Progress(total: rowsRead, unit: "rows")
        progress.advance(by: rejections.count)
        /// The summary's members (README), for a finished and for a stopped import alike.
        func summary(imported: Int, rejected: Int, skipped: Int, complete: Bool) -> [String: JSONValue] {
            let seconds = progress.elapsed
            return [
                "file": .string(file.name), "importId": .string(importId), "rowsRead": .int(Int64(rowsRead)),
                "imported": .int(Int64(imported)), "rejected": .int(Int64(rejected)),
                "alreadyImported": .int(Int64(skipped)), "duplicatesInFile": .int(Int64(duplicates)),
                "seconds": .double((seconds * 1000).rounded() / 1000),
                "rowsPerSecond": .int(seconds > 0 ? Int64(Double(rowsRead) / seconds) : 0),
                "errorFile": .string(errorPath), "complete": .bool(complete),
            ]
        }
        var imported = 0
        var skipped = 0
        let batches = Self.batches(of: rows.map(\.size), rowsPerBatch: options.batchSize)
        let sending = batches.prefix(options.stopAfterBatches ?? batches.count)
        let client = sending.isEmpty ? nil : try await daemon.client()
        let method = kind.method
        do {
            // A few batches in flight keep the registry busy while the next ones are encoded.
            // They are written in file order (the registry applies a connection's calls in the
            // order they arrive, and a later line may depend on an earlier one), and their
            // replies, which come in that order too, are taken in it.
            var inFlight: [(index: Int, replies: AsyncThrowingStream<VarlinkReply, any Error>)] = []
            var next = 0
            while next < sending.count || !inFlight.isEmpty {
                while inFlight.count < Self.window, next < sending.count, let client {
                    let batch = rows[sending[next]]
                    let parameters: [String: JSONValue] = [
                        kind.parameter: .array(batch.map { .object($0.row) }), "importId": .string(importId),
                        "firstLine": .int(Int64(batch.first!.line)), "lastLine": .int(Int64(batch.last!.line)),
                    ]
                    inFlight.append((next, client.replies(to: VarlinkCall(method: method, parameters: parameters))))
                    next += 1
                }
                let (index, replies) = inFlight.removeFirst()
                let reply = try await Self.onlyReply(replies)
                let range = sending[index]
                let count = Int(reply["imported"]?.intValue ?? 0)
                if reply["alreadyApplied"]?.boolValue == true { skipped += count } else { imported += count }
                for refused in reply["rejected"]?.arrayValue ?? [] {
                    guard let offset = refused["row"]?.intValue.map(Int.init), range.contains(range.lowerBound + offset) else { continue }
                    let row = rows[range.lowerBound + offset]
                    rejections.append(
                        Rejection(
                            line: row.line, code: row.row["code"]?.stringValue ?? "",
                            error: Render.shortName(refused["error"]?.stringValue ?? "Refused"),
                            reason: refused["reason"]?.stringValue ?? ""))
                }
                progress.advance(by: range.count)
            }
        } catch {
            // What was answered before the failure is still reported: the rows refused so far
            // go to the error file, and the counts to stderr, before the failure itself.
            try? writeErrors(rejections.sorted { $0.line < $1.line }, to: errorPath)
            progress.finish()
            // A refusal of the import itself (its id used for other rows) is not resumed by running
            // it again; a lost connection or a stopped daemon is.
            let refused = (error as? VarlinkError)?.name.hasSuffix(".InvalidArgument") == true
            if console.json {
                // A script gets the counts too: the summary's members, `complete` false, and why.
                var summary = summary(imported: imported, rejected: rejections.count, skipped: skipped, complete: false)
                summary["stoppedBy"] = .string(Failure(error, socket: daemon.socketPath).message)
                console.reply(summary) { _ in [] }
            } else {
                Console.emit(
                    "stopped: \(imported) rows imported, \(rejections.count) rejected (in \(errorPath)), \(skipped) already "
                        + "imported before the failure below"
                        + (refused ? ".\n" : "; run the same command again to resume.\n"), to: STDERR_FILENO)
            }
            throw error
        }
        let batchesSent = sending.count
        progress.finish()
        let complete = sending.count == batches.count
        try writeErrors(rejections.sorted { $0.line < $1.line }, to: errorPath)

        let seconds = progress.elapsed
        console.reply(summary(imported: imported, rejected: rejections.count, skipped: skipped, complete: complete)) { _ in
            var block = KeyValueBlock()
            block.add("Rows read", "\(rowsRead)")
            block.add("Imported", "\(imported)")
            block.add("Rejected", "\(rejections.count)  (line, code, error and reason in \(errorPath))")
            block.add("Already imported", "\(skipped)")
            block.add("Duplicates in file", "\(duplicates)  (among the rejected)")
            block.add("Time", String(format: "%.2f s", seconds))
            block.add("Rate", "\(seconds > 0 ? Int(Double(rowsRead) / seconds) : 0) rows/s")
            let head = "Import of \(kind.rawValue) from \(file.name), import id \(importId)"
                + (complete ? ":" : ": stopped after \(batchesSent) batches; run the same command again to resume.")
            return [head] + block.lines(indent: 2)
        }
        return .success
    }

    /// The batches of consecutive rows: at most `rowsPerBatch` rows and ``batchBytes`` bytes each.
    static func batches(of sizes: [Int], rowsPerBatch: Int) -> [Range<Int>] {
        var batches: [Range<Int>] = []
        var start = 0
        var bytes = 0
        for (index, size) in sizes.enumerated() {
            if index > start, index - start == rowsPerBatch || bytes + size > batchBytes {
                batches.append(start..<index)
                start = index
                bytes = 0
            }
            bytes += size
        }
        if start < sizes.count { batches.append(start..<sizes.count) }
        return batches
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

    /// The error file: CSV, one row per refused row, in line order.
    private func writeErrors(_ rejections: [Rejection], to path: String) throws {
        var text = CSVText.line(["line", "code", "error", "reason"])
        for rejection in rejections {
            text += CSVText.line([String(rejection.line), rejection.code, rejection.error, rejection.reason])
        }
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw Failure.badInput("cannot write the error file \(path): \(error.localizedDescription)")
        }
    }
}
