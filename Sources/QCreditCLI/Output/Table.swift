/// Terminal text layout: display widths, aligned tables and key-value blocks.
///
/// Enterprise names, authorities and summaries are mostly Chinese. A terminal draws CJK
/// ideographs and full-width forms in two columns, so padding by `String.count` would skew
/// every column after a Chinese cell; everything here pads by display width instead.
enum TextWidth {
    /// The number of terminal columns `text` occupies: 2 for East Asian wide and full-width
    /// characters, 0 for combining marks and invisible format characters, 1 otherwise.
    static func of(_ text: String) -> Int {
        text.reduce(0) { $0 + of($1) }
    }

    /// The columns one grapheme cluster occupies: its widest scalar (a base character with
    /// combining marks is as wide as the base).
    static func of(_ character: Character) -> Int {
        character.unicodeScalars.reduce(0) { max($0, of($1)) }
    }

    static func of(_ scalar: Unicode.Scalar) -> Int {
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format, .control:
            return 0
        default:
            break
        }
        return isWide(scalar.value) ? 2 : 1
    }

    /// East Asian Wide (W) and Fullwidth (F) ranges of Unicode's EastAsianWidth.txt that occur
    /// in practice: Hangul Jamo, CJK radicals and punctuation, kana, CJK ideographs and their
    /// extensions, Hangul syllables, compatibility ideographs, vertical and small forms,
    /// full-width ASCII and signs, and the common emoji blocks.
    private static func isWide(_ value: UInt32) -> Bool {
        switch value {
        case 0x1100...0x115F, 0x231A...0x231B, 0x2329...0x232A, 0x2E80...0x303E, 0x3041...0x33FF,
            0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF, 0xA960...0xA97F, 0xAC00...0xD7A3,
            0xF900...0xFAFF, 0xFE10...0xFE19, 0xFE30...0xFE6F, 0xFF00...0xFF60, 0xFFE0...0xFFE6,
            0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x2FFFD, 0x30000...0x3FFFD:
            return true
        default:
            return false
        }
    }

    /// `text` followed by spaces up to `width` columns (unchanged when already as wide).
    static func padded(_ text: String, to width: Int) -> String {
        let missing = width - of(text)
        return missing > 0 ? text + String(repeating: " ", count: missing) : text
    }

    /// `text` made safe for one table cell or line: control characters (newlines, tabs,
    /// escape sequences in registry data) become spaces, so they can neither break the
    /// layout nor drive the terminal; bidirectional controls (a right-to-left override in a
    /// code a user typed, or in what a rogue socket answered) become U+FFFD, so they cannot
    /// reorder the rest of the line.
    static func cell(_ text: String) -> String {
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            scalars.append(
                scalar.properties.generalCategory == .control ? " " : scalar.properties.isBidiControl ? "\u{FFFD}" : scalar)
        }
        return String(scalars)
    }
}

/// A table printed once all its rows are known: every column as wide as its widest cell.
///
/// ```swift
/// var table = Table(["ID", "NAME"])
/// table.append(["1", "贵州某某有限公司"])
/// table.lines(indent: 2)   // ["  ID  NAME", "  1   贵州某某有限公司"]
/// ```
struct Table {
    let headers: [String]
    private(set) var rows: [[String]] = []

    init(_ headers: [String]) { self.headers = headers }

    var isEmpty: Bool { rows.isEmpty }

    /// Adds a row; missing trailing cells are empty, extra cells are dropped.
    mutating func append(_ cells: [String]) {
        var row = cells.prefix(headers.count).map(TextWidth.cell)
        while row.count < headers.count { row.append("") }
        rows.append(row)
    }

    func lines(indent: Int = 0) -> [String] {
        var widths = headers.map(TextWidth.of)
        for row in rows {
            for (column, cell) in row.enumerated() { widths[column] = max(widths[column], TextWidth.of(cell)) }
        }
        let layout = ColumnLayout(widths: widths, indent: indent)
        return ([headers] + rows).map(layout.line)
    }
}

/// Fixed column widths for rows printed one at a time, as replies stream in: a cell wider
/// than its column pushes the rest of that row right instead of waiting for the whole table.
struct ColumnLayout {
    let widths: [Int]
    var indent = 0
    /// Spaces between columns.
    static let gap = 2

    /// One row; the last cell is not padded, and trailing spaces are dropped.
    func line(_ cells: [String]) -> String {
        var text = String(repeating: " ", count: indent)
        for (column, cell) in cells.enumerated() {
            let content = TextWidth.cell(cell)
            if column == cells.count - 1 {
                text += content
            } else {
                let width = column < widths.count ? widths[column] : TextWidth.of(content)
                text += TextWidth.padded(content, to: width) + String(repeating: " ", count: Self.gap)
            }
        }
        while text.last == " " { text.removeLast() }
        return text
    }
}

/// Labelled values, one per line, with the values aligned:
///
/// ```
/// Enterprise  贵州某某有限公司
/// USCC        911522010783762860
/// ```
///
/// Rows whose value is nil are left out, so optional facts appear only when present.
struct KeyValueBlock {
    private(set) var rows: [(key: String, value: String)] = []

    init() {}

    mutating func add(_ key: String, _ value: String?) {
        guard let value else { return }
        rows.append((key, TextWidth.cell(value)))
    }

    func lines(indent: Int = 0) -> [String] {
        let width = rows.map { TextWidth.of($0.key) }.max() ?? 0
        let prefix = String(repeating: " ", count: indent)
        return rows.map { row in
            var line = prefix + TextWidth.padded(row.key, to: width) + String(repeating: " ", count: ColumnLayout.gap) + row.value
            while line.last == " " { line.removeLast() }
            return line
        }
    }
}
