import CanonicalJSON
import QCreditDomain

/// An import file's rows as the batches `qcredit import` sends, read one batch at a time.
///
/// A batch is the next rows in file order: at most `rowsPerBatch` of them and at most
/// ``FileImport/batchBytes`` of JSON text. Rows the client refuses (malformed, a code already on
/// an earlier line, a row too long for any batch) are kept in ``rejections`` and take no place
/// in a batch. The same file always gives the same batches, which is what lets an interrupted
/// import resume under its id.
struct BatchReader {
    /// A row ready to send: the line it starts on, the batch method's row, and at most the
    /// bytes it takes in the call.
    struct Row {
        var line: Int
        var row: [String: JSONValue]
        var size: Int
        /// The code as the file gave it (trimmed), for the error file when it is invalid.
        var writtenCode: String
    }

    let kind: ImportKind
    private var file: TabularFile
    /// The CSV header's column for each of the kind's columns (nil for JSON Lines, whose
    /// objects name their own members).
    private let csvHeaders: [String: String]?
    private let rowsPerBatch: Int
    private(set) var rejections: [FileImport.Rejection] = []
    /// The rows refused as a code already on an earlier line (enterprises only).
    private(set) var duplicates = 0
    private var firstLineOfCode: [String: Int] = [:]
    /// The line of the first USCC in the file holding each organization code (characters
    /// 9–17), the code packed in 54 bits (``packedOrgCode(_:)``): a million rows' worth takes
    /// tens of megabytes, not a hundred.
    private var lineOfUSCCByOrgCode: [UInt64: Int] = [:]
    /// The rows holding a legacy organization code that a USCC on an earlier line holds, by
    /// line, each with that USCC's line.
    private(set) var legacyCodeAfterUSCC: [Int: Int] = [:]
    /// A row read but not sent: it did not fit in the batch before.
    private var carried: Row?

    init(kind: ImportKind, file: TabularFile, csvHeaders: [String: String]?, rowsPerBatch: Int) {
        self.kind = kind
        self.file = file
        self.csvHeaders = csvHeaders
        self.rowsPerBatch = rowsPerBatch
    }

    /// The records read from the file so far (all of them once ``nextBatch()`` returned nil).
    var recordsRead: Int { file.recordsRead }

    /// The next batch, or nil once every row has been read.
    mutating func nextBatch() -> [Row]? {
        var batch: [Row] = []
        var bytes = 0
        if let carried {
            batch.append(carried)
            bytes = carried.size
            self.carried = nil
        }
        while batch.count < rowsPerBatch, let row = nextRow() {
            guard bytes + row.size <= FileImport.batchBytes else {
                carried = row
                break
            }
            batch.append(row)
            bytes += row.size
        }
        return batch.isEmpty ? nil : batch
    }

    /// Reads the rest of the file without sending it; returns how many batches it held.
    @discardableResult
    mutating func readToEnd() -> Int {
        var count = 0
        while nextBatch() != nil { count += 1 }
        return count
    }

    /// The next row the client does not refuse itself, noting those it does.
    private mutating func nextRow() -> Row? {
        while let record = file.nextRecord() {
            if let row = row(of: record) { return row }
        }
        return nil
    }

    private mutating func row(of record: TabularFile.Record) -> Row? {
        // A JSON Lines object names its own members (sorted, so that a repeat is named alike).
        let members = csvHeaders == nil ? record.fields.keys.sorted() : []
        let headers = csvHeaders ?? kind.columnHeaders(ofMembers: members)
        var malformed = record.malformed
        if csvHeaders == nil, malformed == nil, let (earlier, later) = kind.repeatedColumn(in: members) {
            malformed = "members \"\(earlier)\" and \"\(later)\" name one column"
        }
        let row = kind.row(record.fields, headers: headers)
        let code = row["code"]?.stringValue ?? ""
        // A malformed row's code is shown as written (trimmed): the field in the code column's
        // place, which may not be the row's code at all. So is an invalid one.
        var written = headers["code"].flatMap { record.fields[$0] }?.trimmingWhitespace() ?? ""
        // A row whose code came from a fallback column (an organization code beside an empty USCC).
        if written.isEmpty, let column = kind.codeColumn {
            written = ImportKind.fallbackCode(record.fields, column: column).trimmingWhitespace()
        }
        if let reason = malformed ?? kind.unreadableFlag(record.fields, headers: headers) {
            reject(record.line, written, "MalformedRow", reason)
            return nil
        }
        if kind == .enterprises, !code.isEmpty {
            if let first = firstLineOfCode[code] {
                duplicates += 1
                rejections.append(
                    FileImport.Rejection(
                        line: record.line, code: code, error: "DuplicateInFile",
                        reason: "\(code) is already on line \(first) of this file; only a code's first row is sent", firstLine: first,
                        writtenCode: written))
                return nil
            }
            // A firm's legacy organization code after its USCC names the firm again (the other
            // order is how a USCC joins the file of its legacy code). It is still sent: whether
            // the USCC's row was registered is the registry's to say (it may refuse it), and an
            // `AlreadyRegistered` for it then reads as the duplicate it is (``legacyCodeAfterUSCC``).
            // Codes are read by position (normalised): no code check per row in the client.
            let utf8 = Array(code.utf8)
            if utf8.count == 9, let key = Self.packedOrgCode(utf8[...]), let usccLine = lineOfUSCCByOrgCode[key] {
                legacyCodeAfterUSCC[record.line] = usccLine
            }
            if utf8.count == 18, let key = Self.packedOrgCode(utf8[8..<17]), lineOfUSCCByOrgCode[key] == nil {
                lineOfUSCCByOrgCode[key] = record.line
            }
            firstLineOfCode[code] = record.line
        }
        let size = FileImport.encodedSizeBound(row)
        guard size <= FileImport.batchBytes else {
            reject(
                record.line, code, "MalformedRow",
                "the row takes up to \(size) bytes; a row must fit in one batch of \(FileImport.batchBytes) bytes")
            return nil
        }
        return Row(line: record.line, row: row, size: size, writtenCode: written)
    }

    /// Nine digits and capital letters, six bits each; nil for any other character.
    static func packedOrgCode(_ characters: ArraySlice<UInt8>) -> UInt64? {
        var packed: UInt64 = 0
        for byte in characters {
            guard (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) else { return nil }
            packed = packed << 6 | UInt64(byte - 0x30)
        }
        return packed
    }

    private mutating func reject(_ line: Int, _ code: String, _ error: String, _ reason: String) {
        rejections.append(FileImport.Rejection(line: line, code: code, error: error, reason: reason))
    }
}
