/// How well a name matches what someone typed, for finding a file by name.
///
/// Ranking: an exact name first, then a name that starts with the query, then one that contains
/// it, then one that contains it with a misspelling (a character wrong, missing or extra). Both
/// sides are compared folded (``fold(_:)``): case, full-width ASCII forms and runs of white
/// space do not matter.
///
/// ```swift
/// NameMatch(name: "Acme Widgets Ltd", query: "acme")              // .prefix, 0 edits
/// NameMatch(name: "贵州黔南某某水泥有限公司", query: "黔南某某水坭")   // .fuzzy, 1 edit
/// ```
public struct NameMatch: Sendable, Hashable, Comparable {
    public enum Tier: Int, Sendable, Hashable, Comparable {
        case exact, prefix, substring, fuzzy

        public static func < (lhs: Tier, rhs: Tier) -> Bool { lhs.rawValue < rhs.rawValue }

        public var label: String {
            switch self {
            case .exact: "exact"
            case .prefix: "prefix"
            case .substring: "substring"
            case .fuzzy: "fuzzy"
            }
        }
    }

    public var tier: Tier
    /// Characters wrong, missing or extra (0 unless fuzzy).
    public var edits: Int
    /// The folded name's length: among equals, the shorter name is the closer match.
    public var nameLength: Int

    /// The match of `name` for `query`, or nil when it does not match closely enough.
    public init?(name: String, query: String) {
        self.init(name: name, query: Query(query))
    }

    /// The same for a query folded once, for matching it against many names.
    public init?(name: String, query: Query) {
        let name = Self.foldedScalars(name)
        let query = query.scalars
        guard !query.isEmpty else { return nil }
        nameLength = name.count
        if name == query {
            (tier, edits) = (.exact, 0)
        } else if name.starts(with: query) {
            (tier, edits) = (.prefix, 0)
        } else if query.count >= 3, Self.contains(name, query) {
            (tier, edits) = (.substring, 0)
        } else {
            let allowed = Self.allowedEdits(forLength: query.count)
            guard allowed > 0, name.count + allowed >= query.count else { return nil }
            let distance = Self.substringEditDistance(of: query, in: name)
            guard distance <= allowed else { return nil }
            (tier, edits) = (.fuzzy, distance)
        }
    }

    /// A query as names are compared with it (``fold(_:)``), as Unicode scalars.
    public struct Query: Sendable {
        let scalars: [UInt32]

        public init(_ text: String) { scalars = NameMatch.foldedScalars(text) }
    }

    public static func < (lhs: NameMatch, rhs: NameMatch) -> Bool {
        (lhs.tier, lhs.edits, lhs.nameLength) < (rhs.tier, rhs.edits, rhs.nameLength)
    }

    /// Misspellings tolerated in a query of `length` characters: none below 6 (too many names
    /// would match), one up to 15, two from 16. (Chinese names are mostly 8 to 15 characters of
    /// region, brand, trade and form: two edits there would let the whole brand differ.)
    public static func allowedEdits(forLength length: Int) -> Int {
        switch length {
        case ..<6: 0
        case ..<16: 1
        default: 2
        }
    }

    /// `query` cut into `allowedEdits + 1` consecutive pieces: a name within that many edits of
    /// the query contains at least one piece unchanged, so the pieces find every candidate.
    public static func pieces(of query: String) -> [String] {
        let characters = Array(query)
        let count = allowedEdits(forLength: characters.count) + 1
        guard count > 1 else { return [] }
        let size = characters.count / count
        return (0..<count).map { index in
            let end = index == count - 1 ? characters.count : (index + 1) * size
            return String(characters[(index * size)..<end])
        }
    }

    /// The text as names are compared: full-width ASCII forms (U+FF01–U+FF5E) as ASCII, white
    /// space (U+3000 included) runs as one space, trimmed, lower-cased, and invisible format
    /// characters (zero-width spaces and joiners, soft hyphens, a byte order mark) left out.
    public static func fold(_ text: String) -> String {
        String(String.UnicodeScalarView(foldedScalars(text).map { Unicode.Scalar($0)! }))
    }

    /// CJK Unified Ideographs and their Extension A: none is white space, a format character or
    /// changed by lower-casing (a test checks every one), so folding keeps them as they are.
    static let plainIdeographs: ClosedRange<UInt32> = 0x3400...0x9FFF

    /// ``fold(_:)`` as scalar values: scalars, not Characters, keep matching cheap when one
    /// query meets hundreds of candidate names.
    public static func foldedScalars(_ text: String) -> [UInt32] {
        var scalars: [UInt32] = []
        scalars.reserveCapacity(text.utf8.count)
        var pendingSpace = false
        for original in text.unicodeScalars {
            var value = original.value
            if (0xFF01...0xFF5E).contains(value) { value -= 0xFEE0 }
            if Self.plainIdeographs.contains(value) {
                // Most of a Chinese name: no property look-up (a quarter of a find's time went to them).
            } else if value < 0x80 {
                if value == 0x20 || (0x09...0x0D).contains(value) {
                    pendingSpace = !scalars.isEmpty
                    continue
                }
                if (0x41...0x5A).contains(value) { value += 0x20 }
            } else if original.properties.isWhitespace {
                pendingSpace = !scalars.isEmpty
                continue
            } else if original.properties.generalCategory == .format {
                continue  // invisible: a zero-width space, a joiner, a soft hyphen, a byte order mark
            } else if original.properties.changesWhenLowercased {
                if pendingSpace { scalars.append(0x20) }
                pendingSpace = false
                scalars += original.properties.lowercaseMapping.unicodeScalars.map(\.value)
                continue
            }
            if pendingSpace { scalars.append(0x20) }
            pendingSpace = false
            scalars.append(value)
        }
        return scalars
    }

    /// Half-width forms of full-width ASCII in `text` (U+FF01–U+FF5E as ASCII).
    public static func halfWidth(_ text: String) -> String {
        // Most text has nothing to shift: then it is returned as it is, not rebuilt.
        let fullWidth: ClosedRange<UInt32> = 0xFF01...0xFF5E
        guard text.unicodeScalars.contains(where: { fullWidth.contains($0.value) }) else { return text }
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            scalars.append(fullWidth.contains(scalar.value) ? Unicode.Scalar(scalar.value - 0xFEE0)! : scalar)
        }
        return String(scalars)
    }

    private static func contains(_ text: [UInt32], _ part: [UInt32]) -> Bool {
        guard part.count <= text.count else { return false }
        return (0...(text.count - part.count)).contains { text[$0..<($0 + part.count)].elementsEqual(part) }
    }

    /// The fewest edits turning `pattern` into some substring of `text` (Sellers' algorithm).
    static func substringEditDistance(of pattern: [UInt32], in text: [UInt32]) -> Int {
        guard !pattern.isEmpty else { return 0 }
        // column[i]: edits to match pattern[..<i] ending at the current text position.
        var column = Array(0...pattern.count)
        var best = column[pattern.count]
        for character in text {
            var diagonal = column[0]
            column[0] = 0  // a match may start anywhere in the text
            for i in 1...pattern.count {
                let above = column[i]
                column[i] = min(above + 1, column[i - 1] + 1, diagonal + (pattern[i - 1] == character ? 0 : 1))
                diagonal = above
            }
            best = min(best, column[pattern.count])
            if best == 0 { break }
        }
        return best
    }
}
