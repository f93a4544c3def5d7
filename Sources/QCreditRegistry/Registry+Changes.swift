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
    /// The log index a feed with no `since` starts after: the current end of the log.
    public func logEnd() async throws -> Int64 {
        try await database.read { try $0.publicationCount() } - 1
    }

    /// The follower's target for codes, or for one of its watch lists (checked to exist).
    public func watchTarget(codes: [String]?, watchList: String?, by caller: Caller) async throws -> WatchTarget {
        switch (codes, watchList) {
        case (let codes?, nil):
            guard !codes.isEmpty else { throw RegistryError.invalidArgument(parameter: "codes", reason: "is empty") }
            return .codes(Set(try codes.map(Self.normalisedCode)))
        case (nil, let name?):
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
    /// `listing-ended` with no details — only to a follower that may have seen the listing:
    /// one whose feed reported it (`listingsShown`), or that followed from a cursor
    /// (`followingSince`) at or after the listing's publication, when the listing was public.
    /// A follower that replays the log from before the listing learns nothing of it.
    public func changes(
        after cursor: Int64, target: WatchTarget, view: RecordView, followingSince: Int64 = .max,
        listingsShown: Set<Int64> = [], scanLimit: Int = 128
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
            for (index, enterpriseId) in try reader.filePublications(after: cursor, through: reached) {
                let codes = try reader.codes(enterpriseId: enterpriseId)
                switch target {
                case .codes(let watched): guard codes.contains(where: watched.contains) else { continue }
                case .list: guard try reader.watchList(listId!, watches: enterpriseId) else { continue }
                }
                let code = codes.first { $0.count == 18 } ?? codes.first ?? ""
                guard let (kind, bytes) = try reader.publication(index: index) else { continue }
                let record = try JSONValue.parse(bytes)
                let listingId = record["listing"]?["id"]?.intValue
                if view == .public, try !reader.isDisclosed(index, on: today) {
                    if kind == .removal, let listingId,
                        try listingsShown.contains(listingId)
                            || (reader.existingListing(listingId).listedStep?.publicationIndex).map({ $0 <= followingSince }) ?? false
                    {
                        changes.append(WatchChange(cursor: index, code: code, kind: .listingEnded))
                    }
                    continue
                }
                // The grade in force before: the newest earlier grade (an override that just ended
                // included) that the viewer may see.
                let previous =
                    kind == .grade
                    ? try reader.publishedGrades(enterpriseId: enterpriseId, before: index).first { earlier in
                        try view != .public || reader.isDisclosed(earlier.index, on: today)
                    }?.grade : nil
                if let change = WatchChange.from(record: record, cursor: index, code: code, previousGrade: previous) {
                    if change.kind == .listed, let listingId { listingsShown.insert(listingId) }
                    changes.append(change)
                }
            }
            return ChangePage(changes: changes, cursor: reached, atEnd: reached == end, listingsShown: listingsShown)
        }
    }
}
