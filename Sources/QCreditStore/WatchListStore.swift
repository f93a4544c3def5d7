import GRDB
import QCreditDomain

/// A watch list as its owner sees it.
public struct WatchListSummary: Sendable, Hashable {
    public var name: String
    public var size: Int

    public init(name: String, size: Int) {
        self.name = name
        self.size = size
    }
}

extension RegistryReader {
    /// The id of `owner`'s list named `name`, if it has one.
    public func watchListId(owner: UInt32, name: String) throws -> Int64? {
        try Int64.fetchOne(
            db.cachedStatement(sql: "SELECT id FROM watch_list WHERE owner_uid = ? AND name = ?"),
            arguments: [Int64(owner), name])
    }

    /// `owner`'s lists, by name.
    public func watchLists(owner: UInt32) throws -> [WatchListSummary] {
        try rows(
            """
            SELECT w.name, (SELECT COUNT(*) FROM watch_list_code c WHERE c.list_id = w.id) AS size
            FROM watch_list w WHERE w.owner_uid = ? ORDER BY w.name
            """, [Int64(owner)]
        ).map { WatchListSummary(name: $0["name"], size: $0["size"]) }
    }

    /// How many lists `owner` keeps.
    public func watchListCount(owner: UInt32) throws -> Int {
        try Int.fetchOne(db.cachedStatement(sql: "SELECT COUNT(*) FROM watch_list WHERE owner_uid = ?"), arguments: [Int64(owner)]) ?? 0
    }

    /// A list's codes in order, after `code`, at most `limit`.
    public func watchListCodes(_ listId: Int64, after code: String, limit: Int) throws -> [String] {
        try String.fetchAll(
            db.cachedStatement(sql: "SELECT code FROM watch_list_code WHERE list_id = ? AND code > ? ORDER BY code LIMIT ?"),
            arguments: [listId, code, limit])
    }

    /// Whether the list watches one of the codes the file holds, or, for a legacy file (no
    /// USCC), a USCC embedding its organization code: such a USCC finds that file.
    public func watchList(_ listId: Int64, watches enterpriseId: Int64) throws -> Bool {
        try WatchList.follows(
            fileCodes: try codes(enterpriseId: enterpriseId), watched: { try watchList(listId, holds: $0) },
            aWatchedUSCCEmbeds: { try watchList(listId, holdsAUSCCEmbedding: $0) })
    }

    func watchList(_ listId: Int64, holds code: String) throws -> Bool {
        try Bool.fetchOne(
            db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM watch_list_code WHERE list_id = ? AND code = ?)"),
            arguments: [listId, code]) ?? false
    }

    /// Whether the list holds a USCC whose characters 9–17 are `orgCode` (Schema/0023's index).
    func watchList(_ listId: Int64, holdsAUSCCEmbedding orgCode: String) throws -> Bool {
        try Bool.fetchOne(
            db.cachedStatement(
                sql: "SELECT EXISTS (SELECT 1 FROM watch_list_code WHERE list_id = ? AND length(code) = 18 AND substr(code, 9, 9) = ?)"),
            arguments: [listId, orgCode]) ?? false
    }

    /// Whether the list holds the organisation `code` names by its other code: the organization
    /// code a USCC embeds, or a USCC embedding an organization code.
    func watchList(_ listId: Int64, holdsTheOtherCodeOf code: String) throws -> Bool {
        switch code.count {
        case USCC.length: try watchList(listId, holds: USCC.embeddedOrgCode(of: code))
        case OrganizationCode.length: try watchList(listId, holdsAUSCCEmbedding: code)
        default: false
        }
    }

    /// The listings `owner`'s change feeds have shown it as `listed`.
    public func listingsShown(owner: UInt32) throws -> Set<Int64> {
        Set(
            try Int64.fetchAll(
                db.cachedStatement(sql: "SELECT listing_id FROM watch_listing_shown WHERE owner_uid = ?"), arguments: [Int64(owner)]))
    }

    /// Every code a file holds (its USCC and/or organization code).
    public func codes(enterpriseId: Int64) throws -> [String] {
        try codeEntries(enterpriseId: enterpriseId).map(\.code).sorted()
    }

    /// Publications about a file (listings, removals, grades, overrides) with indexes in
    /// `cursor + 1 ... last`, in log order.
    public func filePublications(after cursor: Int64, through last: Int64) throws -> [(index: Int64, enterpriseId: Int64)] {
        try rows(
            """
            SELECT idx, enterprise_id FROM publication
            WHERE idx > ? AND idx <= ? AND enterprise_id IS NOT NULL AND kind IS NOT NULL ORDER BY idx
            """, [cursor, last]
        ).map { ($0["idx"], $0["enterprise_id"]) }
    }

    /// The grades (computed or override) published before log index `index`, newest first, at
    /// most `limit`, with their log indexes: the grade in force before is the first one the
    /// viewer may see.
    public func publishedGrades(enterpriseId: Int64, before index: Int64, limit: Int = 16) throws -> [(grade: String, index: Int64)] {
        try rows(
            """
            SELECT grade, publication_idx FROM grade_record WHERE enterprise_id = ? AND publication_idx < ?
            ORDER BY publication_idx DESC LIMIT ?
            """, [enterpriseId, index, limit]
        ).map { row in (row[0], row[1]) }
    }
}

extension RegistryWriter {
    /// Creates `owner`'s list `name` (empty) and returns its id.
    public func createWatchList(owner: UInt32, name: String) throws -> Int64 {
        try db.cachedStatement(sql: "INSERT INTO watch_list (owner_uid, name, created_at) VALUES (?, ?, ?)")
            .execute(arguments: [Int64(owner), name, now.secondsSinceEpoch])
        return db.lastInsertedRowID
    }

    public func clearWatchList(_ listId: Int64) throws {
        try db.cachedStatement(sql: "DELETE FROM watch_list_code WHERE list_id = ?").execute(arguments: [listId])
    }

    public func deleteWatchList(_ listId: Int64) throws {
        try clearWatchList(listId)
        try db.cachedStatement(sql: "DELETE FROM watch_list WHERE id = ?").execute(arguments: [listId])
    }

    /// Adds codes (already normalised); codes already on the list are left as they are, and so
    /// is an organisation it holds by its other code (a USCC and the organization code it embeds).
    public func addToWatchList(_ listId: Int64, codes: [String]) throws {
        let statement = try db.cachedStatement(sql: "INSERT OR IGNORE INTO watch_list_code (list_id, code) VALUES (?, ?)")
        for code in codes where try !reader.watchList(listId, holdsTheOtherCodeOf: code) {
            try statement.execute(arguments: [listId, code])
        }
    }

    /// Takes codes off the list, with the organisation each names: the organization code a USCC
    /// embeds, and the USCCs embedding an organization code.
    public func removeFromWatchList(_ listId: Int64, codes: [String]) throws {
        let statement = try db.cachedStatement(sql: "DELETE FROM watch_list_code WHERE list_id = ? AND code = ?")
        let usccs = try db.cachedStatement(
            sql: "DELETE FROM watch_list_code WHERE list_id = ? AND length(code) = 18 AND substr(code, 9, 9) = ?")
        for code in codes {
            try statement.execute(arguments: [listId, code])
            switch code.count {
            case USCC.length: try statement.execute(arguments: [listId, USCC.embeddedOrgCode(of: code)])
            case OrganizationCode.length: try usccs.execute(arguments: [listId, code])
            default: break
            }
        }
    }

    /// Notes that `owner`'s change feed showed these listings as `listed`.
    public func noteListingsShown(owner: UInt32, listingIds: Set<Int64>) throws {
        let statement = try db.cachedStatement(sql: "INSERT OR IGNORE INTO watch_listing_shown (owner_uid, listing_id) VALUES (?, ?)")
        for id in listingIds.sorted() { try statement.execute(arguments: [Int64(owner), id]) }
    }
}
