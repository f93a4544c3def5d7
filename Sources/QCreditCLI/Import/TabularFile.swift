import CanonicalJSON
import QCreditCrypto

/// A data file as records of named fields: CSV with a header line, or JSON Lines (one object
/// per line).
///
/// The format comes from the extension (`.csv`; `.jsonl`, `.ndjson`, `.json`), else from the
/// first character (`{` is JSON Lines). A UTF-8 byte order mark is dropped; line ends may be LF
/// or CRLF. CSV follows RFC 4180: a field in double quotes may hold commas, line breaks and
/// doubled quotes (`""`). Blank lines are skipped. A row that cannot be read (a CSV row with
/// the wrong number of fields, an unclosed quote or text after a closing quote, a line that is
/// not a JSON object, a member that is an array, an object or a fraction) is kept with its
/// reason, for the error file. JSON Lines values are text; integers (also written 5.0 or 1e3)
/// and `true`/`false` are read as their text, `null` as absent.
struct TabularFile {
    enum Format: String { case csv, jsonLines = "jsonl" }

    /// One row: the line it starts on, and its fields by column (or member) name, or why it
    /// cannot be read.
    struct Record {
        var line: Int
        var fields: [String: String]
        var malformed: String?
    }

    let name: String
    let format: Format
    /// The CSV header's column names, as written (empty for JSON Lines).
    private(set) var columns: [String] = []
    /// SHA-256 of the file's text (hex, first 16 bytes): the same file gives the same default
    /// import id, so running the same import again resumes it.
    let contentDigest: String
    /// Lines that are not UTF-8 text (see ``LineTable/linesNotUTF8``): their rows are reported, not read.
    private var linesNotUTF8: [Int: Int] { lines.linesNotUTF8 }
    /// The file's lines; records are read from them one at a time (``nextRecord()``), so that a
    /// caller can send the first rows while the rest are still to be read, and never holds
    /// every row at once (a million rows as dictionaries took 1.8 GB).
    private let lines: LineTable
    /// The first line not yet read (0-based: its number is one more).
    private var position = 0
    /// The records read so far.
    private(set) var recordsRead = 0

    /// About how many records the file holds: its lines after the header (a CSV record that
    /// spans lines, or a blank line, makes it fewer). For progress, before the file is read.
    private(set) var estimatedRecordCount = 0

    init(reading path: String, encoding: InputEncoding = .utf8) throws(Failure) {
        try self.init(lines: try LineTable(reading: path, encoding: encoding), path: path)
    }

    /// The records of `lines`, read from `path` (whose extension may name the format).
    init(lines: LineTable, path: String) throws(Failure) {
        self.lines = lines  // without a byte order mark
        name = lines.name
        // A first line (the header, or the first record) that is not UTF-8 means the file as a
        // whole is in another encoding: refused, rather than every row reported one by one.
        let firstContent = (0..<lines.count).first { !lines.isBlank($0) }
        if let first = firstContent, let byte = lines.linesNotUTF8[first + 1] {
            throw InputFile.notUTF8(name, line: first + 1, byte: byte, offeringEncoding: true)
        }
        contentDigest = lines.digest().prefix(16)
            .map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
        let lower = path.lowercased()
        if lower.hasSuffix(".csv") {
            format = .csv
        } else if [".jsonl", ".ndjson", ".json"].contains(where: lower.hasSuffix) {
            format = .jsonLines
        } else {
            format = firstContent.map { lines.text($0).trimmingWhitespace().hasPrefix("{") } == true ? .jsonLines : .csv
        }
        // A JSON array (a `.json` export) is one document, not one object per line: each of
        // its lines would be refused as a malformed row, and the import would still succeed.
        if format == .jsonLines, let first = firstContent, lines.text(first).trimmingWhitespace().hasPrefix("[") {
            throw .badInput(
                "\(name) is a JSON array, not JSON Lines: give one object per line (jq -c '.[]' \(name) > rows.jsonl)")
        }
        if format == .csv { try readCSVHeader() }
        estimatedRecordCount = lines.count - position
    }

    /// The next record, or nil at the end of the file.
    mutating func nextRecord() -> Record? {
        let record = format == .csv ? nextCSVRecord() : nextJSONLinesRecord()
        if record != nil { recordsRead += 1 }
        return record
    }

    /// The records not read yet, all at once.
    mutating func remainingRecords() -> [Record] {
        var records: [Record] = []
        while let record = nextRecord() { records.append(record) }
        return records
    }

    private mutating func nextJSONLinesRecord() -> Record? {
        while position < lines.count {
            let line = (number: position + 1, text: lines.text(position))
            position += 1
            let text = line.text.trimmingWhitespace()
            guard !text.isEmpty else { continue }
            if let byte = linesNotUTF8[line.number] {
                return Record(line: line.number, fields: [:], malformed: Self.notUTF8(byte: byte))
            }
            let object: [String: JSONValue]
            do {
                guard let parsed = try JSONValue.parse(text).objectValue else {
                    return Record(line: line.number, fields: [:], malformed: "not a JSON object (one object per line)")
                }
                object = parsed
            } catch {
                // The parser's reason and where on the line (a duplicate member, text after the
                // object, a number out of range, a lone surrogate, an object spread over lines).
                return Record(line: line.number, fields: [:], malformed: "not JSON: \(Self.describe(error))")
            }
            var fields: [String: String] = [:]
            var malformed: String?
            for (key, value) in object.sorted(by: { $0.key < $1.key }) {
                switch value {
                case .string(let string): fields[key] = string
                case .null: continue
                case .bool(let flag): fields[key] = flag ? "true" : "false"
                case .int(let number): fields[key] = String(number)
                case .double(let number):
                    // 110101.0 and 1.10101e5 are integers, read as the wire reads them (below 2^53).
                    if let integer = value.intValue {
                        fields[key] = String(integer)
                    } else if number.rounded(.towardZero) == number, number.isFinite {
                        // Past 2^53 a number written as a fraction or with an exponent is not exact.
                        malformed = malformed ?? "member \"\(key)\" is a number too large to be read exactly "
                            + "(an integer beyond 2^63 - 1, or one written as a fraction or with an exponent beyond 2^53); give it as text"
                    } else {
                        malformed = malformed ?? "member \"\(key)\" is a number that is not an integer; give text"
                    }
                case .array, .object:
                    malformed = malformed ?? "member \"\(key)\" is \(value.arrayValue != nil ? "an array" : "an object"); values are text"
                }
            }
            // An object of empty members only (`{}`, `{"code":"","name":null}`) is skipped as a
            // row of empty CSV fields is.
            if malformed == nil, fields.values.allSatisfy({ $0.trimmingWhitespace().isEmpty }) { continue }
            return Record(line: line.number, fields: fields, malformed: malformed)
        }
        return nil
    }

    /// `line`: a later line of a row over several, where the byte is.
    private static func notUTF8(byte: Int, ofLine line: Int? = nil) -> String {
        "not UTF-8 text (byte \(byte + 1) of \(line.map { "its line \($0)" } ?? "the line"))"
    }

    private static func describe(_ error: any Error) -> String {
        guard let error = error as? JSONParseError else { return "\(error)" }
        return "\(error.reason) at byte \(error.offset + 1) of the line"
    }

    /// One CSV record, from the line at ``position`` on: a quoted field that runs past the line
    /// end continues on the next line. A quote that the file never closes, or whose lines up to
    /// the quote that closes it do not make a well-formed row (text after that quote, or another
    /// number of fields than the header's), is taken as a stray quote ending with its own line,
    /// which is then the whole record (reported as malformed), and the lines after it are read
    /// as records of their own: read on as one field, they would vanish from the import or
    /// screen without a word. `whyNotRead` says why a quote was taken so.
    private mutating func nextCSVText() -> (start: Int, blank: Bool, parsed: CSVFields, whyNotRead: String?)? {
        guard position < lines.count else { return nil }
        let firstIndex = position
        let start = position + 1
        let first = lines.text(position)
        position += 1
        var scanner = CSVRecordScanner.reading(firstLine: first)
        let runsOn = scanner.quoted && scanner.strayQuoteField == nil && position < lines.count
        // Within the lines a scan already read on through, the outcome is known (QuotedSpan).
        if runsOn, let span, let outcome = span.outcome(forRecordFrom: firstIndex, finishedOnFirstLine: scanner.finishedFieldCount) {
            if outcome.fields.map(fitsHeader) != true {
                // The scanner has read the first line alone: that is the record.
                return (start, false, scanner.record, outcome.whyNotRead)
            }
        }
        // A quote closed by text after it spoils the record: no need to read further.
        var finished = [scanner.finishedFieldCount]
        while scanner.quoted, scanner.strayQuoteField == nil, position < lines.count {
            scanner.feed(lines.text(position))
            finished.append(scanner.finishedFieldCount)
            position += 1
        }
        if runsOn {
            span = QuotedSpan(
                first: firstIndex, last: scanner.quoted && scanner.strayQuoteField == nil ? lines.count : position - 1,
                end: scanner.strayQuoteField != nil ? .strayQuote : scanner.quoted ? .endOfFile : .closed, finishedFields: finished)
        }
        var parsed = scanner.record
        var whyNotRead: String?
        if scanner.lineCount > 1, !isWellFormed(parsed) {
            whyNotRead = span?.whyNotRead
            position = start
            parsed = CSVRecordScanner.fields(first)
        }
        return (start, first.trimmingWhitespace().isEmpty, parsed, whyNotRead)
    }

    /// The lines a scan read on through, inside a quote, and how it ended. A line is read alike
    /// by every record whose scan enters it inside a quote (the quote state at a line's start is
    /// all its reading depends on), so a later record whose first line, within the span, ends
    /// inside a quote ends where this one did, with a field count known from the counts here:
    /// no line is read again for each of them (that made a file of lines that each close one
    /// quote and open another cost time in the square of its length).
    private var span: QuotedSpan?

    struct QuotedSpan {
        enum End { case endOfFile, strayQuote, closed }
        /// The index of the scan's first line.
        var first: Int
        /// The index of the line where it ended (the closing quote, the text after one), or the
        /// number of lines when the file ended inside the quote.
        var last: Int
        var end: End
        /// The fields finished at the end of each line from `first` on.
        var finishedFields: [Int]

        var whyNotRead: String {
            switch end {
            case .endOfFile: "the file never closes it"
            case .strayQuote: "read on, the quote that closes it is followed by text on line \(last + 1)"
            case .closed: "the quote on line \(last + 1) closes it, but the lines up to it do not make a well-formed row"
            }
        }

        /// For a record whose first line (index `line`) ends inside a quote with `finishedOnFirstLine`
        /// fields finished: the number of fields it would have if read on (nil: it would not close
        /// well), and why it would not be read on; nil when the span does not cover that line.
        func outcome(forRecordFrom line: Int, finishedOnFirstLine: Int) -> (fields: Int?, whyNotRead: String)? {
            guard first < line, line < last else { return nil }
            guard end == .closed else { return (nil, whyNotRead) }
            return (finishedOnFirstLine + finishedFields[last - first] - finishedFields[line - first] + 1, whyNotRead)
        }
    }

    /// A complete row with the header's number of fields (any number, for the header itself).
    private func isWellFormed(_ parsed: CSVFields) -> Bool {
        guard case .complete(let fields) = parsed else { return false }
        return fitsHeader(fields.count)
    }

    /// Whether a row of `count` fields matches the header (any count, for the header itself).
    private func fitsHeader(_ count: Int) -> Bool {
        columns.isEmpty || count == columns.count
    }

    /// Reads up to and including the header line, which must be there and readable.
    private mutating func readCSVHeader() throws(Failure) {
        while let (_, blank, parsed, _) = nextCSVText() {
            if blank { continue }
            switch parsed {
            case .complete(let fields):
                columns = fields.map { $0.trimmingWhitespace() }
                return
            case .open: throw .badInput("\(name): the header line has a quoted field that is not closed")
            case .strayQuote(let field, _): throw .badInput("\(name): the header's field \(field) has text after its closing quote")
            }
        }
        throw .badInput("\(name) is empty: a CSV file starts with a header line")
    }

    private mutating func nextCSVRecord() -> Record? {
        while let (start, _, parsed, whyNotRead) = nextCSVText() {
            let fields: [String]
            switch parsed {
            case .complete(let complete): fields = complete
            case .open(let partial):
                // The fields before the open one, so that the error report can name the row's
                // code; the next line is read as the next record.
                let why = whyNotRead ?? "the file never closes it"
                return Record(
                    line: start, fields: byColumn(partial),
                    malformed: "a quoted field is not closed (\(why), so it is taken to end with its line)")
            case .strayQuote(let field, let partial):
                return Record(
                    line: start, fields: byColumn(partial),
                    malformed: "field \(field) has text after its closing quote (a quote inside a quoted field is written \"\")")
            }
            // A blank line, or a row of empty fields (a spreadsheet's trailing rows, `,,,`).
            if fields.allSatisfy({ $0.trimmingWhitespace().isEmpty }) { continue }
            guard fields.count == columns.count else {
                // Kept by position, only so that the error report can name the row's code.
                return Record(
                    line: start, fields: byColumn(fields),
                    malformed: "has \(fields.count) field\(fields.count == 1 ? "" : "s"); the header has \(columns.count)")
            }
            let notUTF8 = linesNotUTF8
            if !notUTF8.isEmpty, let (line, byte) = (start...position).lazy.compactMap({ line in notUTF8[line].map { (line, $0) } }).first {
                // Kept only so that the error report can name the row's code. A row over several
                // lines says which of them.
                return Record(
                    line: start, fields: byColumn(fields),
                    malformed: Self.notUTF8(byte: byte, ofLine: line == start ? nil : line))
            }
            return Record(line: start, fields: byColumn(fields))
        }
        return nil
    }

    /// Fields by the header's column names (a repeated name keeps its first field).
    private func byColumn(_ fields: [String]) -> [String: String] {
        Dictionary(zip(columns, fields), uniquingKeysWith: { first, _ in first })
    }
}
