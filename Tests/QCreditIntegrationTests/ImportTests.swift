import CanonicalJSON
import Foundation
import Glibc
import QCreditCrypto
import QCreditDomain
import QCreditTestSupport
import Testing

@testable import QCreditCLI

/// `qcredit import`, `screen` and `find` end to end against a real daemon, with files in the
/// shapes registries and banks really exchange.
@Suite struct ImportTests {
    typealias CLI = CLIHarness

    /// Writes `text` to a file in the daemon's directory and returns its path.
    func file(_ daemon: DaemonProcess, _ name: String, _ text: String) throws -> String {
        let path = daemon.directory.appendingPathComponent(name).path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Full-width forms of ASCII text, as codes and dates come in Chinese documents.
    static func fullWidth(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { (0x21...0x7E).contains($0.value) ? Unicode.Scalar($0.value + 0xFEE0)! : $0 }))
    }

    /// A field's surrounding white space goes, whatever it is (the ideographic space of Chinese
    /// spreadsheets, a non-breaking space, a tab, CRLF), and text with none is left as it is,
    /// a combining mark kept with the letter or ideograph it follows (the fast path for text
    /// that starts and ends with ASCII or an ideograph must agree with the general one).
    @Test func fieldsAreTrimmedOfEveryKindOfWhiteSpaceOnly() {
        let cases: [(String, String)] = [
            ("贵州某某水泥有限公司", "贵州某某水泥有限公司"), ("\u{3000}贵州某某水泥有限公司\u{3000}", "贵州某某水泥有限公司"),
            (" 91522700MA6DKQXX8R\t", "91522700MA6DKQXX8R"), ("\u{00A0}a b\r\n", "a b"), ("e\u{301}", "e\u{301}"),
            ("中\u{301}", "中\u{301}"),
            // A space carrying a combining mark is still a space, as it always was here.
            ("A \u{301}", "A"), ("\u{3000}", ""), ("", ""), ("x", "x"),
            ("「抽检」", "「抽检」"),
        ]
        for (text, trimmed) in cases {
            #expect(text.trimmingWhitespace() == trimmed, "\(text.unicodeScalars.map { String($0.value, radix: 16) })")
        }
    }

    @Test func csvRowsKeepTheLineTheyStartOnAcrossQuotedLineBreaks() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("qcredit-csv-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("rows.csv").path
        try Data("code,summary\r\nA,\"two\r\nlines, and \"\"quotes\"\"\"\r\nB,plain\r\nC,\"never closed\r\n".utf8)
            .write(to: URL(fileURLWithPath: path))
        var file = try TabularFile(reading: path)
        #expect(file.format == .csv)
        let records = file.remainingRecords()
        #expect(records.map(\.line) == [2, 4, 5])
        #expect(records[0].fields["summary"] == "two\nlines, and \"quotes\"")
        #expect(records[1].fields == ["code": "B", "summary": "plain"])
        #expect(records[2].malformed?.hasPrefix("a quoted field is not closed") == true)
        // The fields are kept (the open one's text cut at its commas), so the error file can name the row's code.
        #expect(records[2].fields == ["code": "C", "summary": "never closed"])
        #expect(file.recordsRead == 3 && file.nextRecord() == nil)
    }

    /// A quote the file never closes spoils its own row only: the rows after it are read (and
    /// imported or screened) as rows, not swallowed into the open field up to the end.
    @Test func aQuoteNeverClosedSpoilsOnlyItsOwnRow() async throws {
        let scratch = try ScratchDirectory("csv")
        let path = scratch.path("rows.csv")
        try Data("code,summary\nA,\"closed\nacross lines\"\nB,two\nC,\"never closed\nD,four\nE,five\n".utf8)
            .write(to: URL(fileURLWithPath: path))
        var file = try TabularFile(reading: path)
        let records = file.remainingRecords()
        #expect(records.map(\.line) == [2, 4, 5, 6, 7])
        #expect(records[0].fields == ["code": "A", "summary": "closed\nacross lines"] && records[0].malformed == nil)
        #expect(records[2].malformed?.hasPrefix("a quoted field is not closed (the file never closes it") == true)
        #expect(records[2].fields == ["code": "C", "summary": "never closed"])
        #expect(records[3].fields == ["code": "D", "summary": "four"] && records[3].malformed == nil)
        #expect(records[4].fields == ["code": "E", "summary": "five"] && records[4].malformed == nil)

        // A later quote does not make the stray one swallow the rows up to it: read on, the lines
        // would not make a well-formed row (text after the closing quote, or too many fields).
        for later in ["F,\"six", "F,\"a \"\"quoted\"\" word\"", "\"F\",\"six\"", "F\",six"] {
            try Data("code,summary\nC,\"stray\nD,four\nE,five\n\(later)\nG,seven\n".utf8).write(to: URL(fileURLWithPath: path))
            var strayFile = try TabularFile(reading: path)
            let stray = strayFile.remainingRecords()
            #expect(stray.map(\.line) == [2, 3, 4, 5, 6], "\(later): \(stray)")
            // Why it was not read on: the quote on line 5 closes it badly (text after it) or into a bad row.
            let why = stray[0].malformed ?? ""
            #expect(
                why.hasPrefix("a quoted field is not closed (read on, the quote that closes it is followed by text on line 5")
                    || why.hasPrefix("a quoted field is not closed (the quote on line 5 closes it, but"), "\(why)")
            #expect(stray[1].fields == ["code": "D", "summary": "four"] && stray[1].malformed == nil)
            #expect(stray[2].fields == ["code": "E", "summary": "five"] && stray[2].malformed == nil)
            #expect(stray[4].fields == ["code": "G", "summary": "seven"] && stray[4].malformed == nil)
        }
        // A row over several lines with a byte that is not UTF-8 in a later one says which line.
        var bytes = Array("code,summary\nC,\"first\nsec".utf8)
        bytes += [0xFF] + Array("ond\"\nD,four\n".utf8)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        var notUTF8 = try TabularFile(reading: path)
        let notUTF8Records = notUTF8.remainingRecords()
        #expect(notUTF8Records.map(\.line) == [2, 4])
        #expect(notUTF8Records[0].malformed == "not UTF-8 text (byte 4 of its line 3)", "\(notUTF8Records)")
        // A field that spans lines and closes well is still one field.
        try Data("code,summary\nC,\"one\ntwo, \"\"three\"\"\"\nD,four\n".utf8).write(to: URL(fileURLWithPath: path))
        var spanning = try TabularFile(reading: path)
        #expect(spanning.remainingRecords().map(\.fields) == [["code": "C", "summary": "one\ntwo, \"three\""], ["code": "D", "summary": "four"]])
        // A quote after spaces opens a field only within its line (RFC 4180 has no such opening
        // quote): read on, it would take in the row after it.
        try Data("code,summary\nC, \"five\nD,six\"\nE, \"seven, eight\" \n".utf8).write(to: URL(fileURLWithPath: path))
        var spaced = try TabularFile(reading: path)
        #expect(
            spaced.remainingRecords().map(\.fields)
                == [["code": "C", "summary": " \"five"], ["code": "D", "summary": "six\""], ["code": "E", "summary": "seven, eight"]])
        // Text after a closing quote on the row's own line is what is wrong with it, whatever opens after.
        try Data("code,summary,amount\nC,\"x\"y,\"z\nD,six,6\n".utf8).write(to: URL(fileURLWithPath: path))
        var strayFirst = try TabularFile(reading: path)
        let strayFirstRecords = strayFirst.remainingRecords()
        #expect(strayFirstRecords.map(\.line) == [2, 3])
        #expect(strayFirstRecords[0].malformed?.hasPrefix("field 2 has text after its closing quote") == true, "\(strayFirstRecords)")
        // Lines that each close one quote and open another: each is its own (malformed) row, and
        // no line is read again for every row before it.
        let reopening = (2..<20_002).map { "a\",R\($0),\"b\n" }.joined()
        try Data("code,summary\n\(reopening)".utf8).write(to: URL(fileURLWithPath: path))
        var reopened = try TabularFile(reading: path)
        let reopenedRecords = reopened.remainingRecords()
        #expect(reopenedRecords.count == 20_000 && reopenedRecords.last?.line == 20_001)
        #expect(reopenedRecords.allSatisfy { $0.malformed?.contains("the file never closes it") == true })
        // A stray quote early in a long file: every row after it is read (each line once, not
        // the rest of the file again for every line the open field took in).
        let rows = (0..<20_000).map { "R\($0),row \($0)\n" }.joined()
        try Data("code,summary\nC,\"stray\n\(rows)".utf8).write(to: URL(fileURLWithPath: path))
        var long = try TabularFile(reading: path)
        let longRecords = long.remainingRecords()
        #expect(longRecords.count == 20_001 && longRecords.dropFirst().allSatisfy { $0.malformed == nil })

        // Screened: the row answered for its code cell, as a row with a field too many is, and
        // the rows after it answered too.
        let cli = CLI(daemon: try await DaemonProcess())
        try await cli.register(CLI.cement, name: "贵州黔南水泥有限公司")
        let portfolio = scratch.path("book.csv")
        // The stray quote before the code's column leaves the code answered; the one after it
        // does not take in the rows up to the next quote.
        try "borrower,code,amount\n\"Qiannan,\(CLI.materials),1000\n\"x\",\(CLI.cement),2000\n".write(
            toFile: portfolio, atomically: true, encoding: .utf8)
        let screened = try await cli.run(["screen", portfolio])
        #expect(screened.status == 0, "\(screened.stderr)")
        let screenedRows = screened.stdout.split(separator: "\n").map(String.init)
        #expect(screenedRows.count == 3, "\(screenedRows)")
        #expect(screenedRows[1].hasPrefix("2,\(CLI.materials),") && screenedRows[1].contains("NotFound"), "\(screenedRows)")
        #expect(screenedRows[2].hasPrefix("3,\(CLI.cement),贵州黔南水泥有限公司,"), "\(screenedRows)")
        #expect(screened.stderr.contains("Screened 2 codes") && screened.stderr.contains("1 with an error"), "\(screened.stderr)")
        // A portfolio without a column of codes by any name it knows says which names it looked for.
        try "borrower,amount\n\(CLI.cement),1\n".write(toFile: portfolio, atomically: true, encoding: .utf8)
        let unnamed = try await cli.run(["screen", portfolio])
        #expect(unnamed.status == 2, "\(unnamed.stderr)")
        #expect(unnamed.stderr.contains("has no column code, uscc, 统一社会信用代码, 信用代码 (columns: borrower, amount); name the codes' column with --column"), "\(unnamed.stderr)")
    }

    /// A portfolio's first line is a code, not a header, in any form a code is read in —
    /// spaced, hyphenated, full-width — even mistyped (it is then a row to report).
    @Test func aMistypedCodeInAnyFormIsNotTakenForAHeader() {
        for line in ["911522010783762861", "9115 2201 0783 7628 61", "07837628-5", "０７８３７６２８-５", " 0783 7628 5 "] {
            #expect(ScreenCommand.isShapedLikeACode(line), "\(line)")
        }
        for line in ["code", "USCC", "统一社会信用代码", "信用代码", "borrower-id", ""] {
            #expect(!ScreenCommand.isShapedLikeACode(line), "\(line)")
        }
    }

    /// A field holding a line break — CRLF too, which Swift counts as one Character — is
    /// quoted in CSV output (the error file's reasons echo what a row held), so the written
    /// file reads back as the rows written.
    @Test func csvOutputQuotesEveryLineBreakAndRowsOfEmptyFieldsAreBlank() throws {
        for text in ["a\r\nb", "a\nb", "a\rb", "a,b", "say \"x\"", "\"\u{301}"] {
            #expect(CSVText.field(text).hasPrefix("\""), "\(text.unicodeScalars.map(\.value)) was not quoted")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("qcredit-csvout-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("errors.csv").path
        let rows = [["line", "code", "error", "reason"], ["2", "X", "InvalidArgument", "occurredOn: '2026-01-01\r\nx' is not a date"]]
        try Data((rows.map(CSVText.line).joined() + ",,,\n").utf8).write(to: URL(fileURLWithPath: path))
        var file = try TabularFile(reading: path)
        let records = file.remainingRecords()
        #expect(records.count == 1, "\(records)")
        #expect(records.first?.malformed == nil)
        // The reader takes a line break inside a field as LF, whatever the file's line ends.
        #expect(records.first?.fields["reason"] == "occurredOn: '2026-01-01\nx' is not a date")
    }

    /// The lines an import reads are the lines every other command reads (``InputFile``), and
    /// the digest behind the default import id is the one of their text joined by line feeds,
    /// whatever the line ends, byte order mark, blank or badly encoded lines.
    @Test func importLinesAndTheirDigestAreThoseOfTheFilesText() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("qcredit-lines-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let files: [[UInt8]] = [
            [], Array("\n".utf8), Array("a".utf8), Array("a\n".utf8), Array("a\r\n".utf8), Array("a\r".utf8),
            Array("a\n\n".utf8), Array("a\r\n\r\n".utf8), Array("\r".utf8), [0xEF, 0xBB, 0xBF], [0xEF, 0xBB, 0xBF, 0x0A],
            [0xEF, 0xBB, 0xBF] + Array("code,name\r\n贵州,x\r\n".utf8),
            Array("code,name\n".utf8) + [0x41, 0xB9, 0xF3, 0x0D, 0x0A] + Array("\u{3000}\n ok\n".utf8) + [0xE4, 0xB8],
            [0xEF, 0xBB, 0xBF, 0x41, 0xB9, 0x0A, 0x42],
            Array("\n \na\n\t\nb\n\n \n".utf8),
        ]
        for (index, bytes) in files.enumerated() {
            let path = directory.appendingPathComponent("file\(index)").path
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let input = try InputFile(reading: path, acceptingLinesNotUTF8: true)
            let table = try LineTable(reading: path)
            #expect((0..<table.count).map { table.text($0) } == input.lines.map(\.text), "file \(index)")
            #expect(table.linesNotUTF8 == input.linesNotUTF8, "file \(index)")
            #expect((0..<table.count).map { table.isBlank($0) } == input.lines.map { $0.text.trimmingWhitespace().isEmpty }, "file \(index)")
            // Blank lines as empty ones, those at the end left out.
            var content = input.lines.map { $0.text.trimmingWhitespace().isEmpty ? "" : $0.text }
            while content.last == "" { content.removeLast() }
            #expect(table.digest() == Digest.sha256(Array(content.joined(separator: "\n").utf8)), "file \(index)")
        }
        // A blank line before a row moves the rows' lines (an import's batches are named by
        // them): a new import. Spaces on a blank line, or blank lines at the end, are not (audit:
        // a blank line in the middle kept the default id, and the resume was refused).
        func digest(_ text: String) throws -> [UInt8] {
            let path = directory.appendingPathComponent("digest").path
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return try LineTable(reading: path).digest()
        }
        #expect(try digest("code\na\nb\n") != digest("code\na\n\nb\n"))
        #expect(try digest("code\na\nb\n") != digest("\ncode\na\nb\n"))
        #expect(try digest("code\na\n\nb\n") == digest("code\r\na\r\n \t\r\nb\r\n\r\n\n"))
    }

    /// An import reads its file a batch at a time (the first batch goes out before the rest is
    /// read, and a million rows are never held at once), and cuts batches where it always did:
    /// at the row count, or before a row that would take the batch past its byte budget; rows
    /// the client refuses take no place in a batch.
    @Test func importBatchesAreReadOneAtATimeAndCutByRowsAndBytes() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("qcredit-batches-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("events.csv").path
        let long = String(repeating: "抽", count: 700_000)  // 2.1 MB: two such rows do not fit in one 4 MiB batch
        var lines = ["code,dimension,kind,severity,occurredOn,authority,documentNumber,summary"]
        for line in 2...1_001 {
            let summary = [500, 501, 850, 900].contains(line) ? long : "抽检合格"
            lines.append(line == 10 ? "broken,row" : "C\(line),product,spot-check-failed,low,2026-01-05,局,文\(line),\(summary)")
        }
        try Data(lines.joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: path))
        let file = try TabularFile(reading: path)
        #expect(file.estimatedRecordCount == 1_000)
        let headers = try ImportKind.events.columnHeaders(in: file.columns, file: path)
        var reader = BatchReader(kind: .events, file: file, csvHeaders: headers, rowsPerBatch: 300)
        let batch = reader.nextBatch()
        let first = try #require(batch)
        #expect(first.count == 300 && first.first?.line == 2 && first.last?.line == 302)
        #expect(reader.recordsRead == 301, "the first batch is read without the rest of the file")
        #expect(reader.rejections.map(\.line) == [10])
        var sizes: [(first: Int, last: Int)] = []
        while let batch = reader.nextBatch() { sizes.append((batch.first!.line, batch.last!.line)) }
        // 303…500; 501 does not fit beside 500 and starts the next; 900 does not fit beside 850.
        #expect(sizes.map(\.first) == [303, 501, 801, 900], "\(sizes)")
        #expect(sizes.map(\.last) == [500, 800, 899, 1_001], "\(sizes)")
        #expect(reader.recordsRead == 1_000)
    }

    /// Which connection a batch of enterprises goes on: in turn while it names no firm a batch
    /// in flight names; behind the batches that do when they share one connection; nowhere yet
    /// (it waits) when they are on both.
    @Test func enterpriseBatchesNamingOneFirmFollowEachOtherOnOneConnection() {
        let uscc = USCC.madeUp(serial: 12_345_678)
        let legacy = String(Array(uscc)[8..<17])
        func rows(_ codes: [String]) -> [BatchReader.Row] {
            codes.enumerated().map { BatchReader.Row(line: $0 + 2, row: ["code": .string($1)], size: 40, writtenCode: $1) }
        }
        #expect(FileImport.firms(of: rows([uscc, legacy, "ABC"])) == [legacy, "ABC"])
        func sent(_ connection: Int, _ codes: String...) -> FileImport.InFlightBatch {
            let batch = rows(codes)
            return FileImport.InFlightBatch(
                rows: batch, connection: connection, firms: FileImport.firms(of: batch), replies: AsyncThrowingStream { $0.finish() })
        }
        let firms = FileImport.firms(of: rows([uscc]))
        #expect(FileImport.connection(for: firms, sent: 5, inFlight: []) == 1)
        #expect(FileImport.connection(for: firms, sent: 6, inFlight: [sent(1, "X1")]) == 0)
        #expect(FileImport.connection(for: firms, sent: 6, inFlight: [sent(1, legacy), sent(0, "X2")]) == 1)
        #expect(FileImport.connection(for: firms, sent: 6, inFlight: [sent(1, legacy), sent(1, uscc), sent(0, "X2")]) == 1)
        #expect(FileImport.connection(for: firms, sent: 6, inFlight: [sent(0, uscc), sent(1, legacy)]) == nil)
    }

    /// A code's later row is not sent; when its first row was refused (here an empty name),
    /// the duplicate's reason says so, so that an operator does not read the firm as registered.
    @Test func aDuplicateOfARefusedRowSaysTheCodeWasNotRegistered() async throws {
        let cli = CLIHarness(daemon: try await DaemonProcess())
        let path = try file(cli.daemon, "dup.csv", "code,name\n\(CLI.cement),\n\(CLI.cement),第二行\n\(CLI.materials),建材\n\(CLI.materials),又一行\n")
        let summary = try await cli.json(["import", "enterprises", path])
        #expect(summary["imported"] == 1)
        #expect(summary["rejected"] == 3)
        let errors = try String(contentsOfFile: path + ".errors.csv", encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(errors.count == 4)
        #expect(errors[1].hasPrefix("2,\(CLI.cement),InvalidArgument,"))
        #expect(errors[2].hasPrefix("3,\(CLI.cement),DuplicateInFile,"))
        #expect(errors[2].contains("line 2 was itself refused (InvalidArgument), so the code was not registered from this file"), "\(errors)")
        #expect(errors[3].hasPrefix("5,\(CLI.materials),DuplicateInFile,"))
        #expect(!errors[3].contains("itself refused"), "the first row of this code was registered")
    }

    /// What the error file says of repeats, by what became of the first row: an invalid code
    /// repeated is invalid each time, as written (not a duplicate: it names no firm); a legacy
    /// code repeated after its USCC's row names the row that registered the firm; a row whose
    /// code came from the organization-code column shows that code.
    @Test func repeatsAreReportedByWhatBecameOfTheFirstRow() async throws {
        let cli = CLIHarness(daemon: try await DaemonProcess())
        let wrongCheck = "07837628-5"
        let path = try file(
            cli.daemon, "repeats.csv",
            "统一社会信用代码,组织机构代码,企业名称\n,\(wrongCheck),坏校验\nbad,,一\nbad,,二\n\(CLI.cement),,水泥\n,\(CLI.cementOrgCode),旧码\n,\(CLI.cementOrgCode),又一行\n")
        let summary = try await cli.json(["import", "enterprises", path])
        #expect(summary["imported"] == 1)
        #expect(summary["rejected"] == 5)
        #expect(summary["duplicatesInFile"] == 2, "\(summary)")
        let errors = try String(contentsOfFile: path + ".errors.csv", encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(errors.count == 6, "\(errors)")
        #expect(errors[1].hasPrefix("2,\(wrongCheck),InvalidCode,"), "\(errors)")
        #expect(errors[2].hasPrefix("3,bad,InvalidCode,"), "\(errors)")
        #expect(errors[3].hasPrefix("4,bad,InvalidCode,") && errors[3].contains("(as on line 3)"), "\(errors)")
        #expect(errors[4].hasPrefix("6,\(CLI.cementOrgCode.replacingOccurrences(of: "-", with: "")),DuplicateInFile,"), "\(errors)")
        #expect(errors[5].hasPrefix("7,"), "\(errors)")
        #expect(errors[5].contains("DuplicateInFile"), "\(errors)")
        #expect(errors[5].contains("line 6 itself repeats the firm of line 5, which was registered from this file"), "\(errors)")
        #expect(!errors[5].contains("itself refused"), "\(errors)")
    }

    /// Rows from standard input (`-`, or `/dev/stdin`) have their error file in the current
    /// directory, named by the import id: not `-.errors.csv`, nor a file made in /dev.
    @Test func rowsFromStandardInputListTheirRefusalsInTheCurrentDirectory() async throws {
        let cli = CLIHarness(daemon: try await DaemonProcess())
        let here = cli.daemon.directory.appendingPathComponent("here").path
        try FileManager.default.createDirectory(atPath: here, withIntermediateDirectories: true)
        let rows = "code,name\n\(CLI.cement),水泥\nbad,坏\n"
        for input in ["-", "/dev/stdin"] {
            let result = try await runCommand(
                CLIHarness.executable, ["import", "enterprises", input, "--json", "--socket", cli.daemon.socketPath], input: rows,
                directory: here)
            #expect(result.status == 0, "\(result.stderr)")
            let summary = try JSONValue.parse(result.stdout)
            let errorFile = try #require(summary["errorFile"]?.stringValue)
            #expect(errorFile.hasPrefix("enterprises-") && errorFile.hasSuffix(".errors.csv") && !errorFile.contains("/"), "\(errorFile)")
            let listed = try String(contentsOfFile: here + "/" + errorFile, encoding: .utf8)
            #expect(listed.contains("3,bad,InvalidCode,"), "\(listed)")
        }
        // Standard input redirected from a regular file (`< FILE`), which /dev/stdin and
        // /dev/fd/0 then lead to: the list went into /dev, or was refused beside /dev/fd/0 (audit).
        let saved = cli.daemon.directory.appendingPathComponent("rows.csv").path
        try rows.write(toFile: saved, atomically: true, encoding: .utf8)
        for input in ["/dev/stdin", "/dev/fd/0"] {
            let result = try await runCommand(
                "/bin/sh", ["-c", "exec \"$0\" import enterprises \(input) --json --socket \"$1\" < \"$2\"", CLIHarness.executable,
                            cli.daemon.socketPath, saved], directory: here)
            #expect(result.status == 0, "\(result.stderr)")
            let errorFile = try #require(try JSONValue.parse(result.stdout)["errorFile"]?.stringValue)
            #expect(errorFile.hasPrefix("enterprises-") && !errorFile.contains("/"), "\(errorFile)")
        }
        #expect(!FileManager.default.fileExists(atPath: "/dev/stdin.errors.csv"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: here).count == 1, "the same rows, the same list")
    }

    @Test func enterprisesFromARealWorldCSVReportEveryRefusedRowWithItsLine() async throws {
        let cli = CLIHarness(daemon: try await DaemonProcess())
        let csv = "\u{FEFF}统一社会信用代码,企业名称,division_code\r\n"
            + "\(CLI.cement),\"贵州黔南某某水泥有限公司, 二分厂\",\r\n"
            + "\u{3000}\(Self.fullWidth(CLI.materials)) ,贵阳某某建材有限公司,\r\n"
            + "\(CLI.cement),重复的企业,\r\n"
            + "\(CLI.wrongCheck),校验码错误,\r\n"
            + "only,two\r\n"
            + "\r\n"
            + "121200004013590816,\"Quote \"\"Test\"\" Co.\",\r\n"
        let path = try file(cli.daemon, "market.csv", csv)
        let summary = try await cli.json(["import", "enterprises", path])
        #expect(summary["rowsRead"] == 6)
        #expect(summary["imported"] == 3)
        #expect(summary["rejected"] == 3)
        #expect(summary["duplicatesInFile"] == 1)
        #expect(summary["alreadyImported"] == 0)
        #expect(summary["complete"] == true)
        let errors = try String(contentsOfFile: path + ".errors.csv", encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(errors[0] == "line,code,error,reason")
        #expect(errors.count == 4)
        #expect(errors[1].hasPrefix("4,\(CLI.cement),DuplicateInFile,"))
        #expect(errors[1].contains("line 2"))
        #expect(errors[2].hasPrefix("5,\(CLI.wrongCheck),InvalidCode,"))
        #expect(errors[3] == "6,only,MalformedRow,has 2 fields; the header has 3", "the field in the code column's place, as written")
        #expect(summary["seconds"]?.doubleValue != nil, "seconds is a number")
        #expect(summary["rowsPerSecond"]?.intValue != nil)
        #expect(summary["errorFile"] == .string(path + ".errors.csv"))
        #expect(Set(summary.objectValue?.keys ?? [:].keys) == [
            "file", "importId", "rowsRead", "imported", "rejected", "alreadyImported", "duplicatesInFile", "seconds",
            "rowsPerSecond", "errorFile", "complete",
        ])

        #expect(try await cli.json(["file", CLI.cement])["file"]?["enterprise"]?["name"] == "贵州黔南某某水泥有限公司, 二分厂")
        #expect(try await cli.json(["file", CLI.materials])["file"]?["enterprise"]?["name"] == "贵阳某某建材有限公司")
        #expect(try await cli.json(["file", "121200004013590816"])["file"]?["enterprise"]?["name"] == "Quote \"Test\" Co.")

        // The same file again: every batch was applied already, and the refusals are reported again.
        let again = try await cli.json(["import", "enterprises", path])
        #expect(again["imported"] == 0)
        #expect(again["alreadyImported"] == 3)
        #expect(again["rejected"] == 3)
        let text = try await cli.succeed(["import", "enterprises", path, "--import-id", "another"])
        #expect(text.contains("Imported            0"), "\(text)")
        #expect(text.contains("Rejected            6"), "\(text)")
    }

    @Test func anInterruptedImportResumedWithTheSameIdAppliesEachRowOnce() async throws {
        let cli = CLIHarness(daemon: try await DaemonProcess())
        try await cli.register(CLI.cement, name: "贵州黔南某某水泥有限公司")
        var lines: [String] = []
        for line in 1...27 {
            if line == 7 {
                lines.append("{not json")
                continue
            }
            let event: JSONValue = [
                "code": .string(line == 13 ? CLI.unregistered : Self.fullWidth(CLI.cement)), "dimension": "product",
                "kind": "spot-check-passed", "severity": "low", "occurred_on": .string(Self.fullWidth(CLI.date(daysAgo: line))),
                "authority": "黔南州市场监督管理局", "documentNumber": .string("黔南市监抽〔2026〕\(line)号"), "summary": "抽检合格",
            ]
            lines.append(event.jsonText)
        }
        let path = try file(cli.daemon, "inspections.jsonl", lines.joined(separator: "\r\n") + "\r\n")
        let arguments = ["import", "events", path, "--batch-size", "5", "--import-id", "inspections-2026"]
        let first = try await cli.json(arguments + ["--stop-after-batches", "2"])
        #expect(first["complete"] == false)
        #expect(first["imported"] == 10)
        let resumed = try await cli.json(arguments)
        #expect(resumed["complete"] == true)
        #expect(resumed["alreadyImported"] == 10)
        #expect(resumed["imported"] == 15)
        #expect(resumed["rejected"] == 2)
        let errors = try String(contentsOfFile: path + ".errors.csv", encoding: .utf8)
        #expect(errors.contains("7,,MalformedRow,not JSON: "), "\(errors)")
        #expect(errors.contains("13,\(CLI.unregistered),NotFound,"))
        let third = try await cli.json(arguments)
        #expect(third["imported"] == 0)
        #expect(third["alreadyImported"] == 25)
        #expect(try await cli.json(["file", CLI.cement])["file"]?["events"]?.arrayValue?.count == 25)
        // The file saved again with a blank line at its end and LF line ends is the same import
        // under its default id: nothing is recorded twice.
        let byDefault = try await cli.json(["import", "events", path, "--batch-size", "5"])
        #expect(byDefault["imported"] == 25)
        let resaved = try file(cli.daemon, "inspections-resaved.jsonl", lines.joined(separator: "\n") + "\n\n \n")
        let again = try await cli.json(["import", "events", resaved, "--batch-size", "5"])
        #expect(again["importId"] == byDefault["importId"])
        #expect(again["imported"] == 0)
        #expect(again["alreadyImported"] == 25)
        #expect(try await cli.json(["file", CLI.cement])["file"]?["events"]?.arrayValue?.count == 50)
        // Another batch size over the same import id would split the lines differently: refused.
        let resized = try await cli.run(["import", "events", path, "--batch-size", "4", "--import-id", "inspections-2026"])
        #expect(resized.status == 1)
        #expect(resized.stderr.contains("same batch size"), "\(resized.stderr)")
    }

    /// An import refused at its first batch (resumed with another batch size) stops there: it
    /// neither reads the rest of the file nor lists the duplicates far down it as refused rows
    /// of this run (it read the whole file and listed every one).
    @Test func anImportRefusedAtItsFirstBatchDoesNotReadTheRestOfTheFile() async throws {
        let cli = CLIHarness(daemon: try await DaemonProcess())
        var rows = (0..<3_000).map { "\(DurabilityTests.uscc(30_000 + $0)),Far Duplicate Co. \($0)" }
        rows[2_900] = "\(DurabilityTests.uscc(30_000)),Far Duplicate Co. again"
        let path = try file(cli.daemon, "far.csv", "code,name\n" + rows.joined(separator: "\n") + "\n")
        let arguments = ["import", "enterprises", path, "--import-id", "far-2026"]
        let first = try await cli.json(arguments + ["--batch-size", "100", "--stop-after-batches", "2"])
        #expect(first["imported"] == 200)
        let firstList = try String(contentsOfFile: path + ".errors.csv", encoding: .utf8)
        let resized = try await cli.run(arguments + ["--batch-size", "200", "--json"])
        #expect(resized.status == 1, "\(resized.stderr)")
        let summary = try JSONValue.parse(resized.stdout)
        #expect(summary["rejected"] == 0, "\(summary)")
        #expect(summary["duplicatesInFile"] == 0, "\(summary)")
        #expect((summary["rowsRead"]?.intValue ?? .max) < 3_000, "\(summary)")
        // Refused at its first batch, it changed nothing: the first run's list is left as it was
        // (whatever a later batch, sent on the other connection, was answered meanwhile).
        let errors = try String(contentsOfFile: path + ".errors.csv", encoding: .utf8)
        #expect(errors == firstList, "\(errors)")
    }

    /// An import id the registry would refuse is refused before the file is read: no error
    /// file is written as if the import had begun.
    @Test func anImportIdTheRegistryWouldRefuseIsRefusedBeforeTheFileIsRead() async throws {
        let cli = CLIHarness(daemon: try await DaemonProcess())
        let path = try file(cli.daemon, "long-id.csv", "code,name\n\(CLI.cement),贵州黔南某某水泥有限公司\n\(CLI.cement),again\n")
        for (id, message) in [(String(repeating: "y", count: 300), "--import-id has 300 characters"), (" ", "--import-id must not be empty")] {
            let refused = try await cli.run(["import", "enterprises", path, "--import-id", id])
            #expect(refused.status == 2, "\(refused.stderr)")
            #expect(refused.stderr.contains(message), "\(refused.stderr)")
            #expect(!FileManager.default.fileExists(atPath: path + ".errors.csv"))
        }
        #expect(try await cli.json(["import", "enterprises", path, "--import-id", String(repeating: "y", count: 200)])["imported"] == 1)
    }

    /// A Chinese form spaces its headers with the ideographic space (`名　　称`): it does not
    /// matter there as an ASCII space does not (it refused the file: "has no column name").
    @Test func headersSpacedWithTheIdeographicSpaceNameTheirColumns() async throws {
        #expect(ImportKind.key("名　　称") == ImportKind.key("名称"))
        #expect(ImportKind.key("Occurred\u{00A0}On") == ImportKind.key("occurredOn"))
        let cli = CLIHarness(daemon: try await DaemonProcess())
        let path = try file(cli.daemon, "form.csv", "信用　代码,名　　称\n\(CLI.cement),贵州黔南某某水泥有限公司\n")
        let summary = try await cli.json(["import", "enterprises", path])
        #expect(summary["imported"] == 1, "\(summary)")
        let screened = try await cli.succeed(["screen", try file(cli.daemon, "book.csv", "客户,代　码\nA,\(CLI.cement)\n"), "--column", "代码"])
        #expect(screened.contains("\(CLI.cement),贵州黔南某某水泥有限公司"), "\(screened)")
    }

    /// `--output` is written into a new file of the screen's own beside it, never into a file
    /// already there (another user's, planted in a shared folder as `NAME.partial`), and the file
    /// it replaces keeps its mode: a portfolio kept private stays private on the next run.
    @Test func theOutputIsANewFileOfItsOwnAndKeepsTheModeOfTheFileItReplaces() async throws {
        let cli = CLIHarness(daemon: try await DaemonProcess())
        let book = try file(cli.daemon, "book.txt", "\(CLI.cement)\n")
        let output = cli.daemon.directory.appendingPathComponent("out.csv").path
        try Data("planted\n".utf8).write(to: URL(fileURLWithPath: output + ".partial"))
        var planted = stat()
        #expect(stat(output + ".partial", &planted) == 0)
        _ = try await cli.succeed(["screen", book, "--output", output])
        var written = stat()
        #expect(stat(output, &written) == 0)
        #expect(written.st_ino != planted.st_ino, "the output is the file found beside it")
        #expect(try String(contentsOfFile: output + ".partial", encoding: .utf8) == "planted\n", "a file not its own is left as it was")
        #expect(try String(contentsOfFile: output, encoding: .utf8).contains(CLI.cement))

        #expect(chmod(output, 0o600) == 0)
        _ = try await cli.succeed(["screen", book, "--output", output])
        #expect(stat(output, &written) == 0)
        #expect(written.st_mode & 0o777 == 0o600, "\(String(written.st_mode & 0o777, radix: 8))")
    }

    /// A reader that went away ends `screen` as it ends every command, by SIGPIPE, quietly
    /// (status 141), on standard output and on `--output /dev/stdout`: it said "cannot write
    /// standard output: broken pipe" and exited 2, the status of a bad input (audit). An output
    /// that is a directory is refused as one.
    @Test func aScreenWhoseReaderWentAwayEndsBySIGPIPE() async throws {
        let cli = CLIHarness(daemon: try await DaemonProcess())
        let book = try file(cli.daemon, "book.txt", "\(CLI.cement)\nbad\n")
        // The reader (`true`) has gone before the screen starts.
        for output in [[], ["--output", "/dev/stdout"]] {
            let script = #"{ sleep 0.5; "$0" screen "$2" --socket "$1" "${@:3}"; } | true; echo "screen ended with ${PIPESTATUS[0]}" >&2"#
            let result = try await runCommand("/bin/bash", ["-c", script, CLIHarness.executable, cli.daemon.socketPath, book] + output)
            #expect(result.stderr == "screen ended with 141\n", "\(output): \(result.stderr)")
        }
        let folder = cli.daemon.directory.appendingPathComponent("folder").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let refused = try await cli.run(["screen", book, "--output", folder])
        #expect(refused.status == 2, "\(refused)")
        #expect(refused.stderr.hasSuffix("cannot write \(folder): is a directory\n"), "\(refused.stderr)")
    }

    /// In a shared folder, another user's symbolic link or file where the results go is refused,
    /// not followed or replaced: a link planted as `out.csv` (or as an import's
    /// `FILE.errors.csv`, a name the caller never typed) had the results written over the file it
    /// named, and a planted 0666 file handed its mode and group to a bank's portfolio.
    @Test func anotherUsersLinkOrFileWhereResultsGoIsRefused() async throws {
        try SecondUser.requireRoot()
        let cli = CLIHarness(daemon: try await DaemonProcess())
        let shared = cli.daemon.directory.appendingPathComponent("shared").path
        #expect(mkdir(shared, 0o777) == 0 && chmod(shared, 0o1777) == 0)
        let victim = try file(cli.daemon, "victim.conf", "root only\n")
        let book = try file(cli.daemon, "book.txt", "\(CLI.cement)\n")
        let nobody: uid_t = 65534
        let link = shared + "/out.csv"
        #expect(symlink(victim, link) == 0 && lchown(link, nobody, nobody) == 0)
        let followed = try await cli.run(["screen", book, "--output", link])
        #expect(followed.status == 2 && followed.stderr.contains("is a symbolic link of another user (uid 65534)"), "\(followed)")
        let planted = shared + "/planted.csv"
        try Data("theirs\n".utf8).write(to: URL(fileURLWithPath: planted))
        #expect(chmod(planted, 0o666) == 0 && chown(planted, nobody, nobody) == 0)
        let replaced = try await cli.run(["screen", book, "--output", planted])
        #expect(replaced.status == 2 && replaced.stderr.contains("it belongs to another user (uid 65534); not replaced"), "\(replaced)")
        #expect(try String(contentsOfFile: planted, encoding: .utf8) == "theirs\n")

        let rows = shared + "/ent.csv"
        try Data("code,name\n91110000100000008X,bad\n".utf8).write(to: URL(fileURLWithPath: rows))
        #expect(symlink(victim, rows + ".errors.csv") == 0 && lchown(rows + ".errors.csv", nobody, nobody) == 0)
        let imported = try await cli.run(["import", "enterprises", rows])
        #expect(imported.status == 2 && imported.stderr.contains("symbolic link of another user"), "\(imported)")
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "root only\n", "the file a planted link names is untouched")
    }

    /// A NUL in a code is named in the reason and never written into a CSV output: the error
    /// file and the screening file carry U+FFFD in its place; a code that a spreadsheet would
    /// run as a formula is guarded in the error file as in screen's output.
    @Test func aControlCharacterOrAFormulaInACodeIsNotWrittenRawIntoCSVOutput() async throws {
        let cli = CLIHarness(daemon: try await DaemonProcess())
        let path = try file(cli.daemon, "nul.csv", "code,name\n\(CLI.cement)\u{0},NUL Co.\n\"=1+1\",Formula Co.\n")
        _ = try await cli.json(["import", "enterprises", path])
        let errors = try String(contentsOfFile: path + ".errors.csv", encoding: .utf8)
        #expect(!errors.contains("\u{0}"), "\(errors.debugDescription)")
        #expect(errors.contains("2,\(CLI.cement)\u{FFFD},InvalidCode,"), "\(errors)")
        #expect(errors.contains("U+0000 at position 19"), "\(errors)")
        #expect(errors.contains("3,'=1+1,"), "\(errors)")
        let screened = try await cli.succeed(["screen", try file(cli.daemon, "book.txt", "\(CLI.cement)\u{0}\n")])
        #expect(!screened.contains("\u{0}") && screened.contains("\(CLI.cement)\u{FFFD}"), "\(screened.debugDescription)")
    }

    /// A UTF-16 file (Excel's "Unicode text"), old Macintosh text and a JSON array are refused before anything is
    /// sent, saying what the file is and how to make it importable (the first was advised to
    /// try GB18030; the second imported with every line a malformed row and exit 0).
    @Test func aUTF16FileOrAJSONArrayIsRefusedSayingWhatItIs() async throws {
        let cli = CLIHarness(daemon: try await DaemonProcess())
        var utf16: [UInt8] = [0xFF, 0xFE]
        for unit in "code,name\n\(CLI.cement),水泥\n".utf16 { utf16 += [UInt8(unit & 0xFF), UInt8(unit >> 8)] }
        let unicodeText = cli.daemon.directory.appendingPathComponent("unicode.csv").path
        try Data(utf16).write(to: URL(fileURLWithPath: unicodeText))
        for command in [["import", "enterprises", unicodeText], ["screen", unicodeText]] {
            let refused = try await cli.run(command)
            #expect(refused.status == 2, "\(refused.stderr)")
            #expect(refused.stderr.contains("it is UTF-16 text") && refused.stderr.contains("iconv -f UTF-16"), "\(refused.stderr)")
        }
        // Old Macintosh text (lines ended by CR alone) read as one line, refused as a missing column.
        let macintosh = try file(cli.daemon, "mac.csv", "code,name\r\(CLI.cement),水泥\r")
        for command in [["import", "enterprises", macintosh], ["screen", macintosh]] {
            let refused = try await cli.run(command)
            #expect(refused.status == 2, "\(refused.stderr)")
            #expect(refused.stderr.contains("its lines end in a carriage return alone"), "\(refused.stderr)")
        }
        let array = try file(cli.daemon, "firms.json", "[\n  {\"code\": \"\(CLI.cement)\", \"name\": \"水泥\"}\n]\n")
        let refused = try await cli.run(["import", "enterprises", array])
        #expect(refused.status == 2, "\(refused.stderr)")
        #expect(refused.stderr.contains("is a JSON array, not JSON Lines"), "\(refused.stderr)")
        #expect(try await cli.run(["file", CLI.cement]).status != 0)
    }

    /// Standard output inherited non-blocking (a pipeline tool's, here Python's) whose reader
    /// is slow: a full pipe is waited for, and every row arrives (EAGAIN stopped the run).
    @Test func aScreenToANonBlockingPipeWaitsForItsReader() async throws {
        guard try Interop.available(), let python = Interop.python else { return }
        let cli = CLIHarness(daemon: try await DaemonProcess())
        let codes = (0..<20_000).map { USCC.madeUp(serial: 21_000_000 + $0) }
        let portfolio = try file(cli.daemon, "book.txt", codes.joined(separator: "\n") + "\n")
        let script = """
            import fcntl, os, subprocess, sys, time
            r, w = os.pipe()
            fcntl.fcntl(w, fcntl.F_SETFL, fcntl.fcntl(w, fcntl.F_GETFL) | os.O_NONBLOCK)
            child = subprocess.Popen(sys.argv[1:], stdout=w, stderr=subprocess.DEVNULL)
            os.close(w)
            time.sleep(2)
            data = b""
            while chunk := os.read(r, 65536): data += chunk
            print(child.wait(), data.count(b"\\n"))
            """
        let result = try await runCommand(
            python, ["-c", script, DaemonProcess.product("qcredit"), "screen", portfolio, "--socket", cli.daemon.socketPath])
        #expect(result.stdout == "0 20001\n", "\(result.stdout)\(result.stderr)")
    }

    @Test func aFileWithoutARequiredColumnIsRefusedBeforeAnythingIsSent() async throws {
        let cli = CLIHarness(daemon: try await DaemonProcess())
        let path = try file(cli.daemon, "no-name.csv", "code,division\n\(CLI.cement),522700\n")
        let result = try await CLIHarness.run(["import", "enterprises", path, "--socket", "/nonexistent/qcreditd.sock"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("has no column name"), "\(result.stderr)")
    }

    /// An import that never reaches the registry changes no file (the error file of the last run
    /// stays), and one refused for the caller's role is not offered as resumable.
    @Test func anImportThatCannotStartLeavesTheErrorFileAndSaysWhy() async throws {
        let bankOnly = "socketMode = \"0666\"\n[roles]\nbank = [\"uid:\(getuid())\"]\n"
        let cli = CLIHarness(daemon: try await DaemonProcess(config: bankOnly))
        let path = try file(cli.daemon, "firms.csv", "code,name\n\(CLI.cement),\"stray\n\(CLI.materials),贵州\n")
        let errors = path + ".errors.csv"
        try "line,code,error,reason\n9,X,Kept,from the last run\n".write(toFile: errors, atomically: true, encoding: .utf8)
        let unreachable = try await CLIHarness.run(["import", "enterprises", path, "--socket", "/nonexistent/qcreditd.sock"])
        #expect(unreachable.status == 3, "\(unreachable.stderr)")
        #expect(try String(contentsOfFile: errors, encoding: .utf8).contains("from the last run"))

        let denied = try await cli.run(["import", "enterprises", path])
        #expect(denied.status == 1, "\(denied.stderr)")
        #expect(denied.stderr.contains("PermissionDenied") && !denied.stderr.contains("resume"), "\(denied.stderr)")
    }

    /// A registry that takes messages of at most 200,000 bytes from a regulator (this user).
    static let smallMessageLimitConfig = """
        [limits]
        maxMessageBytes = 200000
        maxMessageBytesReadOnly = 100000
        [roles]
        regulator = ["uid:\(getuid())"]
        """

    /// A registry whose message limit is below the default closes the connection on a batch over
    /// it, with no reply: the import says what to do, and smaller batches go through.
    @Test func aRegistryWithASmallerMessageLimitGetsSmallerBatches() async throws {
        let cli = CLIHarness(daemon: try await DaemonProcess(config: Self.smallMessageLimitConfig))
        let rows = (0..<3_000).map { "\(DurabilityTests.uscc($0)),某某建材有限公司第\($0)号\n" }.joined()
        let path = try file(cli.daemon, "firms.csv", "code,name\n" + rows)
        let tooLarge = try await cli.run(["import", "enterprises", path])
        #expect(tooLarge.status == 3, "\(tooLarge.stderr)")
        #expect(tooLarge.stderr.contains("import with a smaller --batch-size under a new --import-id"), "\(tooLarge.stderr)")
        let smaller = try await cli.json(["import", "enterprises", path, "--batch-size", "1000", "--import-id", "firms-small"])
        #expect(smaller["imported"] == 3_000)
    }

    /// A batch that fails on one connection does not hide the batches the registry applied on
    /// the other: their replies are still taken, and the summary counts them (it counted only the
    /// batches answered before the failure). Batch 2 of 4 is over the registry's message limit;
    /// batch 3, sent on the other connection, is applied.
    @Test func aStoppedImportCountsTheBatchesAppliedOnTheOtherConnection() async throws {
        let cli = CLIHarness(daemon: try await DaemonProcess(config: Self.smallMessageLimitConfig))
        let longName = String(repeating: "某", count: 90)
        let rows = (0..<4_000).map { n in
            "\(DurabilityTests.uscc(n)),\((1_000..<2_000).contains(n) ? longName : "短名建材公司")\(n)\n"
        }.joined()
        let path = try file(cli.daemon, "firms.csv", "code,name\n" + rows)
        let stopped = try await cli.run(["import", "enterprises", path, "--batch-size", "1000", "--json"])
        #expect(stopped.status == 3, "\(stopped.stderr)")
        let summary = try JSONValue.parse(stopped.stdout)
        #expect(summary["complete"] == false, "\(summary)")
        var held = 0
        for n in [0, 1_000, 2_000, 3_000] {
            if (try? await cli.daemon.call("org.qcredit.query.GetFile", ["code": .string(DurabilityTests.uscc(n))])) != nil { held += 1_000 }
        }
        #expect(held == 2_000, "batches 1 and 3 are applied, 2 and 4 refused")
        #expect(summary["imported"] == .int(Int64(held)), "\(summary)")
    }

    /// Each JSON Lines object is read by its own member names: one row's spelling (`Code`,
    /// `uscc`, `occurred_on`) never changes how the next row is read.
    @Test func eachJSONLinesRowIsReadByItsOwnMemberNames() async throws {
        let cli = CLIHarness(daemon: try await DaemonProcess())
        let rows = [
            #"{"code":"\#(CLI.cement)","name":"贵州黔南某某水泥有限公司"}"#,
            #"{"uscc":"\#(CLI.materials)","Name":"贵阳某某建材有限公司"}"#,
            #"{"Code":"121200004013590816","企业名称":"Quote Co."}"#,
        ]
        let path = try file(cli.daemon, "mixed.jsonl", rows.joined(separator: "\n") + "\n")
        let summary = try await cli.json(["import", "enterprises", path])
        #expect(summary["imported"] == 3, "\(summary)")
        #expect(summary["rejected"] == 0)
        #expect(try await cli.json(["file", "121200004013590816"])["file"]?["enterprise"]?["name"] == "Quote Co.")
    }

    /// JSON Lines values are text: an array, an object or a fraction is a malformed row, not
    /// text stored for good; so is an object whose members name one column twice.
    @Test func aJSONLinesRowWithAValueThatIsNotTextOrAColumnTwiceIsMalformed() async throws {
        let cli = CLIHarness(daemon: try await DaemonProcess())
        let rows = [
            #"{"code":"\#(CLI.cement)","name":["贵州黔南某某水泥有限公司"]}"#,
            #"{"code":"\#(CLI.materials)","name":{"zh":"贵阳某某建材有限公司"}}"#,
            #"{"code":"121200004013590816","Code":"91350100M000100Y43","name":"Twice Co."}"#,
            #"{"code":"91350100M000100Y43","name":"Fraction Co.","divisionCode":350100.5}"#,
            #"{"code":"91350100M000100Y43","name":"Number Co.","divisionCode":350100.0}"#,
            #"{"code":911101083617795820.0,"name":"Big Number Co."}"#,
            #"{"code":"91350100M000100Y43","name":"Huge Co.","divisionCode":18446744073709551615}"#,
        ]
        let path = try file(cli.daemon, "typed.jsonl", rows.joined(separator: "\n") + "\n")
        let summary = try await cli.json(["import", "enterprises", path])
        #expect(summary["imported"] == 1, "\(summary)")
        #expect(summary["rejected"] == 6)
        let errors = try String(contentsOfFile: path + ".errors.csv", encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(errors.count == 7, "\(errors)")
        #expect(errors[1].hasPrefix("1,\(CLI.cement),MalformedRow,") && errors[1].contains("\"\"name\"\" is an array"), "\(errors)")
        #expect(errors[2].hasPrefix("2,\(CLI.materials),MalformedRow,") && errors[2].contains("is an object"), "\(errors)")
        #expect(errors[3].hasPrefix("3,") && errors[3].contains("name one column"), "\(errors)")
        #expect(errors[4].hasPrefix("4,") && errors[4].contains("not an integer"), "\(errors)")
        // An integer code written with ".0" past 2^53 is not exact: the reason says so (it said "not an integer").
        #expect(errors[5].hasPrefix("6,") && errors[5].contains("too large to be read exactly"), "\(errors)")
        // A plain integer past 64 bits: the reason names that bound (it named only 2^53).
        #expect(errors[6].hasPrefix("7,") && errors[6].contains("an integer beyond 2^63 - 1"), "\(errors)")
        #expect(try await cli.run(["file", CLI.cement]).status != 0)
        #expect(try await cli.json(["file", "91350100M000100Y43"])["file"]?["enterprise"]?["name"] == "Number Co.")
    }

    /// One row pasted from a GB18030 spreadsheet into a UTF-8 file is reported with its line and
    /// byte, and the other rows are imported (a screen of it is refused, naming the line); a
    /// file that is GB18030 from its first line is refused as a whole, with the way to convert it.
    @Test func aRowThatIsNotUTF8IsRejectedAndAFileThatIsNotIsRefused() async throws {
        let cli = CLIHarness(daemon: try await DaemonProcess())
        // "公司" in GB18030.
        let gbName: [UInt8] = [0xB9, 0xAB, 0xCB, 0xBE]
        let path = cli.daemon.directory.appendingPathComponent("mixed.csv").path
        var bytes = Array("code,name\n\(CLI.cement),".utf8) + gbName + Array("\n\(CLI.materials),贵阳某某建材有限公司\n".utf8)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let summary = try await cli.json(["import", "enterprises", path])
        #expect(summary["imported"] == 1, "\(summary)")
        #expect(summary["rejected"] == 1, "\(summary)")
        let errors = try String(contentsOfFile: path + ".errors.csv", encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(errors.count == 2, "\(errors)")
        #expect(errors[1].hasPrefix("2,\(CLI.cement),MalformedRow,"), "\(errors)")
        #expect(errors[1].contains("not UTF-8 text (byte 20 of the line)"), "\(errors)")
        #expect(try await cli.json(["file", CLI.materials])["file"]?["enterprise"]?["name"] == "贵阳某某建材有限公司")
        // A portfolio is answered whole or not at all: the same file refuses a screen, naming the line.
        let screened = try await cli.run(["screen", path])
        #expect(screened.status == 2, "\(screened.stderr)")
        #expect(screened.stderr.contains("line 2 is not UTF-8 text (byte 20 of the line)"), "\(screened.stderr)")
        #expect(screened.stdout.isEmpty)

        // JSON Lines the same way.
        let jsonl = cli.daemon.directory.appendingPathComponent("mixed.jsonl").path
        bytes = Array(#"{"code":"121200004013590816","name":""#.utf8) + gbName + Array("\"}\n".utf8)
        bytes = Array(#"{"code":"91350100M000100Y43","name":"UTF Co."}"#.utf8) + [0x0A] + bytes
        try Data(bytes).write(to: URL(fileURLWithPath: jsonl))
        let second = try await cli.json(["import", "enterprises", jsonl])
        #expect(second["imported"] == 1, "\(second)")
        #expect(second["rejected"] == 1, "\(second)")

        // A whole file in GB18030 (its header already is not UTF-8): nothing is sent.
        let wholeGB = cli.daemon.directory.appendingPathComponent("gb.csv").path
        try Data(gbName + Array(",code\n".utf8) + gbName + Array(",121200004013590816\n".utf8)).write(to: URL(fileURLWithPath: wholeGB))
        let refused = try await cli.run(["import", "enterprises", wholeGB])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("line 1 is not UTF-8 text (byte 1 of the line)"), "\(refused.stderr)")
        #expect(refused.stderr.contains("read it with --encoding gb18030"), "\(refused.stderr)")
    }

    /// A CSV file as a spreadsheet on a Chinese system saves it (GB18030, CRLF, a Chinese
    /// header) is read with `--encoding gb18030` (or its name `gbk`): names come through as
    /// text, a four-byte GB18030 character included, and so does a portfolio to screen. A byte
    /// that is not GB18030 is refused with its line and place before anything is sent.
    @Test func aGB18030FileIsReadWithItsEncodingNamed() async throws {
        let cli = CLIHarness(daemon: try await DaemonProcess())
        func gb(_ text: String) -> [UInt8] {
            // GB18030 of the few characters used here (python3: text.encode("gb18030")).
            let table: [Character: [UInt8]] = [
                "统": [0xCD, 0xB3], "一": [0xD2, 0xBB], "社": [0xC9, 0xE7], "会": [0xBB, 0xE1], "信": [0xD0, 0xC5],
                "用": [0xD3, 0xC3], "代": [0xB4, 0xFA], "码": [0xC2, 0xEB], "企": [0xC6, 0xF3], "业": [0xD2, 0xB5],
                "名": [0xC3, 0xFB], "称": [0xB3, 0xC6], "贵": [0xB9, 0xF3], "州": [0xD6, 0xDD], "黔": [0xC7, 0xAD],
                "南": [0xC4, 0xCF], "水": [0xCB, 0xAE], "泥": [0xC4, 0xE0], "有": [0xD3, 0xD0], "限": [0xCF, 0xDE],
                "公": [0xB9, 0xAB], "司": [0xCB, 0xBE], "𠀀": [0x95, 0x32, 0x82, 0x36],
            ]
            return text.flatMap { table[$0] ?? Array(String($0).utf8) }
        }
        let path = cli.daemon.directory.appendingPathComponent("market-gbk.csv").path
        try Data(gb("统一社会信用代码,企业名称\r\n\(CLI.cement),贵州黔南水泥有限公司\r\n\(CLI.materials),𠀀水泥有限公司\r\n"))
            .write(to: URL(fileURLWithPath: path))
        let refused = try await cli.run(["import", "enterprises", path])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("--encoding gb18030"), "\(refused.stderr)")
        let summary = try await cli.json(["import", "enterprises", path, "--encoding", "gbk"])
        #expect(summary["imported"] == 2, "\(summary)")
        #expect(summary["rejected"] == 0, "\(summary)")
        #expect(try await cli.json(["file", CLI.cement])["file"]?["enterprise"]?["name"] == "贵州黔南水泥有限公司")
        #expect(try await cli.json(["file", CLI.materials])["file"]?["enterprise"]?["name"] == "𠀀水泥有限公司")

        let screened = try await cli.succeed(["screen", path, "--encoding", "gb18030"]).split(separator: "\n").map(String.init)
        #expect(screened.count == 3, "\(screened)")
        #expect(screened[1].hasPrefix("2,\(CLI.cement),贵州黔南水泥有限公司,"), "\(screened)")

        // 0x80 alone is no GB18030 character: named by line and byte, nothing sent.
        let broken = cli.daemon.directory.appendingPathComponent("broken-gbk.csv").path
        try Data(gb("code,name\n\(CLI.wrongCheck),贵州") + [0x80] + gb("公司\n")).write(to: URL(fileURLWithPath: broken))
        let bad = try await cli.run(["import", "enterprises", broken, "--encoding", "gb18030"])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("line 2 is not GB18030 text (byte 24 of the line)"), "\(bad.stderr)")
        #expect(try await cli.run(["file", CLI.wrongCheck]).status != 0)

        // A UTF-8 file named GB18030 by mistake would convert into other characters: refused.
        let utf8 = try file(cli.daemon, "utf8.csv", "code,name\n\(CLI.wrongCheck),贵州某某有限公司\n")
        let mistaken = try await cli.run(["import", "enterprises", utf8, "--encoding", "gb18030"])
        #expect(mistaken.status != 0)
        #expect(mistaken.stderr.contains("it is UTF-8 text; read it without --encoding"), "\(mistaken.stderr)")
    }

    /// A quote in the middle of a quoted CSV field (`"bad"quote"`) is a malformed row, not a
    /// name with the quote dropped.
    @Test func aCSVFieldWithTextAfterItsClosingQuoteIsMalformed() async throws {
        let cli = CLIHarness(daemon: try await DaemonProcess())
        let path = try file(
            cli.daemon, "quotes.csv", "code,name\n\(CLI.cement),\"bad\"quote\"\n\(CLI.materials), \"padded\" \n")
        let summary = try await cli.json(["import", "enterprises", path])
        #expect(summary["imported"] == 1, "\(summary)")
        let errors = try String(contentsOfFile: path + ".errors.csv", encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(errors.count == 2, "\(errors)")
        #expect(errors[1].hasPrefix("2,\(CLI.cement),MalformedRow,\"field 2 has text after its closing quote"), "\(errors)")
        #expect(try await cli.json(["file", CLI.materials])["file"]?["enterprise"]?["name"] == "padded")

        // The code in a column after the bad field is still named in the report.
        let later = try file(cli.daemon, "later.csv", "name,code\n\"bad\"quote\",\(CLI.cement)\n")
        let laterSummary = try await cli.json(["import", "enterprises", later])
        #expect(laterSummary["rejected"] == 1, "\(laterSummary)")
        let laterErrors = try String(contentsOfFile: later + ".errors.csv", encoding: .utf8)
        #expect(laterErrors.contains("2,\(CLI.cement),MalformedRow,\"field 1 has text after its closing quote"), "\(laterErrors)")
    }

    /// `--errors` naming the file being imported (or `screen --output` the portfolio) would
    /// overwrite it: refused, and the file is left as it was.
    @Test func anErrorFileOrOutputThatIsTheInputIsRefused() async throws {
        let cli = CLIHarness(daemon: try await DaemonProcess())
        let text = "code,name\n\(CLI.cement),贵州黔南某某水泥有限公司\n"
        let path = try file(cli.daemon, "self.csv", text)
        let refused = try await cli.run(["import", "enterprises", path, "--errors", path])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("is the file being imported"), "\(refused.stderr)")
        let screened = try await cli.run(["screen", path, "--output", cli.daemon.directory.appendingPathComponent("./self.csv").path])
        #expect(screened.status == 2)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == text)
        #expect(try await cli.run(["file", CLI.cement]).status != 0, "nothing was imported")
    }

    /// An import id names one file: another file's rows under an applied batch's id and lines
    /// are refused, not counted as already imported.
    @Test func anImportIdReusedForAnotherFileIsRefusedNotSkipped() async throws {
        let cli = CLIHarness(daemon: try await DaemonProcess())
        let first = try file(cli.daemon, "a.csv", "code,name\n\(CLI.cement),贵州黔南某某水泥有限公司\n")
        let second = try file(cli.daemon, "b.csv", "code,name\n\(CLI.materials),贵阳某某建材有限公司\n")
        #expect(try await cli.json(["import", "enterprises", first, "--import-id", "monthly"])["imported"] == 1)
        // The last run's list, which an import refused before any of it was imported leaves as it was.
        let lastRun = "line,code,error,reason\n7,91000000000000000X,InvalidCode,planted by the test\n"
        try lastRun.write(toFile: second + ".errors.csv", atomically: true, encoding: .utf8)
        let refused = try await cli.run(["import", "enterprises", second, "--import-id", "monthly"])
        #expect(refused.status == 1, "\(refused.stdout)")
        #expect(refused.stderr.contains("were applied before with other rows"), "\(refused.stderr)")
        #expect(
            refused.stderr.contains("the registry refused the import before any row of it was imported; \(second).errors.csv is left as it was"),
            "\(refused.stderr)")
        #expect(try String(contentsOfFile: second + ".errors.csv", encoding: .utf8) == lastRun)
        // With --json, stdout still holds the summary: nothing imported, not complete, and why.
        let refusedJSON = try await cli.run(["import", "enterprises", second, "--import-id", "monthly", "--json"])
        #expect(refusedJSON.status == 1)
        let partial = try JSONValue.parse(refusedJSON.stdout)
        #expect(partial["complete"] == false && partial["imported"] == 0 && partial["rowsRead"] == 1, "\(partial)")
        #expect(partial["stoppedBy"]?.stringValue?.contains("were applied before with other rows") == true, "\(partial)")
        #expect(partial["errorFile"] == .null, "this run wrote no list: \(partial)")
        #expect(try await cli.json(["import", "enterprises", first, "--import-id", "monthly"])["alreadyImported"] == 1)
        #expect(try await cli.json(["import", "enterprises", second])["imported"] == 1)

        // Its first batch changed, its second not: the second may be answered (already imported)
        // on the other connection before the first's refusal comes; the run imported nothing,
        // and the last list stays whole (it was replaced by a part of one).
        let unregistered = USCC.madeUp(serial: 74_000_000), kept = USCC.madeUp(serial: 74_000_001)
        let two = try file(cli.daemon, "two.csv", "code,name\n\(unregistered),甲公司\n\(kept),乙公司\n")
        #expect(try await cli.json(["import", "enterprises", two, "--import-id", "two", "--batch-size", "1"])["imported"] == 2)
        let edited = try file(cli.daemon, "two-edited.csv", "code,name\n\(USCC.madeUp(serial: 74_000_002)),丙公司\n\(kept),乙公司\n")
        try lastRun.write(toFile: edited + ".errors.csv", atomically: true, encoding: .utf8)
        let changed = try await cli.run(["import", "enterprises", edited, "--import-id", "two", "--batch-size", "1"])
        #expect(changed.status == 1, "\(changed)")
        #expect(try String(contentsOfFile: edited + ".errors.csv", encoding: .utf8) == lastRun)
    }

    /// A header naming a column twice, or an error file that cannot be written, is refused
    /// before any row is sent.
    @Test func anAmbiguousHeaderOrAnUnwritableErrorFileIsRefusedBeforeAnythingIsSent() async throws {
        let cli = CLIHarness(daemon: try await DaemonProcess())
        let twice = try file(cli.daemon, "twice.csv", "code,name,Code\n\(CLI.cement),贵州黔南某某水泥有限公司,\(CLI.materials)\n")
        let ambiguous = try await cli.run(["import", "enterprises", twice])
        #expect(ambiguous.status == 2)
        #expect(ambiguous.stderr.contains("names one column twice"), "\(ambiguous.stderr)")
        let good = try file(cli.daemon, "good.csv", "code,name,,\n\(CLI.cement),贵州黔南某某水泥有限公司,,\n")
        let unwritable = try await cli.run(["import", "enterprises", good, "--errors", "/nonexistent/dir/errors.csv"])
        #expect(unwritable.status == 2)
        #expect(unwritable.stderr.contains("cannot write the error file"), "\(unwritable.stderr)")
        // A directory passes access(2) yet cannot be written as a file (it was found only at the end).
        let directory = cli.daemon.directory.path
        let aDirectory = try await cli.run(["import", "enterprises", good, "--errors", directory])
        #expect(aDirectory.status == 2, "\(aDirectory.stdout)\(aDirectory.stderr)")
        #expect(aDirectory.stderr.contains("cannot write the error file \(directory): is a directory"), "\(aDirectory.stderr)")
        #expect(try await cli.run(["file", CLI.cement]).status != 0, "nothing was imported")
        #expect(try await cli.json(["import", "enterprises", good])["imported"] == 1, "repeated empty columns are fine")
    }

    /// `--errors` naming a device, a FIFO or a symbolic link writes through it: the device and
    /// the FIFO stay what they are (run as root, `--errors /dev/null` once replaced the system's
    /// /dev/null with a file), and the link's file gets the errors.
    @Test func anErrorFileThatIsADeviceAFIFOOrALinkIsWrittenThroughIt() async throws {
        let cli = CLIHarness(daemon: try await DaemonProcess())
        let rows = try file(cli.daemon, "one-bad.csv", "code,name\nabc-def,x\n")
        func kind(_ path: String) throws -> mode_t {
            var status = stat()
            #expect(lstat(path, &status) == 0)
            return status.st_mode & S_IFMT
        }
        // A device of our own (1, 3 is /dev/null's), so that a regression cannot replace the
        // system's; a user who may not make one (not root) may not replace /dev/null either.
        var device = cli.daemon.directory.appendingPathComponent("null").path
        if mknod(device, S_IFCHR | 0o666, dev_t(1 << 8 | 3)) != 0 { device = "/dev/null" }
        let toDevice = try await cli.run(["import", "enterprises", rows, "--errors", device])
        #expect(toDevice.status == 0, "\(toDevice.stderr)")
        #expect(try kind(device) == S_IFCHR)

        let fifo = cli.daemon.directory.appendingPathComponent("errors.fifo").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let reader = Task { try await runCommand("/bin/cat", [fifo]) }
        let toFIFO = try await cli.run(["import", "enterprises", rows, "--errors", fifo])
        #expect(toFIFO.status == 0, "\(toFIFO.stderr)")
        let read = try await reader.value
        #expect(try kind(fifo) == S_IFIFO)
        // The header once (nothing written at the start), then the row.
        #expect(read.stdout.hasPrefix("line,code,error,reason\n2,abc-def,InvalidCode,") && read.stdout.split(separator: "\n").count == 2, "\(read.stdout)")

        let target = cli.daemon.directory.appendingPathComponent("kept-errors.csv").path
        let link = cli.daemon.directory.appendingPathComponent("errors-link.csv").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        let toLink = try await cli.run(["import", "enterprises", rows, "--errors", link])
        #expect(toLink.status == 0, "\(toLink.stderr)")
        #expect(try kind(link) == S_IFLNK)
        // The invalid code as the file gave it, not its normal form: its cell can be found.
        #expect(try String(contentsOfFile: target, encoding: .utf8).hasPrefix("line,code,error,reason\n2,abc-def,InvalidCode,"))
    }

    /// A JSON Lines object of empty members only is skipped, as a CSV row of empty fields is.
    @Test func aJSONLinesObjectOfEmptyMembersIsSkippedAsAnEmptyCSVRowIs() async throws {
        let cli = CLIHarness(daemon: try await DaemonProcess())
        let rows = ["{}", #"{"code":"","name":" "}"#, #"{"code":null,"name":null}"#, #"{"code":"\#(CLI.cement)","name":"贵州黔南某某水泥有限公司"}"#]
        let path = try file(cli.daemon, "empties.jsonl", rows.joined(separator: "\n") + "\n")
        let summary = try await cli.json(["import", "enterprises", path])
        #expect(summary["rowsRead"] == 1, "\(summary)")
        #expect(summary["imported"] == 1 && summary["rejected"] == 0, "\(summary)")
    }

    /// A spreadsheet writes `Product` or `HIGH`; the enumerations are read in any case (full
    /// width too), and invisible characters at a value's edge (a BOM left by joined files, a
    /// zero-width space from a web page) are trimmed like spaces.
    @Test func enumeratedFieldsInAnyCaseAndInvisibleEdgesAreRead() async throws {
        let cli = CLIHarness(daemon: try await DaemonProcess())
        let enterprises = try file(cli.daemon, "firms.csv", "code,name\n\(CLI.cement),\u{FEFF}贵州黔南某某水泥有限公司\u{200B}\n")
        #expect(try await cli.json(["import", "enterprises", enterprises])["imported"] == 1)
        #expect(try await cli.json(["file", CLI.cement])["file"]?["enterprise"]?["name"] == "贵州黔南某某水泥有限公司")
        let events = try file(
            cli.daemon, "events.csv",
            "code,dimension,kind,severity,occurredOn,authority,documentNumber,summary\n"
                + "\(CLI.cement),Product,Spot-Check-Passed,LOW,\(CLI.date(daysAgo: 3)),黔南州市场监督管理局,黔南市监抽〔2026〕1号,抽检合格\n"
                + "\(CLI.cement),ＰＲＯＤＵＣＴ,penalty,Ｈｉｇｈ,\(CLI.date(daysAgo: 2)),黔南州市场监督管理局,黔南市监罚〔2026〕2号,罚款\n")
        let summary = try await cli.json(["import", "events", events])
        #expect(summary["imported"] == 2 && summary["rejected"] == 0, "\(summary)")
        let recorded = try await cli.json(["file", CLI.cement])["file"]?["events"]?.arrayValue ?? []
        #expect(Set(recorded.compactMap { $0["severity"]?.stringValue }) == ["low", "high"])
        #expect(Set(recorded.compactMap { $0["kind"]?.stringValue }) == ["spot-check-passed", "penalty"])
    }

    @Test func anImportIdIsForOneKindOfRows() async throws {
        let cli = CLIHarness(daemon: try await DaemonProcess())
        let enterprises = try file(cli.daemon, "one.csv", "code,name\n\(CLI.cement),贵州黔南某某水泥有限公司\n")
        try await cli.succeed(["import", "enterprises", enterprises, "--import-id", "batch-7"])
        let events = try file(
            cli.daemon, "events.csv",
            "code,dimension,kind,severity,occurredOn,authority,documentNumber,summary\n"
                + "\(CLI.cement),product,spot-check-passed,low,\(CLI.date(daysAgo: 3)),黔南州市场监督管理局,黔南市监抽〔2026〕1号,抽检合格\n")
        let refused = try await cli.run(["import", "events", events, "--import-id", "batch-7"])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("use another import id"), "\(refused.stderr)")
        #expect(try await cli.json(["import", "events", events, "--import-id", "batch-8"])["imported"] == 1)
    }

    /// The import killed (SIGKILL) part way, then run again: every row exactly once.
    @Test func anImportKilledPartWayAndRunAgainImportsEveryRowOnce() async throws {
        let cli = CLIHarness(daemon: try await DaemonProcess())
        // Enough one-row batches (each a durable transaction) that the first run is still going
        // when the test sees its first rows and kills it.
        let count = 10_000
        var csv = "code,name\n"
        for n in 0..<count { csv += "\(USCC.madeUp(serial: 70_000_000 + n)),中断测试企业\(n)号有限公司\n" }
        let path = try file(cli.daemon, "interrupted.csv", csv)
        // The import and the watch that kills it once some rows are in run in one shell, apart
        // from this test process: a full parallel test run can leave the test's own tasks
        // unscheduled for as long as the whole import takes.
        let database = (cli.daemon.stateDirectory as NSString).appendingPathComponent("registry.sqlite")
        let script = """
            '\(CLIHarness.executable)' import enterprises '\(path)' --batch-size 1 --socket '\(cli.daemon.socketPath)' \
                >/dev/null 2>&1 &
            importer=$!
            until [ "$(/usr/bin/sqlite3 '\(database)' 'SELECT count(*) FROM enterprise' 2>/dev/null || echo 0)" -gt 0 ] 2>/dev/null; do
                sleep 0.005
            done
            kill -9 $importer
            wait $importer
            exit 0
            """
        let killed = try await runCommand("/bin/sh", ["-c", script])
        #expect(killed.status == 0, "\(killed.stderr)")
        let resumed = try await cli.json(["import", "enterprises", path, "--batch-size", "1"])
        let before = try #require(resumed["alreadyImported"]?.intValue)
        #expect(before > 0)
        #expect(before < count, "the first run finished before it was killed")
        #expect(resumed["imported"]?.intValue == Int64(count) - before)
        #expect(resumed["rejected"] == 0)
        #expect(try await cli.daemon.call("org.qcredit.operator.GetStatus")["enterprises"]?.intValue == Int64(count))
    }

    /// Ctrl-C (or SIGTERM) part way: the batches in flight are answered, the rows refused so far
    /// are in the error file, the summary says where it stopped, and the process ends by the
    /// signal; run again, it imports the rest.
    @Test(arguments: ["INT", "TERM"])
    func anImportInterruptedBySignalReportsWhatItDidAndResumes(_ signal: String) async throws {
        let cli = CLIHarness(daemon: try await DaemonProcess())
        let count = 3_000
        var csv = "code,name\n\(USCC.madeUp(serial: 71_000_000)),中断测试企业\n"  // line 3 repeats it: refused at once
        for n in 0..<count { csv += "\(USCC.madeUp(serial: 71_000_000 + n)),中断测试企业\(n)号有限公司\n" }
        let path = try file(cli.daemon, "interrupted-\(signal).csv", csv)
        let database = (cli.daemon.stateDirectory as NSString).appendingPathComponent("registry.sqlite")
        let output = path + ".out"
        // Started by Python, which leaves SIGINT at its default in the child (a shell's background
        // job would start with it ignored) and tells a death by signal (a negative status) from
        // an exit with status 130: a calling script must see that the user pressed Ctrl-C.
        let script = """
            import signal, sqlite3, subprocess, sys, time
            qcredit, path, socket, database, output, name = sys.argv[1:]
            with open(output, "w") as out:
                child = subprocess.Popen([qcredit, "import", "enterprises", path, "--batch-size", "1", "--socket", socket],
                                         stdout=out, stderr=out)
                def imported():
                    try:
                        with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
                            return db.execute("SELECT count(*) FROM enterprise").fetchone()[0]
                    except sqlite3.Error:
                        return 0
                while imported() <= 1:
                    time.sleep(0.005)
                child.send_signal(getattr(signal, "SIG" + name))
                print("exit", child.wait())
            """
        let interrupted = try await runCommand(
            "/usr/bin/python3", ["-c", script, CLIHarness.executable, path, cli.daemon.socketPath, database, output, signal])
        #expect(interrupted.stdout == "exit \(signal == "INT" ? -2 : -15)\n", "\(interrupted.stdout)\(interrupted.stderr)")
        let report = try String(contentsOfFile: output, encoding: .utf8)
        #expect(report.contains("batches (SIG\(signal)); run the same command again to resume."), "\(report)")
        // The last progress line says it stopped, not that it reached 100 % of the rows it read.
        let lastProgress = report.split(separator: "\n").last { $0.hasPrefix("progress: ") }
        #expect(lastProgress.map { !$0.hasPrefix("progress: 100%") && $0.hasSuffix("stopped") } == true, "\(report)")
        // It ends without reading the rest of the file: the rows read are those it got to.
        let rowsRead = try #require(report.split(separator: "\n").first { $0.contains("Rows read") }?.split(separator: " ").last.flatMap { Int($0) })
        #expect(rowsRead < count, "\(report)")
        let errors = try String(contentsOfFile: path + ".errors.csv", encoding: .utf8)
        #expect(errors.contains("\n3,\(USCC.madeUp(serial: 71_000_000)),DuplicateInFile,"), "\(errors)")
        let resumed = try await cli.json(["import", "enterprises", path, "--batch-size", "1"])
        let before = try #require(resumed["alreadyImported"]?.intValue)
        #expect(before > 0 && before < Int64(count), "\(resumed)")
        #expect(resumed["imported"]?.intValue == Int64(count) - before)
        #expect(try await cli.daemon.call("org.qcredit.operator.GetStatus")["enterprises"]?.intValue == Int64(count))
    }

    /// While the registry does not answer (stopped here with SIGSTOP), an import whose stderr
    /// is not a terminal still prints a progress line every five seconds (it printed none until
    /// a batch was answered), and the last run's error file stays as it was until the run ends:
    /// killed part way, the run leaves it untouched (it was emptied at the start).
    @Test func aStalledImportShowsProgressAndKeepsTheLastErrorFileUntilItEnds() async throws {
        let daemon = try await DaemonProcess()
        var csv = "code,name\n"
        for n in 0..<20_000 { csv += "\(USCC.madeUp(serial: 73_000_000 + n)),停顿测试企业\(n)号有限公司\n" }
        let path = try file(daemon, "stalled.csv", csv)
        let lastList = "line,code,error,reason\n7,x,MalformedRow,from the last run\n"
        try lastList.write(toFile: path + ".errors.csv", atomically: true, encoding: .utf8)
        let pid = try #require(daemon.daemonPID)
        kill(pid, SIGSTOP)
        let output = path + ".stderr"
        let importer = try ChildProcess(
            CLIHarness.executable, ["import", "enterprises", path, "--socket", daemon.socketPath], standardOutput: .file(output))
        var printed = ""
        let deadline = ContinuousClock.now + .seconds(60)
        while !printed.contains("progress: "), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
            printed = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        }
        #expect(printed.hasPrefix("progress: 0%  0/20000 rows  0 rows/s  ETA unknown\n"), "\(printed)")
        #expect(try String(contentsOfFile: path + ".errors.csv", encoding: .utf8) == lastList)
        importer.signal(SIGKILL)
        #expect(try await importer.waitForExit() == 128 + SIGKILL)
        #expect(try String(contentsOfFile: path + ".errors.csv", encoding: .utf8) == lastList)
        kill(pid, SIGCONT)
        #expect(await daemon.stop() == 0)
    }

    /// A daemon killed under an import: the import stops with status 3 and says the daemon is
    /// gone and how to resume, not that a message may have been too large for it.
    @Test func anImportWhoseDaemonGoesAwaySaysSo() async throws {
        let daemon = try await DaemonProcess()
        var csv = "code,name\n"
        for n in 0..<20_000 { csv += "\(USCC.madeUp(serial: 74_000_000 + n)),消失测试企业\(n)号有限公司\n" }
        let path = try file(daemon, "gone.csv", csv)
        let output = path + ".stderr"
        let importer = try ChildProcess(
            CLIHarness.executable, ["import", "enterprises", path, "--batch-size", "10", "--socket", daemon.socketPath],
            standardOutput: .file(output + ".out"), standardError: .file(output))
        let deadline = ContinuousClock.now + .seconds(60)
        while try await daemon.call("org.qcredit.operator.GetStatus")["enterprises"]?.intValue ?? 0 < 50, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        await daemon.kill(SIGKILL)
        #expect(try await importer.waitForExit() == 3)
        let printed = try String(contentsOfFile: output, encoding: .utf8)
        #expect(printed.contains("qcreditd is no longer listening"), "\(printed)")
        #expect(!printed.contains("message was too large"), "\(printed)")
    }

    /// A screen stopped by SIGTERM or SIGHUP (a closed terminal) leaves no half-written file
    /// beside its output, and ends by the signal.
    @Test(arguments: [("TERM", 143), ("HUP", 129), ("INT", 130)]) func aScreenStoppedBySignalLeavesNothingBesideItsOutput(_ signal: String, _ status: Int) async throws {
        let cli = CLIHarness(daemon: try await DaemonProcess())
        let codes = (0..<400_000).map { USCC.madeUp(serial: 72_000_000 + $0) }.joined(separator: "\n")
        let path = try file(cli.daemon, "book.txt", codes + "\n")
        let output = path + ".csv"
        let script = """
            set -m
            '\(CLIHarness.executable)' screen '\(path)' --output '\(output)' --socket '\(cli.daemon.socketPath)' 2>'\(path).err' &
            screener=$!
            until [ -s '\(output).partial' ]; do sleep 0.005; done
            kill -\(signal) $screener
            wait $screener
            echo "exit $?"
            """
        let stopped = try await runCommand("/bin/bash", ["-c", script])
        #expect(stopped.stdout == "exit \(status)\n", "\(stopped.stdout)\(stopped.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output + ".partial"))
        #expect(!FileManager.default.fileExists(atPath: output))
        let report = try String(contentsOfFile: path + ".err", encoding: .utf8)
        #expect(report.contains("screen stopped by SIG\(signal) after"), "\(report)")
    }

    /// Ctrl-C while the portfolio is still being read (a pipe whose writer is slow) is taken
    /// too: the run ends once the reading does, by the signal, and says so.
    @Test func aScreenInterruptedWhileReadingItsPortfolioSaysSo() async throws {
        let cli = CLIHarness(daemon: try await DaemonProcess())
        let fifo = cli.daemon.directory.appendingPathComponent("book.fifo").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let script = """
            set -m
            '\(CLIHarness.executable)' screen '\(fifo)' --socket '\(cli.daemon.socketPath)' >/dev/null 2>'\(fifo).err' &
            screener=$!
            exec 3>'\(fifo)'
            echo '\(CLI.cement)' >&3
            sleep 0.3
            kill -INT $screener
            sleep 0.3
            echo '\(CLI.materials)' >&3
            exec 3>&-
            wait $screener
            echo "exit $?"
            """
        let stopped = try await runCommand("/bin/bash", ["-c", script])
        #expect(stopped.stdout == "exit 130\n", "\(stopped.stdout)\(stopped.stderr)")
        let report = try String(contentsOfFile: fifo + ".err", encoding: .utf8)
        #expect(report.contains("screen stopped by SIGINT after 0 of 2 codes"), "\(report)")
    }

    /// Enterprise batches go over two connections, yet a firm's rows still apply in file order:
    /// each legacy organization code comes before its USCC, in batches that are in flight
    /// together (a batch naming firms of batches on both connections waits for them), and
    /// every USCC joins its legacy file instead of opening a second one.
    @Test func aLegacyCodeAndItsUSCCOnLaterLinesMakeOneFileWhateverTheConnection() async throws {
        let cli = CLIHarness(daemon: try await DaemonProcess())
        var csv = "code,name\n"
        let groups = 15
        for group in 0..<groups {
            let usccs = (0..<4).map { USCC.madeUp(serial: 60_000_000 + group * 4 + $0) }
            let legacy = usccs.map { uscc in
                let body = Array(uscc)[8..<17]
                return String(body.prefix(8)) + "-" + String(body.last!)
            }
            // Batches of two: [legacy 0, legacy 1], [legacy 2, legacy 3], [USCC 0, USCC 2], [USCC 1, USCC 3].
            for n in [0, 1, 2, 3] { csv += "\(legacy[n]),旧代码企业\(group)-\(n)\n" }
            for n in [0, 2, 1, 3] { csv += "\(usccs[n]),新代码企业\(group)-\(n)\n" }
        }
        let path = try file(cli.daemon, "legacy.csv", csv)
        let summary = try await cli.json(["import", "enterprises", path, "--batch-size", "2"])
        #expect(summary["imported"]?.intValue == Int64(groups * 8))
        let errors = try String(contentsOfFile: path + ".errors.csv", encoding: .utf8)
        #expect(summary["rejected"] == 0, "\(errors)")
        #expect(try await cli.daemon.call("org.qcredit.operator.GetStatus")["enterprises"]?.intValue == Int64(groups * 4))
        let last = USCC.madeUp(serial: 60_000_000 + groups * 4 - 1)
        let file = try await cli.json(["file", last])["file"]?["enterprise"]
        #expect(file?["uscc"] == .string(last))
        #expect(file?["orgCode"] == .string(String(Array(last)[8..<17])))
        #expect(file?["name"] == .string("新代码企业\(groups - 1)-3"))
    }

    /// A firm's legacy organization code after its USCC names the firm again: it is a
    /// `DuplicateInFile` naming the USCC's line and counted among the duplicates (the registry
    /// answered `AlreadyRegistered`, as if the firm were there before the import).
    @Test func aLegacyCodeAfterItsUSCCIsADuplicateInTheFile() async throws {
        let cli = CLIHarness(daemon: try await DaemonProcess())
        let uscc = USCC.madeUp(serial: 61_000_000)
        let body = Array(uscc)[8..<17]
        let legacy = String(body.prefix(8)) + "-" + String(body.last!)
        let path = try file(cli.daemon, "usccfirst.csv", "code,name\n\(uscc),新代码企业\n\(legacy),旧代码企业\n")
        let summary = try await cli.json(["import", "enterprises", path])
        #expect(summary["imported"] == 1 && summary["duplicatesInFile"] == 1, "\(summary)")
        let errors = try String(contentsOfFile: path + ".errors.csv", encoding: .utf8)
        #expect(errors.contains("3,\(legacy.replacingOccurrences(of: "-", with: "")),DuplicateInFile,"), "\(errors)")
        #expect(errors.contains("inside the USCC on line 2"), "\(errors)")
        // When the USCC's row is refused (a mistyped check character), the legacy code is
        // registered: it is the registry that says whether the firm is there already.
        let refusedFirst = USCC.madeUp(serial: 61_000_001)
        let mistyped = String(refusedFirst.dropLast()) + (refusedFirst.last == "0" ? "1" : "0")
        let body2 = Array(refusedFirst)[8..<17]
        let legacy2 = String(body2.prefix(8)) + "-" + String(body2.last!)
        let path2 = try file(cli.daemon, "usccrefused.csv", "code,name\n\(mistyped),新代码企业\n\(legacy2),旧代码企业\n")
        let summary2 = try await cli.json(["import", "enterprises", path2])
        #expect(summary2["imported"] == 1 && summary2["duplicatesInFile"] == 0, "\(summary2)")
        #expect(try String(contentsOfFile: path2 + ".errors.csv", encoding: .utf8).contains("2,\(mistyped),InvalidCode,"))
        // When the firm was on file before (its USCC row refused as registered), the legacy code's
        // row is no duplicate of a registration that did not happen: both say AlreadyRegistered.
        let path3 = try file(cli.daemon, "again.csv", "code,name\n\(uscc),新代码企业\n\(legacy),旧代码企业\n")
        let summary3 = try await cli.json(["import", "enterprises", path3, "--import-id", "again"])
        #expect(summary3["imported"] == 0 && summary3["duplicatesInFile"] == 0, "\(summary3)")
        let errors3 = try String(contentsOfFile: path3 + ".errors.csv", encoding: .utf8)
        #expect(errors3.contains("2,\(uscc),AlreadyRegistered,"), "\(errors3)")
        #expect(errors3.contains("3,\(legacy.replacingOccurrences(of: "-", with: "")),AlreadyRegistered,"), "\(errors3)")
    }

    /// With `--json` and stderr read by a script, stderr carries one JSON object (screen's
    /// summary) or nothing (an import's summary is the reply, on stdout): no progress lines.
    @Test func withJSONStderrHoldsNoProgressLines() async throws {
        let cli = CLIHarness(daemon: try await DaemonProcess())
        let rows = (0..<12_000).map { "\(USCC.madeUp(serial: 72_000_000 + $0)),进度测试企业\($0)号" }
        let enterprises = try file(cli.daemon, "json-progress.csv", "code,name\n" + rows.joined(separator: "\n") + "\n")
        let imported = try await cli.run(["import", "enterprises", enterprises, "--batch-size", "100", "--json"])
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stderr.isEmpty, "\(imported.stderr)")
        #expect(try JSONValue.parse(imported.stdout)["imported"] == 12_000)
        let portfolio = try file(cli.daemon, "json-progress.txt", rows.map { String($0.prefix(18)) }.joined(separator: "\n") + "\n")
        let screened = try await cli.run(["screen", portfolio, "--json"])
        #expect(screened.status == 0, "\(screened.stderr)")
        let lines = screened.stderr.split(separator: "\n")
        #expect(lines.count == 1 && (try? JSONValue.parse(String(lines[0])))?["codes"] == 12_000, "\(screened.stderr)")
    }

    @Test func screeningAPortfolioWritesOneRowPerCodeWithTheCheckpoint() async throws {
        let cli = CLIHarness(daemon: try await DaemonProcess())
        try await cli.register(CLI.cement, name: "贵州黔南某某水泥有限公司")
        try await cli.register(CLI.materials, name: "贵阳某某建材有限公司")
        try await cli.succeed(CLI.eventArguments(CLI.cement))
        try await cli.succeed(["publish"])
        let portfolio = try file(
            cli.daemon, "loans.csv",
            "\u{FEFF}loan,\"borrower, name\",统一社会信用代码\r\nL1,\"a, b\",\(CLI.cement)\r\nL2,c,\(CLI.wrongCheck)\r\nL3,d,\(CLI.materials)\r\nL4,e,\(CLI.unregistered)\r\n")
        let output = cli.daemon.directory.appendingPathComponent("screened.csv").path
        try await cli.succeed(["screen", portfolio, "--output", output])
        let rows = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n").map(String.init)
        // A screen that cannot reach the registry leaves the last output as it was, and nothing beside it.
        let unreachable = try await CLIHarness.run(["screen", portfolio, "--output", output, "--socket", "/nonexistent/qcreditd.sock"])
        #expect(unreachable.status == 3, "\(unreachable.stderr)")
        #expect(try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n").map(String.init) == rows)
        #expect(!FileManager.default.fileExists(atPath: output + ".partial"))
        #expect(rows[0] == "line,code,name,grade,basis,listed,logIndex,treeSize,rootHash,error,reason")
        #expect(rows.count == 5)
        let cement = rows[1].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        #expect(cement[0] == "2")
        #expect(cement[1] == CLI.cement)
        #expect(cement[3] == "B")
        #expect(cement[4] == "computed")
        #expect(Int(cement[6]) != nil)
        #expect(Int(cement[7]) != nil)
        #expect(cement[8].count == 44)  // base64 SHA-256
        #expect(rows[2].contains(",InvalidCode,"))
        #expect(rows[3].hasPrefix("4,\(CLI.materials),贵阳某某建材有限公司,A,computed,,"))
        #expect(rows[4].contains(",NotFound,"))

        // A row with a field too many or too few still has its code answered, not "no code given".
        let ragged = try file(cli.daemon, "ragged.csv", "code,name\n\(CLI.cement),a,extra\n\(CLI.materials)\n")
        let raggedRows = try await cli.succeed(["screen", ragged]).split(separator: "\n").map(String.init)
        #expect(raggedRows.count == 3)
        #expect(raggedRows[1].hasPrefix("2,\(CLI.cement),"), "\(raggedRows)")
        #expect(raggedRows[2].hasPrefix("3,\(CLI.materials),贵阳某某建材有限公司,A,"), "\(raggedRows)")

        // A valid code given full-width, in lower case or spaced comes back in its normal form,
        // which rows join on; an invalid one as given.
        let forms = [ImportTests.fullWidth(CLI.cement), CLI.materials.lowercased(), String(CLI.cement.prefix(9)) + " " + String(CLI.cement.dropFirst(9)), "abc-123"]
        let normal = try await cli.succeed(["screen", "-"], input: forms.joined(separator: "\n") + "\n").split(separator: "\n").map(String.init)
        #expect(normal.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false)[1] } == [
            Substring(CLI.cement), Substring(CLI.materials), Substring(CLI.cement), "abc-123",
        ], "\(normal)")

        // The same CSV from standard input, which can be read only once.
        let piped = try await cli.succeed(["screen", "-"], input: "code,name\n\(CLI.cement),a\n").split(separator: "\n").map(String.init)
        #expect(piped.count == 2, "\(piped)")
        #expect(piped[1].hasPrefix("2,\(CLI.cement),贵州黔南某某水泥有限公司,B,"), "\(piped)")

        // One code per line (a byte order mark before the first comment), as JSON Lines.
        let list = try file(cli.daemon, "codes.txt", "\u{FEFF}# book\n\(CLI.cement)\n\n\(CLI.materials)\n")
        let jsonl = try await cli.succeed(["screen", list, "--format", "jsonl"])
        let replies = try jsonl.split(separator: "\n").map { try JSONValue.parse(String($0)) }
        #expect(replies.count == 2)
        #expect(replies[0]["line"] == 2)
        #expect(replies[0]["grade"] == "B")
        #expect(replies[1]["line"] == 4)
        #expect(Set(replies[0].objectValue!.keys) == Set(["line", "code", "name", "grade", "basis", "listed", "logIndex", "treeSize", "rootHash", "error", "reason"]))

        // --json, as every command takes it: the same JSON Lines, and the summary as one object on stderr.
        let asJSON = try await cli.run(["screen", list, "--json"])
        #expect(asJSON.status == 0)
        // The same rows (the checkpoint they were answered under may have moved on since).
        func withoutCheckpoint(_ text: String) throws -> [JSONValue] {
            try text.split(separator: "\n").map { line in
                var row = try #require(try JSONValue.parse(String(line)).objectValue)
                row["treeSize"] = nil
                row["rootHash"] = nil
                return .object(row)
            }
        }
        #expect(try withoutCheckpoint(asJSON.stdout) == withoutCheckpoint(jsonl))
        let summary = try JSONValue.parse(asJSON.stderr.split(separator: "\n").last.map(String.init) ?? "")
        #expect(summary["codes"] == 2)
        #expect(summary["graded"] == 2)
        #expect(summary["errors"] == 0)
    }

    /// A one-column list is a list whether or not it names its column, and whatever its
    /// extension; the output may be a device.
    @Test func oneColumnListsWithOrWithoutAHeaderAndOutputToADevice() async throws {
        let cli = CLIHarness(daemon: try await DaemonProcess())
        try await cli.register(CLI.cement, name: "贵州黔南某某水泥有限公司")
        for (name, text, firstLine) in [
            ("named.txt", "code\n\(CLI.cement)\n", 2), ("plain.csv", "\(CLI.cement)\n\(CLI.materials)\n", 1),
            ("named.csv", "统一社会信用代码\n\(CLI.cement)\n", 2),
        ] {
            let rows = try await cli.succeed(["screen", try file(cli.daemon, name, text)]).split(separator: "\n").map(String.init)
            #expect(rows.dropFirst().first?.hasPrefix("\(firstLine),\(CLI.cement),贵州黔南某某水泥有限公司,") == true, "\(name): \(rows)")
            #expect(!rows.contains { $0.contains("InvalidCode") }, "\(name): \(rows)")
        }
        let list = try file(cli.daemon, "one.txt", "\(CLI.cement)\n")
        #expect(try await cli.run(["screen", list, "--output", "/dev/null"]).status == 0)
        // A headerless list whose first code is mistyped: that line is a row with its error.
        let mistyped = String(CLI.cement.dropLast()) + (CLI.cement.last == "0" ? "1" : "0")
        let rows = try await cli.succeed(["screen", try file(cli.daemon, "typo.csv", "\(mistyped)\n\(CLI.cement)\n")])
            .split(separator: "\n").map(String.init)
        #expect(rows.count == 3 && rows[1].hasPrefix("1,") && rows[1].contains("InvalidCode"), "\(rows)")
        #expect(rows.last?.hasPrefix("2,\(CLI.cement),") == true, "\(rows)")
    }

    /// A name that a spreadsheet would run as a formula is written to CSV as text; a header that
    /// names the codes' column twice is refused, as an import refuses it; a header in full-width
    /// letters names its column.
    @Test func screenWritesFormulaLikeNamesAsTextAndRefusesAHeaderNamingTheCodesTwice() async throws {
        let cli = CLIHarness(daemon: try await DaemonProcess())
        try await cli.register(CLI.cement, name: "=HYPERLINK(\"http://x\",\"y\")")
        try await cli.register(CLI.materials, name: "+Plus Works")
        let rows = try await cli.succeed(["screen", try file(cli.daemon, "p.csv", "Ｃｏｄｅ\n\(CLI.cement)\n\(CLI.materials)\n@SUM(A1)\n")])
            .split(separator: "\n").map(String.init)
        #expect(rows.count == 4, "\(rows)")
        #expect(rows[3].hasPrefix("4,'@SUM(A1),,"), "\(rows)")
        #expect(rows[1].hasPrefix("2,\(CLI.cement),\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\","), "\(rows)")
        #expect(rows[2].hasPrefix("3,\(CLI.materials),'+Plus Works,"), "\(rows)")
        // JSON Lines carry the name as it is.
        let jsonl = try await cli.succeed(["screen", try file(cli.daemon, "p.txt", "\(CLI.cement)\n"), "--format", "jsonl"])
        #expect(try JSONValue.parse(jsonl.split(separator: "\n")[0].description)["name"] == "=HYPERLINK(\"http://x\",\"y\")")
        for header in ["code,uscc", "code,Code"] {
            let refused = try await cli.run(["screen", try file(cli.daemon, "twice.csv", "\(header)\n\(CLI.cement),\(CLI.materials)\n")])
            #expect(refused.status == 2, "\(header): \(refused.stderr)")
            #expect(refused.stderr.contains("twice"), "\(header): \(refused.stderr)")
        }
    }

    @Test func findPrintsATableOfMatches() async throws {
        let cli = CLIHarness(daemon: try await DaemonProcess())
        try await cli.register(CLI.cement, name: "贵州黔南某某水泥有限公司")
        try await cli.succeed(["update", CLI.cement, "--name", "贵州新名水泥集团有限公司", "--reason", "renamed"])
        let text = try await cli.succeed(["find", "黔南某某"])
        #expect(text.contains("CODE"))
        #expect(text.contains(CLI.cement))
        #expect(text.contains("贵州黔南某某水泥有限公司 (former name)"))
        let reply = try await cli.json(["find", "新名水泥", "--limit", "5"])
        #expect(reply["matches"]?.arrayValue?.first?["formerName"] == false)
        let refused = try await cli.run(["find", " "])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("name"))
        // A limit outside 1–100 is the registry's InvalidArgument, negative ones too.
        for limit in ["0", "-1", "101"] {
            let outside = try await cli.run(["find", "新名水泥", "--limit", limit])
            #expect(outside.status == 1, "--limit \(limit): \(outside.stderr)")
            #expect(outside.stderr.contains("InvalidArgument") && outside.stderr.contains("limit"), "--limit \(limit): \(outside.stderr)")
        }
    }
}
