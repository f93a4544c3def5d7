import ArgumentParser
import CanonicalJSON
import Foundation
import QCreditDomain
import VarlinkNIO

/// `qcredit screen FILE`: a bank's portfolio against the registry, one output row per code.
struct ScreenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "screen",
        abstract: "Screen a portfolio file of codes: grade, basis, lists and log index for each.",
        discussion: """
            FILE is a CSV file with a header (the codes in --column, default the column named \
            code, uscc or 统一社会信用代码, else 信用代码; a header naming two of them is refused) \
            or plain text with one code per line (blank lines and # comments skipped). Codes are answered with GetGrades in chunks pipelined over \
            four connections. Each output row has line, code, name, grade, basis, listed (the \
            lists, separated by ;), logIndex, treeSize and rootHash (the newest signed checkpoint \
            when the code was answered), and error and reason for a code that is invalid or not \
            on file. A code, name or reason starting with =, +, -, @, a tab or a carriage return is \
            written to CSV after a ' so that a spreadsheet shows it as text, not a formula. \
            A summary goes to stderr; the exit status is 0 when every code was answered, \
            with or without an error row.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case csv, jsonl }

    /// Codes per GetGrades call, connections, and calls in flight at once (over all connections).
    static let chunkSize = 5000
    static let connections = 4
    static let window = 8
    /// The headers a codes' column goes by, any one of which may name it (`信用代码`, a common
    /// export's, only when none of them is there).
    static let codeColumns = ["code", "uscc", "统一社会信用代码"]
    static let columns = ["line", "code", "name", "grade", "basis", "listed", "logIndex", "treeSize", "rootHash", "error", "reason"]

    @OptionGroup var options: GlobalOptions

    @Argument(help: ArgumentHelp("The portfolio: CSV with a header, or one code per line.", valueName: "file"))
    var file: String

    @Option(help: "The CSV column holding the codes.")
    var column: String?

    @Option(help: ArgumentHelp("Where to write the results (default: standard output).", valueName: "path"))
    var output: String?

    @Option(help: "csv or jsonl (default: from the output's extension, else csv).")
    var format: Format?

    @Option(help: "The portfolio's character encoding: utf-8, or gb18030 (also gbk, gb2312, cp936: all read as GB18030) for CSV saved by a Chinese spreadsheet.")
    var encoding: InputEncoding = .utf8

    func run() async throws {
        try await options.run { daemon, _ in
            // Ctrl-C or SIGTERM: no half-written file is left beside the output (see below), and
            // a summary says how far the run got, reading a large portfolio included.
            let interrupt = InterruptSignal()
            defer { interrupt.end() }
            let codes = try portfolio()
            // --json asks for JSON, as of every command: rows as JSON Lines unless --format says otherwise.
            let format = self.format ?? (options.json || output?.lowercased().hasSuffix(".jsonl") == true ? .jsonl : .csv)
            // Read already, but a run again on the same command line would find its input gone.
            if let output, InputFile.sameFile(output, file) {
                throw Failure.badInput("the output \(output) is the portfolio being screened; give another --output path")
            }
            let sink = try OutputSink(path: output)
            let checkpoints = DaemonSession(socketPath: daemon.socketPath)
            // The daemon answers each connection's calls in turn: several connections use its cores.
            var sessions = [daemon]
            while sessions.count < Self.connections { sessions.append(DaemonSession(socketPath: daemon.socketPath)) }
            var clients: [VarlinkClient] = []
            for session in sessions { clients.append(try await session.client()) }
            if format == .csv { try sink.write(CSVText.line(Self.columns)) }
            let progress = Progress(total: codes.count, unit: "codes", json: options.json)
            // Shown on time while the registry is slow to answer, not only as codes are answered.
            let ticking = progress.ticking()
            defer { ticking.cancel() }
            var counts = (graded: 0, ungraded: 0, errors: 0)
            let chunks = CodeBatches.split(codes.map(\.code), maximumCount: Self.chunkSize).map { codes[$0] }
            var inFlight: [AsyncThrowingStream<[String: JSONValue], any Error>] = []
            var answered = 0
            for (index, chunk) in chunks.enumerated() {
                if interrupt.received { break }
                while inFlight.count < Self.window, index + inFlight.count < chunks.count {
                    let next = index + inFlight.count
                    inFlight.append(
                        clients[next % clients.count].stream(
                            "org.qcredit.query.GetGrades", parameters: ["codes": .array(chunks[next].map { .string($0.code) })]))
                }
                var replies: [[String: JSONValue]] = []
                for try await reply in inFlight.removeFirst() { replies.append(reply) }
                let checkpoint = try? await checkpoints.call("org.qcredit.audit.GetCheckpoint")
                var text = ""
                for (entry, reply) in zip(chunk, replies) {
                    let row = Self.row(line: entry.line, reply: reply, checkpoint: checkpoint)
                    if reply["error"] != nil { counts.errors += 1 } else if row["grade"]?.stringValue != nil { counts.graded += 1 } else { counts.ungraded += 1 }
                    text += format == .csv ? CSVText.line(Self.columns.map { Self.csvCell(row[$0], column: $0) }) : JSONValue.object(row).jsonText + "\n"
                }
                try sink.write(text)
                progress.advance(by: chunk.count)
                answered += chunk.count
            }
            if let signal = interrupt.signal {
                sink.discard()
                Console.emit(
                    "\nscreen stopped by \(InterruptSignal.name(signal)) after \(answered) of \(codes.count) codes"
                        + (output.map { "; \($0) was left as it was" } ?? "") + "\n", to: STDERR_FILENO)
                interrupt.dieOfSignal(signal)
            }
            progress.finish()
            await checkpoints.close()
            for session in sessions.dropFirst() { await session.close() }
            try sink.close()
            let seconds = progress.elapsed
            let summary: JSONValue = [
                "codes": .int(Int64(codes.count)), "graded": .int(Int64(counts.graded)), "ungraded": .int(Int64(counts.ungraded)),
                "errors": .int(Int64(counts.errors)), "seconds": .double((seconds * 100).rounded() / 100), "codesPerSecond": .int(Int64(progress.rate)),
            ]
            Console.emit(
                options.json
                    ? summary.jsonText + "\n"
                    : "Screened \(codes.count) codes in \(String(format: "%.2f", seconds)) s (\(Int(progress.rate)) codes/s): "
                        + "\(counts.graded) graded, \(counts.ungraded) ungraded, \(counts.errors) with an error.\n",
                to: STDERR_FILENO)
            return .success
        }
    }

    /// The codes and their line numbers.
    private func portfolio() throws(Failure) -> [(line: Int, code: String)] {
        // Read once: standard input cannot be read again, and a conversion is done once.
        let bytes = try InputFile.bytes(of: file, encoding: encoding)
        let input = try InputFile(bytes: bytes, name: InputFile.name(of: file), offeringEncoding: true)
        let firstLine = input.contentLines.first?.text ?? ""
        let wanted = column.map { [$0] } ?? Self.codeColumns + ["信用代码"]
        // A `.csv` file of one column without a header (its first line a code, valid or not:
        // a mistyped code is a row to report, not a header) is a list too.
        let startsWithCode = (try? EnterpriseCode(validating: firstLine)) != nil || Self.isShapedLikeACode(firstLine)
        let isCSV = column != nil || firstLine.contains(",") || (file.lowercased().hasSuffix(".csv") && !startsWithCode)
        guard isCSV else {
            // A list whose first line names its one column (`code`) has a header, not a code.
            let named = wanted.contains { ImportKind.key($0) == ImportKind.key(firstLine.trimmingWhitespace()) }
            return input.contentLines.dropFirst(named ? 1 : 0).map { ($0.number, $0.text) }
        }
        var table = try TabularFile(lines: LineTable(bytes: bytes, name: input.name), path: file)
        // Two columns that could each be the codes' (`code,uscc`, or one header twice): which
        // one was meant is anyone's guess, as for an import.
        let candidates = table.columns.filter { header in (column.map { [$0] } ?? Self.codeColumns).contains { ImportKind.key($0) == ImportKind.key(header) } }
        if candidates.count > 1 {
            throw .badInput(
                "\(table.name) names the codes' column twice in its header: \(candidates[0]) and \(candidates[1]); "
                    + "name the codes' column with --column, or rename the other")
        }
        guard let header = wanted.lazy.compactMap({ name in table.columns.first { ImportKind.key($0) == ImportKind.key(name) } }).first
        else {
            throw .badInput(
                "\(table.name) has no column \(wanted.joined(separator: ", ")) (columns: \(table.columns.joined(separator: ", "))); "
                    + "name the codes' column with --column")
        }
        // A row the reader could not read whole is still answered for its code cell (README).
        return table.remainingRecords().map { ($0.line, ($0.fields[header] ?? "").trimmingWhitespace()) }
    }

    /// Eight to twenty letters, digits or hyphens with a digit among them: what a code, even a
    /// mistyped one, looks like, and no column name does.
    static func isShapedLikeACode(_ line: String) -> Bool {
        // As codes are read: spaces, hyphens and full-width forms do not make it a header.
        let text = EnterpriseCode.normalize(NameMatch.halfWidth(line).trimmingWhitespace())
        return (8...20).contains(text.utf8.count) && text.utf8.contains(where: { (0x30...0x39).contains($0) })
            && text.utf8.allSatisfy { byte in
                (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || byte == UInt8(ascii: "-")
            }
    }

    static func row(line: Int, reply: [String: JSONValue], checkpoint: [String: JSONValue]?) -> [String: JSONValue] {
        let grade = reply["grade"]
        // A valid code in its normal form (full-width, lower case, spaced or hyphenated input
        // gives the code a bank joins on); an invalid one as the portfolio gave it.
        var code = reply["code"] ?? .null
        if let given = code.stringValue, reply["error"]?.stringValue?.hasSuffix(".InvalidCode") != true {
            code = .string(EnterpriseCode.normalize(given))
        }
        return [
            "line": .int(Int64(line)), "code": code, "name": grade?["enterprise"]?["name"] ?? .null,
            "grade": grade?["grade"] ?? .null, "basis": grade?["basis"] ?? .null, "listed": grade?["listed"] ?? .null,
            "logIndex": grade?["logIndex"] ?? .null, "treeSize": checkpoint?["size"] ?? .null,
            "rootHash": checkpoint?["rootHash"] ?? .null,
            "error": reply["error"].map { .string(Render.shortName($0.stringValue ?? "")) } ?? .null,
            "reason": reply["reason"] ?? .null,
        ]
    }

    /// A value as a CSV cell, text someone wrote (a name, a reason, a code as the portfolio gave
    /// it, which an invalid code's row echoes) kept from reading as a spreadsheet formula
    /// (``CSVText/text(_:)``; no valid code starts with a character that changes).
    static func csvCell(_ value: JSONValue?, column: String) -> String {
        let text = cell(value)
        return ["name", "reason", "code"].contains(column) ? CSVText.text(text) : text
    }

    /// A value as a CSV cell: lists joined by `;`, null empty.
    static func cell(_ value: JSONValue?) -> String {
        guard let value, !value.isNull else { return "" }
        if let string = value.stringValue { return string }
        if let array = value.arrayValue { return array.compactMap(\.stringValue).joined(separator: ";") }
        return value.jsonText
    }
}
