import CanonicalJSON
import QCreditDomain
import QCreditStore

/// Which files a change feed follows.
public enum WatchTarget: Sendable {
    /// These codes (normalised).
    case codes(Set<String>)
    /// The watch list `name` of the peer `owner`.
    case list(name: String, owner: UInt32)
}

/// One read of a change feed: the changes found and how far the log was read.
public struct ChangePage: Sendable {
    public var changes: [WatchChange]
    /// The last log index read: the next page starts after it.
    public var cursor: Int64
    /// Whether `cursor` is the end of the log when the page was read.
    public var atEnd: Bool
    /// The listings this feed has reported `listed`, with those of this page: give it to the next page.
    public var listingsShown: Set<Int64>
}

extension Registry {
    /// The listings the caller's change feeds were shown as `listed` (none for a call without a peer).
    public func listingsShown(to caller: Caller) async throws -> Set<Int64> {
        guard let owner = caller.peer?.uid else { return [] }
        return try await database.read { try $0.listingsShown(owner: owner) }
    }

    /// Notes, before a feed sends them, the listings it is about to show its peer as `listed`:
    /// if one ends out of the public's sight, that peer alone is told it ended.
    public func noteListingsShown(_ ids: Set<Int64>, to caller: Caller) async throws {
        guard let owner = caller.peer?.uid, !ids.isEmpty else { return }
        var audited = caller
        audited.parameters = ["listingsShown": .array(ids.sorted().map(JSONValue.int))]
        try await write(by: audited) { writer in try writer.noteListingsShown(owner: owner, listingIds: ids) }
    }

    /// The log index a feed with no `since` starts after: the current end of the log.
    public func logEnd() async throws -> Int64 {
        try await database.read { try $0.publicationCount() } - 1
    }

    /// The follower's target for codes, or for one of its watch lists (checked to exist).
    public func watchTarget(codes: [String]?, watchList: String?, by caller: Caller) async throws -> WatchTarget {
        switch (codes, watchList) {
        case (let codes?, nil):
            guard !codes.isEmpty else { throw RegistryError.invalidArgument(parameter: "codes", reason: "is empty") }
            return .codes(Set(try await watchableCodes(codes)))
        case (nil, let name?):
            let name = try Self.watchListName(name, parameter: "watchList")
            let owner = try Self.owner(caller)
            guard try await database.read({ try $0.watchListId(owner: owner, name: name) }) != nil else {
                throw RegistryError.watchListNotFound(name: name)
            }
            return .list(name: name, owner: owner)
        default:
            throw RegistryError.invalidArgument(parameter: "codes", reason: "give either codes or watchList, not both or neither")
        }
    }

    /// The changes to files `target` follows published after log index `cursor`, reading at
    /// most `scanLimit` log entries, in log order, as `view` shows them. A stream holds one such
    /// page at a time, so the page's size bounds what a reader that stops reading can cost.
    ///
    /// Changes are derived from the durable publication records, so the same cursor always
    /// gives the same changes (no gap, no repeat), across restarts. In the public view a record
    /// no longer disclosed is left out, but a removal no longer disclosed (as removals are at
    /// once under the default policy, and always after repair or revocation) is reported as
    /// `listing-ended` with no details — only to a follower that was shown the listing: one
    /// whose feeds reported it `listed` (`listingsShown`: this feed's, and those noted for its
    /// peer by ``noteListingsShown(_:to:)``). A cursor alone is no such proof (anyone can send
    /// one), so any other follower learns nothing of the listing, whatever cursor it resumes from.
    public func changes(
        after cursor: Int64, target: WatchTarget, view: RecordView, listingsShown: Set<Int64> = [], scanLimit: Int = 128
    ) async throws -> ChangePage {
        let today = self.today
        return try await database.read { reader in
            let end = try reader.publicationCount() - 1
            let listId: Int64?
            if case .list(let name, let owner) = target {
                guard let id = try reader.watchListId(owner: owner, name: name) else {
                    throw RegistryError.watchListNotFound(name: name)
                }
                listId = id
            } else {
                listId = nil
            }
            guard cursor < end else { return ChangePage(changes: [], cursor: cursor, atEnd: true, listingsShown: listingsShown) }
            let reached = min(cursor + Int64(scanLimit), end)
            var changes: [WatchChange] = []
            var listingsShown = listingsShown
            // The organization codes the watched USCCs embed (``WatchList/follows``).
            let embedded: Set<String>
            if case .codes(let watched) = target {
                embedded = Set(watched.filter { $0.count == USCC.length }.map { USCC.embeddedOrgCode(of: $0) })
            } else {
                embedded = []
            }
            for (index, enterpriseId) in try reader.filePublications(after: cursor, through: reached) {
                let codes = try reader.codes(enterpriseId: enterpriseId)
                switch target {
                case .codes(let watched):
                    guard WatchList.follows(fileCodes: codes, watched: watched.contains, aWatchedUSCCEmbeds: embedded.contains) else { continue }
                case .list: guard try reader.watchList(listId!, watches: enterpriseId) else { continue }
                }
                let code = codes.first { $0.count == 18 } ?? codes.first ?? ""
                guard let (kind, bytes) = try reader.publication(index: index) else { continue }
                let record = try JSONValue.parse(bytes)
                let listingId = record["listing"]?["id"]?.intValue
                if view == .public, try !reader.isDisclosed(index, on: today) {
                    if kind == .removal, let listingId, listingsShown.contains(listingId) {
                        changes.append(WatchChange(cursor: index, code: code, kind: .listingEnded))
                    }
                    continue
                }
                // The grade in force before: the newest earlier grade (an override that just ended
                // included), when the viewer may see it. One no longer disclosed gives no `old`
                // (as a first grade has none), not an older one that is: a grade withdrawn by a
                // correction would make the change read "A → A" (and a bank sent "A → D" live
                // would never hear that D was withdrawn).
                // An override's `old` is the letter its record names, shown by the same rule.
                let previous: String?
                if kind == .grade || kind == .override,
                    let earlier = try reader.publishedGrades(enterpriseId: enterpriseId, before: index, limit: 1).first,
                    try view != .public || reader.isDisclosed(earlier.index, on: today)
                {
                    previous = earlier.grade
                } else {
                    previous = nil
                }
                if var change = WatchChange.from(record: record, cursor: index, code: code, previousGrade: previous) {
                    if change.kind == .listed, let listingId {
                        listingsShown.insert(listingId)
                        change.listingId = listingId
                    }
                    changes.append(change)
                }
            }
            return ChangePage(changes: changes, cursor: reached, atEnd: reached == end, listingsShown: listingsShown)
        }
    }
}
