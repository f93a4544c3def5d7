import QCreditDomain
import QCreditStore

/// A file found by name, as the caller's view shows it.
public struct EnterpriseMatch: Sendable {
    public var enterprise: Enterprise
    /// The name that matched: the current name or a former one.
    public var matchedName: String
    public var isFormerName: Bool
    public var match: NameMatch
    /// The grade letter in force now, as GetGrade would answer it.
    public var grade: String?
    /// The lists the file is on now, as GetGrade would answer them.
    public var listed: [String] = []

    /// How matches are ranked: the kind of match, fewer misspellings, a current name before a
    /// former one (whoever is called this now is likelier the firm asked about than one that
    /// was once), then the shorter name (the closer fit).
    static func rank(_ match: NameMatch, isFormerName: Bool) -> Rank {
        Rank(tier: match.tier.rawValue, edits: match.edits, former: isFormerName ? 1 : 0, nameLength: match.nameLength)
    }

    var rank: Rank { Self.rank(match, isFormerName: isFormerName) }

    struct Rank: Comparable {
        var tier: Int
        var edits: Int
        var former: Int
        var nameLength: Int

        static func < (lhs: Rank, rhs: Rank) -> Bool {
            (lhs.tier, lhs.edits, lhs.former, lhs.nameLength) < (rhs.tier, rhs.edits, rhs.former, rhs.nameLength)
        }
    }
}

extension Registry {
    public static let defaultFindLimit = 20
    public static let maximumFindLimit = 100
    /// Names each index probe may bring back; a probe that brings back this many is followed
    /// by a narrower one (prefix, then the whole name).
    static let findCandidatesPerProbe = 300
    /// Names a look-up around a misspelling reads at most (each checked for the sides together).
    static let misspellingScanLimit = 20_000

    /// Files whose current or former name matches `name` (see ``NameMatch`` for the ranking),
    /// best first, at most `limit`. The public view applies the one public-view rule
    /// (``RegistryReader/shown(_:visibility:)``): a former name it leaves out finds nothing.
    /// Queries of one or two characters match names that start with them.
    public func findEnterprises(name: String, limit: Int? = nil, view: RecordView) async throws -> [EnterpriseMatch] {
        // Tabs and line breaks in a query are white space like any other (pasted from a table,
        // say); names hold neither.
        let query = try TextField.required(Self.controlSpacesAsSpaces(name), "name", maxLength: 200)
        // Invisible format characters do not matter in names (the fold drops them): a query of
        // nothing else is as empty as one of spaces.
        guard !NameMatch.fold(query).unicodeScalars.allSatisfy(\.properties.isWhitespace) else {
            throw RegistryError.invalidArgument(parameter: "name", reason: "must not be empty")
        }
        let limit = limit ?? Self.defaultFindLimit
        guard (1...Self.maximumFindLimit).contains(limit) else {
            throw RegistryError.invalidArgument(parameter: "limit", reason: "must be 1 to \(Self.maximumFindLimit), not \(limit)")
        }
        let policy = self.policy
        let now = clock.now()
        let date = now.civilDate(in: utcOffset)
        let visibility = self.visibility(view)
        let crowded = crowdedNameProbes
        return try await database.read { reader in
            let ranked = try Self.candidates(for: query, reader: reader, crowded: crowded)
            var found: [EnterpriseMatch] = []
            for (enterpriseId, hits) in ranked {
                // Candidates come best possible match first: once `limit` are found and no
                // later candidate can do better than the worst kept (even by its current name),
                // the rest cannot enter.
                // Ties go to the older file, and candidates of equal match come oldest first: one
                // that could at best tie the worst kept, being younger, cannot enter either.
                if found.count >= limit, let worst = found.last,
                    (EnterpriseMatch.rank(hits[0].match, isFormerName: false), enterpriseId) > (worst.rank, worst.enterprise.id)
                {
                    break
                }
                guard let enterprise = try reader.enterprise(id: enterpriseId) else { continue }
                // The file's best name by the ranking rule, which puts the current name before a
                // former one that matches as well (hits are ordered by match alone: a former
                // `Zeta Sorting Test` came before the current `zeta sorting test`).
                func rank(_ hit: (name: String, match: NameMatch)) -> EnterpriseMatch.Rank {
                    EnterpriseMatch.rank(hit.match, isFormerName: hit.name != enterprise.name)
                }
                let hit: (name: String, match: NameMatch)
                if let best = hits.min(by: { rank($0) < rank($1) }), best.name == enterprise.name {
                    hit = best  // the current name is always shown
                } else {
                    let shown = try reader.shown(enterprise, visibility: visibility)
                    let visibleNames = Set([shown.name] + shown.formerNames)
                    guard let visible = hits.filter({ visibleNames.contains($0.name) }).min(by: { rank($0) < rank($1) }) else { continue }
                    hit = visible
                }
                let grade = try reader.gradeView(enterprise: enterprise, at: now, date: date, policy: policy, visibility: visibility)
                found.append(
                    EnterpriseMatch(
                        enterprise: enterprise, matchedName: hit.name, isFormerName: hit.name != enterprise.name,
                        match: hit.match, grade: grade.inForce.grade, listed: grade.listTypes))
                found.sort { ($0.rank, $0.enterprise.id) < ($1.rank, $1.enterprise.id) }
                if found.count > limit { found.removeLast() }
            }
            return found
        }
    }

    private static func controlSpacesAsSpaces(_ text: String) -> String {
        guard text.utf8.contains(where: { (0x09...0x0D).contains($0) }) else { return text }
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars { scalars.append((0x09...0x0D).contains(scalar.value) ? " " : scalar) }
        return String(scalars)
    }

    /// Every name the indexes offer for `query`, matched and grouped by file: files in order of
    /// their best match, each file's names best first.
    private static func candidates(for query: String, reader: RegistryReader, crowded keptAnswers: CrowdedNameProbes) throws
        -> [(Int64, [(name: String, match: NameMatch)])]
    {
        // The index holds names folded (full-width ASCII as ASCII, white space runs as one
        // space, lower case: Schema/0022), so the query is looked up folded too; the pieces
        // below are then the same whatever forms and spaces were typed.
        let folded = NameMatch.fold(query)
        var hits: Set<NameHit> = []
        // Each probe brings back at most findCandidatesPerProbe names, oldest first; a narrower
        // probe runs only when the wider one may have left its names out (every name that
        // starts with the query contains it), so that the exact and prefix matches of a common
        // word are not crowded out.
        let probes: [(String, Int) throws -> [NameHit]] = [
            { try reader.names(containing: $0, limit: $1, crowded: keptAnswers) },
            { try reader.names(startingWith: $0, limit: $1, crowded: keptAnswers) },
            { try reader.names(equalTo: $0, limit: $1, crowded: keptAnswers) },
        ]
        for probe in probes.dropFirst(folded.count >= 3 ? 0 : 1) {
            let found = try probe(folded, findCandidatesPerProbe)
            hits.formUnion(found)
            if found.count < findCandidatesPerProbe { break }
        }
        // A misspelt query holds one of its pieces unchanged. Each piece's words are looked up
        // too, so that a space typed where the name has none still finds it (as a misspelling).
        var crowded: [Bool] = []
        let pieces = NameMatch.pieces(of: folded)
        for piece in pieces {
            let words = piece.split(separator: " ").map(String.init)
            var full = false
            for probe in Set([piece] + words) where probe.count >= 3 {
                let found = try reader.names(containing: probe, limit: findCandidatesPerProbe, crowded: keptAnswers)
                hits.formUnion(found)
                full = full || found.count >= findCandidatesPerProbe
            }
            crowded.append(full)
        }
        // Tried only for a query that no name holds whole, which is most likely misspelt: each
        // place costs an index look-up, and a query found as typed needs no such search.
        let ranked = rank(hits, for: query)
        guard pieces.count == 2, crowded.contains(true), !ranked.contains(where: { $0.1[0].match.tier < .fuzzy }) else {
            return ranked
        }
        // A piece most names hold (有限公司) brings back only the oldest of them, which may
        // leave out the file whose other piece holds the misspelling: each place in that other
        // piece the one misspelling may be is tried. (A misspelling in the crowded piece left
        // the other whole, and its own probe found the file.)
        let start = crowded[0] ? pieces[0].count : 0
        let positions = crowded[0] && crowded[1] ? 0..<folded.count : start..<start + pieces[crowded[0] ? 1 : 0].count
        hits.formUnion(try misspeltOnce(folded, at: positions, reader: reader, crowded: keptAnswers))
        return rank(hits, for: query)
    }

    /// Names holding the text on each side of one of `query`'s characters at `positions` (the
    /// misspelling: a character wrong, missing or extra leaves both sides whole), each side as
    /// its words; the index is asked for those of three characters or more.
    private static func misspeltOnce(
        _ query: String, at positions: Range<Int>, reader: RegistryReader, crowded: CrowdedNameProbes
    ) throws -> Set<NameHit> {
        let characters = Array(query)
        var hits: Set<NameHit> = []
        for position in positions {
            let sides: [ArraySlice<Character>] = [characters[..<position], characters[(position + 1)...]]
            var texts: [String] = []
            for side in sides {
                for word in side.split(separator: " ") { texts.append(String(word)) }
            }
            guard texts.contains(where: { $0.count >= 3 }) else { continue }
            let holdingBoth = try reader.names(containingAll: texts, limit: findCandidatesPerProbe, crowded: crowded)
            hits.formUnion(holdingBoth)
            // The sides held together around the misspelling: when more names than a probe
            // brings back hold both sides apart, the one that holds them together is still found
            // (when fewer do, the probe above brought back every one).
            guard holdingBoth.count >= findCandidatesPerProbe else { continue }
            hits.formUnion(
                try reader.names(
                    around: String(sides[0]), misspelt: String(characters[position]), right: String(sides[1]),
                    limit: findCandidatesPerProbe, scanLimit: misspellingScanLimit))
        }
        return hits
    }

    /// The names matched against `query` and grouped by file: files in order of their best
    /// match, each file's names best first.
    private static func rank(_ hits: Set<NameHit>, for query: String) -> [(Int64, [(name: String, match: NameMatch)])] {
        var byFile: [Int64: [(name: String, match: NameMatch)]] = [:]
        let folded = NameMatch.Query(query)
        for hit in hits {
            guard let match = NameMatch(name: hit.name, query: folded) else { continue }
            byFile[hit.enterpriseId, default: []].append((hit.name, match))
        }
        return byFile.map { id, names in (id, names.sorted { ($0.match, $0.name) < ($1.match, $1.name) }) }
            .sorted { ($0.1[0].match, $0.0) < ($1.1[0].match, $1.0) }
    }
}
