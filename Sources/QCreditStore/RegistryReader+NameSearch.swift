import GRDB
import QCreditDomain

/// A name a credit file carries or carried, as the name index finds it.
public struct NameHit: Sendable, Hashable {
    public var enterpriseId: Int64
    public var name: String

    public init(enterpriseId: Int64, name: String) {
        self.enterpriseId = enterpriseId
        self.name = name
    }
}

/// The marks around every name in the trigram index (Schema/0015): two U+0002 before and one
/// U+0003 after, control characters no name can hold. They make "starts with" and "is" queries
/// of three characters or more, so the one index answers exact, prefix and substring
/// matches, even for a query of one character.
enum NameIndexMarks {
    static let start = "\u{2}\u{2}"
    static let end = "\u{3}"
    /// The marks as folded scalar values (folding leaves them as they are).
    static let foldedStart: [UInt32] = [2, 2]
    static let foldedEnd: [UInt32] = [3]
}

extension RegistryReader {
    /// Names equal to `prefix` or starting with it, at most `limit` of them, oldest first. Every
    /// text these look-ups take is compared folded (``NameIndexKey``), as the index holds names. Any length of query: the marks make even one character a trigram.
    public func names(startingWith prefix: String, limit: Int, crowded: CrowdedNameProbes? = nil) throws -> [NameHit] {
        try names(matchingPhrase: NameIndexMarks.start + prefix, limit: limit, crowded: crowded)
    }

    /// Names equal to `name` (case-insensitive), at most `limit` of them, oldest first.
    public func names(equalTo name: String, limit: Int, crowded: CrowdedNameProbes? = nil) throws -> [NameHit] {
        try names(matchingPhrase: NameIndexMarks.start + name + NameIndexMarks.end, limit: limit, crowded: crowded)
    }

    /// Names containing `text` (three characters or more; case-insensitive), at most `limit` of
    /// them, oldest first. `crowded` keeps and gives back the full answers (see ``CrowdedNameProbes``).
    public func names(containing text: String, limit: Int, crowded: CrowdedNameProbes? = nil) throws -> [NameHit] {
        try names(matchingPhrase: text, limit: limit, crowded: crowded)
    }

    /// Names containing every one of `texts` (case-insensitive; at least one of three characters
    /// or more, which the index is asked for), anywhere and in any order, at most `limit` of
    /// them, oldest first: a misspelt query's two sides around the misspelling.
    public func names(containingAll texts: [String], limit: Int, crowded: CrowdedNameProbes? = nil) throws -> [NameHit] {
        try crowdedAnswer(texts, limit: limit, crowded: crowded) {
            let queries = texts.map(TrigramQuery.init)
            guard let match = TrigramQuery.conjunction(of: queries) else { return [] }
            return try names(matching: match, heldBy: queries, limit: limit)
        }
    }

    /// Names in which `left` and `right` stand around what one misspelling of `middle` leaves
    /// in the name: nothing (it was typed in excess), one character (typed wrong), or `middle`
    /// with one character before or after it (one was left out), at most `limit` of them, oldest
    /// first, reading at most `scanLimit` names the index offers. Unlike ``names(containingAll:limit:crowded:)``
    /// this keeps the sides together: names that hold both apart (`浙江1号茶叶贸易1有限公司` for
    /// `茶叶贸龘有限公司`) do not take the limit from the one that holds them around one character.
    ///
    /// The texts are the pieces of a folded query, taken as they are (folded again, a side's
    /// space at the misspelling would be dropped: `acme ` of `acme xrading co`). Each side must
    /// have a trigram: a side of one or two characters would leave the other's look-up alone to
    /// read thousands of names holding `有限公司`.
    public func names(around left: String, misspelt middle: String, right: String, limit: Int, scanLimit: Int) throws
        -> [NameHit]
    {
        let sides = [TrigramQuery(left), TrigramQuery(right)]
        guard sides.allSatisfy({ $0.match != nil }), let match = TrigramQuery.conjunction(of: sides) else { return [] }
        let (l, r, m) = (
            left.unicodeScalars.map(\.value), right.unicodeScalars.map(\.value), middle.unicodeScalars.map(\.value)
        )
        let found = try Row.fetchCursor(db.cachedStatement(sql: Self.nameSearchSQL), arguments: [match])
        var hits: [NameHit] = []
        var scanned = 0
        while hits.count < limit, scanned < scanLimit, let row = try found.next() {
            scanned += 1
            let name: String = row["name"]
            let marked = NameIndexMarks.foldedStart + NameMatch.foldedScalars(name) + NameIndexMarks.foldedEnd
            guard Self.holds(marked, left: l, middle: m, right: r) else { continue }
            hits.append(NameHit(enterpriseId: row["enterprise_id"], name: name))
        }
        return hits
    }

    /// Whether `name` holds `left`, then what one misspelling of `middle` (one character, or
    /// none) leaves, then `right`.
    static func holds(_ name: [UInt32], left: [UInt32], middle: [UInt32], right: [UInt32]) -> Bool {
        func has(_ part: [UInt32], at start: Int) -> Bool {
            start >= 0 && start + part.count <= name.count && name[start..<start + part.count].elementsEqual(part)
        }
        guard name.count >= left.count + right.count else { return false }
        for start in 0...(name.count - left.count) where has(left, at: start) {
            let end = start + left.count
            if has(right, at: end) || has(right, at: end + 1) { return true }
            if end + 2 <= name.count, middle.count == 1, name[end] == middle[0] || name[end + 1] == middle[0], has(right, at: end + 2) {
                return true
            }
        }
        return false
    }

    private static let nameSearchSQL = """
        SELECT r.enterprise_id, r.name FROM enterprise_name_search s JOIN enterprise_revision r ON r.id = s.rowid
        WHERE enterprise_name_search MATCH ?
        """

    private func names(matchingPhrase text: String, limit: Int, crowded: CrowdedNameProbes?) throws -> [NameHit] {
        try crowdedAnswer([text], limit: limit, crowded: crowded) {
            let query = TrigramQuery(text)
            guard let match = query.match else { return [] }
            return try names(matching: match, heldBy: [query], limit: limit)
        }
    }

    /// `lookUp()`, or the answer `crowded` kept for the same texts (each folded, as the index holds names).
    private func crowdedAnswer(_ texts: [String], limit: Int, crowded: CrowdedNameProbes?, _ lookUp: () throws -> [NameHit])
        throws -> [NameHit]
    {
        guard let crowded else { return try lookUp() }
        // U+0001 is in no name nor query (control characters are refused), so the key is the texts' alone.
        return try crowded.answer(texts.map(NameMatch.fold).joined(separator: "\u{1}"), limit: limit, lookUp)
    }

    private func names(matching match: String, heldBy queries: [TrigramQuery], limit: Int) throws -> [NameHit] {
        // The index keeps no names (Schema/0016): each of its rows is the revision that brought
        // one. It keeps no positions either (Schema/0018): a name it finds may hold the text's
        // trigrams apart, so each is checked before it counts towards the limit.
        let found = try Row.fetchCursor(db.cachedStatement(sql: Self.nameSearchSQL), arguments: [match])
        var hits: [NameHit] = []
        while hits.count < limit, let row = try found.next() {
            let name: String = row["name"]
            let marked = NameIndexMarks.foldedStart + NameMatch.foldedScalars(name) + NameIndexMarks.foldedEnd
            guard queries.allSatisfy({ $0.isHeld(inFolded: marked) }) else { continue }
            hits.append(NameHit(enterpriseId: row["enterprise_id"], name: name))
        }
        return hits
    }
}
