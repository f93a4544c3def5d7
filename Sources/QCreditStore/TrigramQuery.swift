import QCreditDomain

/// A query of the name index for the names that hold a text, and the check that a name found
/// holds it.
///
/// The index keeps no positions (Schema/0018): it answers which names hold each trigram (three
/// Unicode scalars, as FTS5's `trigram` tokenizer cuts them), not where. A name holding the text
/// holds every trigram of it, so the AND of the text's trigrams finds it; a name found may also
/// hold them apart, and ``isHeld(in:)`` is what keeps it or not. For the same reason the query
/// need not ask for every trigram: it asks for a few that tell names apart.
///
/// ```swift
/// let query = TrigramQuery("黔南某某")
/// query.match          // "\"黔南某\" AND \"南某某\""
/// query.isHeld(in: "贵州黔南某某水泥有限公司")  // true
/// ```
struct TrigramQuery: Equatable {
    /// The FTS5 `MATCH` expression: some of the text's trigrams (see ``trigramsAsked``), joined
    /// by AND; nil for a text shorter than a trigram, which no index term can find.
    let match: String?
    /// The text's distinct trigrams, each with how many of its characters are the legal forms'
    /// (``legalFormCharacters``): the fewer, the fewer names hold it.
    let trigrams: [Trigram]

    struct Trigram: Equatable {
        var text: String
        var legalCharacters: Int
    }
    /// The text as names are indexed (``NameIndexKey``: NameMatch's fold), as scalar values.
    private let folded: [UInt32]

    /// Characters of the legal forms that end nearly every Chinese company name (有限公司,
    /// 有限责任公司, 股份有限公司, 集团) and the mark after every name: a trigram made only
    /// of them is in most of the index, so the AND would read most of the index to learn
    /// nothing. Such trigrams are left to ``isHeld(in:)`` unless the text has no other.
    private static let legalFormCharacters: Set<Unicode.Scalar> = Set("有限公司责任股份集团\u{3}".unicodeScalars)

    /// At most this many trigrams are asked of the index.
    static let trigramsAsked = 3

    init(_ text: String) {
        folded = NameMatch.foldedScalars(text)
        guard folded.count >= 3 else {
            match = nil
            trigrams = []
            return
        }
        var seen = Set<String>()
        var trigrams: [String] = []
        for start in 0...(folded.count - 3) {
            var scalars = String.UnicodeScalarView()
            scalars.append(contentsOf: folded[start..<start + 3].map { Unicode.Scalar($0)! })
            let trigram = String(scalars)
            if seen.insert(trigram).inserted { trigrams.append(trigram) }
        }
        self.trigrams = trigrams.map { Trigram(text: $0, legalCharacters: $0.unicodeScalars.filter(Self.legalFormCharacters.contains).count) }
        var asked = trigrams.filter { !$0.unicodeScalars.allSatisfy(Self.legalFormCharacters.contains) }
        if asked.isEmpty { asked = trigrams }
        // Each trigram asked for is a list the AND reads; three spread over the text (its first,
        // middle and last) already leave few names the check must refuse.
        if asked.count > Self.trigramsAsked {
            asked = [asked[0], asked[(asked.count - 1) / 2], asked[asked.count - 1]]
        }
        match = Self.conjunction(asked)
    }

    /// The FTS5 expression asking for every one of `trigrams`.
    static func conjunction(_ trigrams: [String]) -> String {
        trigrams.map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }.joined(separator: " AND ")
    }

    /// The expression for names holding every one of `queries`' texts: the trigrams fewest names
    /// hold (those with the fewest legal-form characters, in the texts' order), at most
    /// ``trigramsAsked`` over all texts; nil when no text is as long as a trigram. Each text,
    /// shorter ones too, is then checked whole.
    static func conjunction(of queries: [TrigramQuery]) -> String? {
        var seen = Set<String>()
        let all = queries.flatMap(\.trigrams).filter { seen.insert($0.text).inserted }
        // Only the rarest kind there is: a trigram with even one legal-form character (水泥有)
        // is in every name of its trade, a list the AND would read whole.
        guard let fewest = all.map(\.legalCharacters).min() else { return nil }
        return conjunction(all.filter { $0.legalCharacters == fewest }.prefix(trigramsAsked).map(\.text))
    }

    /// Whether `name` holds the text, both folded as the index holds names (``NameIndexKey``).
    func isHeld(in name: String) -> Bool {
        isHeld(inFolded: NameMatch.foldedScalars(name))
    }

    /// Whether a name already folded (``NameMatch/foldedScalars(_:)``, marks and all) holds the text.
    /// A plain loop: the standard library's `contains(_:)` of a collection (from
    /// _StringProcessing) is not specialized here and made exact-name queries 40 % slower.
    func isHeld(inFolded haystack: [UInt32]) -> Bool {
        guard haystack.count >= folded.count else { return false }
        guard let first = folded.first else { return true }
        var start = 0
        while start + folded.count <= haystack.count {
            if haystack[start] == first, haystack[start..<start + folded.count].elementsEqual(folded) { return true }
            start += 1
        }
        return false
    }
}
