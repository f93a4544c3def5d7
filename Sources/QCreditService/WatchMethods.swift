import CanonicalJSON
import QCreditDomain
import QCreditRegistry
import Varlink

/// `org.qcredit.query`'s change feed and the watch lists it follows.
enum WatchMethods {
    /// Codes per `GetWatchList` reply.
    static let pageSize = 1000

    static let all: [RegistryMethod] = [
        QueryMethods.method("WatchChanges") { registry, call in
            guard call.replies.acceptsMore else { throw VarlinkError.expectedMore() }
            let target = try await registry.watchTarget(
                codes: call.parameters.optionalStrings("codes"), watchList: call.parameters.optionalString("watchList"),
                by: call.caller)
            let since = try call.parameters.optionalInt("since")
            if let since, since < -1 {
                throw RegistryError.invalidArgument(parameter: "since", reason: "must be a log index, or -1 for the whole log")
            }
            // A cursor past the log's end was never handed out: following from it would skip
            // the changes published before the log reached it.
            if let since {
                let end = try await registry.logEnd()
                guard since <= end else {
                    throw RegistryError.invalidArgument(
                        parameter: "since", reason: "\(since) is past the end of the log (its last index is \(end))")
                }
            }
            guard case .codes(let codes) = target else { return try await streamChanges(registry, call, target: target, from: since) }
            // Codes given in the call are held while the feed is open: a peer's feeds follow a
            // bounded number of them together, and their memory goes back to the system after.
            defer { FreeMemoryRelease.shared.afterCall(carrying: codes.count) }
            try await registry.codeFeeds.following(codes.count, by: call.caller.peer?.uid ?? 0) {
                try await streamChanges(registry, call, target: target, from: since)
            }
        },
        QueryMethods.method("SetWatchList") { registry, call in try await edit(.set, registry, call) },
        QueryMethods.method("AddToWatchList") { registry, call in try await edit(.add, registry, call) },
        QueryMethods.method("RemoveFromWatchList") { registry, call in try await edit(.remove, registry, call) },
        QueryMethods.method("DeleteWatchList") { registry, call in
            try await registry.deleteWatchList(call.parameters.string("name"), by: call.caller)
            try await call.reply([:])
        },
        QueryMethods.method("ListWatchLists") { registry, call in
            let lists = try await registry.watchLists(of: call.caller)
            try await call.reply(["lists": .array(lists.map { ["name": .string($0.name), "size": .int(Int64($0.size))] })])
        },
        QueryMethods.method("GetWatchList") { registry, call in
            guard call.replies.acceptsMore else { throw VarlinkError.expectedMore() }
            let name = try call.parameters.string("name")
            var after = ""
            while true {
                // One code more than a page tells whether another reply follows (a list of exactly
                // 1,000 codes is one reply, not one and an empty one).
                let read = try await registry.watchListCodes(name, after: after, limit: pageSize + 1, of: call.caller)
                let codes = read.prefix(pageSize)
                let more = read.count > pageSize
                try await call.replies.send(["codes": .array(codes.map { .string($0) })], continues: more)
                guard more, let next = codes.last else { return }
                after = next
            }
        },
    ]

    private static func edit(_ edit: WatchListEdit, _ registry: Registry, _ call: RegistryCall) async throws {
        let codes = try call.parameters.strings("codes")
        defer { FreeMemoryRelease.shared.afterCall(carrying: codes.count) }
        let summary = try await registry.editWatchList(
            call.parameters.string("name"), codes: codes, edit: edit, by: call.caller)
        try await call.reply(["name": .string(summary.name), "size": .int(Int64(summary.size))])
    }

    /// Streams changes after `since` (the current end of the log when nil) and then each new
    /// one as it is committed; never returns until the client goes away or the daemon stops.
    ///
    /// Memory stays bounded whatever the reader does: a page of the log is read only after
    /// the previous page's replies went out, and each send waits until the connection can
    /// take more (a reader that stops reading is closed after the write timeout). New commits
    /// wake the stream through the database's commit signal; nothing polls.
    private static func streamChanges(_ registry: Registry, _ call: RegistryCall, target: WatchTarget, from since: Int64?)
        async throws
    {
        var cursor: Int64
        if let since { cursor = since } else { cursor = try await registry.logEnd() }
        // Listings this peer's feeds showed before (durably noted), and those this one shows.
        var listingsShown = call.view == .public ? try await registry.listingsShown(to: call.caller) : []
        var caughtUp = false
        pages: while true {
            let seen = registry.commitGeneration
            // Taken before the page is read: a repair committed while the page goes out (to a
            // reader that stopped reading) sends the rest of it read again, under the new view.
            let mark = registry.disclosureMark
            let page = try await registry.changes(after: cursor, target: target, view: call.view, listingsShown: listingsShown)
            for change in page.changes {
                if registry.view(call.view, movedSince: mark) { continue pages }
                if call.view == .public, let listing = change.listingId, !listingsShown.contains(listing) {
                    // Noted just before it is sent: a peer shown a listing is told when it ends, and
                    // only such a peer (a page read again never leaves one noted but unsent).
                    try await registry.noteListingsShown([listing], to: call.caller)
                    listingsShown.insert(listing)
                }
                try await call.replies.send(["change": change.json, "cursor": .int(change.cursor)], continues: true)
                cursor = change.cursor
            }
            cursor = page.cursor
            guard page.atEnd else { continue }
            if !caughtUp {
                // Once: everything up to `cursor` has been sent; what follows is live.
                try await call.replies.send(["cursor": .int(cursor)], continues: true)
                caughtUp = true
            }
            try await registry.waitForCommit(after: seen)
        }
    }
}

extension WatchChange {
    var json: JSONValue {
        let object: [String: JSONValue] = [
            "cursor": .int(cursor), "code": .string(code), "kind": .string(kind.rawValue), "listType": JSONValue(listType),
            "old": JSONValue(old), "new": JSONValue(new), "reason": JSONValue(reason), "publishedAt": JSONValue(publishedAt),
        ]
        return .object(object.filter { !$0.value.isNull })
    }
}
