/// Reads one CSV record (RFC 4180) a line at a time: a quoted field that runs past a line's end
/// continues on the next line, which is fed to the same scanner. The work is linear in the
/// record's bytes, however many lines it spans (re-reading the joined text line after line made
/// a quote that is never closed cost time in the square of the file's length).
struct CSVRecordScanner {
    /// The fields finished so far.
    private var fields: [String] = []
    /// The bytes of the field being read.
    private var field: [UInt8] = []
    /// Inside a quoted field: at a line's end, the record goes on on the next line.
    private(set) var quoted = false
    private var closedQuote = false
    private var atFieldStart = true
    /// The first field (from 1) with text after its closing quote (`"bad"quote"`).
    private(set) var strayQuoteField: Int?
    /// Lines fed so far.
    private(set) var lineCount = 0
    /// The quote now open came after spaces in its field (` "x`): RFC 4180 has no such opening
    /// quote. Taken as one when it closes on its line (`a, "b, c"` is read as `b, c`, as people
    /// write it); ``literalQuotesAfterSpaces`` reads the line again with it as a character.
    private(set) var openQuoteFollowsSpaces = false
    /// A quote after spaces in a field is a character of that field, not an opening quote.
    var literalQuotesAfterSpaces = false

    init(literalQuotesAfterSpaces: Bool = false) {
        self.literalQuotesAfterSpaces = literalQuotesAfterSpaces
    }

    /// The fields finished so far (the one being read not counted).
    var finishedFieldCount: Int { fields.count }

    /// Reads the record's next line (without its line end).
    mutating func feed(_ line: String) {
        if lineCount > 0 {
            field.append(UInt8(ascii: "\n"))
            // Only a record's first line is read again that way; the lines after it are read
            // alike by every record that runs on into them.
            literalQuotesAfterSpaces = false
        }
        lineCount += 1
        var bytes = line.utf8.makeIterator()
        var pending: UInt8? = bytes.next()
        while let byte = pending {
            pending = bytes.next()
            if quoted {
                if byte == UInt8(ascii: "\"") {
                    if pending == UInt8(ascii: "\"") {
                        field.append(byte)
                        pending = bytes.next()
                    } else {
                        quoted = false
                        closedQuote = true
                    }
                } else {
                    field.append(byte)
                }
                continue
            }
            switch byte {
            case UInt8(ascii: ","):
                fields.append(String(decoding: field, as: UTF8.self))
                field.removeAll(keepingCapacity: true)
                atFieldStart = true
                closedQuote = false
                continue
            case _ where closedQuote:
                // Only white space may follow a closing quote before the comma.
                if byte != UInt8(ascii: " ") && byte != UInt8(ascii: "\t") {
                    strayQuoteField = strayQuoteField ?? fields.count + 1
                    closedQuote = false
                    field.append(byte)
                }
            case UInt8(ascii: "\"")
            where atFieldStart || (!literalQuotesAfterSpaces && field.allSatisfy({ $0 == UInt8(ascii: " ") })):
                openQuoteFollowsSpaces = !atFieldStart
                field.removeAll(keepingCapacity: true)
                quoted = true
            default:
                field.append(byte)
            }
            atFieldStart = false
        }
    }

    /// What the lines fed so far hold, taken as the whole record.
    var record: CSVFields {
        // The open field's text, cut at its commas as if it had not been quoted: a stray quote
        // before the code's column must not hide the code behind it.
        let last = quoted
            ? String(decoding: field, as: UTF8.self).split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            : [String(decoding: field, as: UTF8.self)]
        // Text after a closing quote is the first fault, whatever follows it.
        if let strayQuoteField { return .strayQuote(field: strayQuoteField, partial: fields + last) }
        return quoted ? .open(partial: fields + last) : .complete(fields + last)
    }

    /// A scanner that has read a record's first line. A quote after spaces opens a field only
    /// within its line: read on, it could take in rows that RFC 4180 reads as rows of their own.
    static func reading(firstLine line: String) -> CSVRecordScanner {
        var scanner = CSVRecordScanner()
        scanner.feed(line)
        if scanner.quoted && scanner.openQuoteFollowsSpaces {
            scanner = CSVRecordScanner(literalQuotesAfterSpaces: true)
            scanner.feed(line)
        }
        return scanner
    }

    /// The fields of a record on one line.
    static func fields(_ line: String) -> CSVFields {
        reading(firstLine: line).record
    }
}

/// What one CSV record's text holds.
enum CSVFields: Equatable {
    case complete([String])
    /// A quoted field is still open at the end. `partial` holds the fields before it, then the
    /// open field's text cut at its commas, so that the error report (or a screen) can name the
    /// code in any column.
    case open(partial: [String])
    /// Field `field` (from 1) has text after its closing quote, which RFC 4180 does not
    /// allow (`"bad"quote"`); `partial` holds every field, the text after that quote kept as
    /// it is, so that the error report can name a code in a later column.
    case strayQuote(field: Int, partial: [String])
}
