import CanonicalJSON
import QCreditDomain
import QCreditStore

/// How a call changes a watch list.
public enum WatchListEdit: String, Sendable {
    /// The list becomes exactly these codes (created if new).
    case set
    /// These codes join the list (created if new); codes already on it stay once.
    case add
    /// These codes leave the list.
    case remove
}

extension Registry {
    /// Changes the caller's watch list `name`. Lists belong to the peer (uid) that made them:
    /// another peer's list of the same name is another list, and never readable or usable.
    /// The audit entry records the list and how many codes, not the codes: a bank's loan
    /// book is its own.
    public func editWatchList(_ name: String, codes: [String], edit: WatchListEdit, by caller: Caller) async throws
        -> WatchListSummary
    {
        let owner = try Self.owner(caller)
        let name = try Self.watchListName(name)
        let normalised = try await watchableCodes(codes)
        var audited = caller
        audited.parameters = ["name": .string(name), "codes": .int(Int64(codes.count))]
        let (limit, countLimit) = (watchListLimit, watchListCountLimit)
        // One change at a time per peer (``WatchListEditGate``): a bank's flood of changes
        // never stands between a regulator's write and the writer by more than one of them.
        return try await watchListEdits.oneAtATime(for: owner) { try await self.write(by: audited) { writer in
            let existing = try writer.reader.watchListId(owner: owner, name: name)
            switch (edit, existing) {
            case (.remove, nil): throw RegistryError.watchListNotFound(name: name)
            case (.remove, let id?):
                try writer.removeFromWatchList(id, codes: normalised)
            case (_, let id?):
                if edit == .set { try writer.clearWatchList(id) }
                try writer.addToWatchList(id, codes: normalised)
            case (_, nil):
                // Empty lists hold no codes: their number is limited too.
                guard try writer.reader.watchListCount(owner: owner) < countLimit else {
                    throw RegistryError.invalidArgument(
                        parameter: "name", reason: "you keep \(countLimit) watch lists, the most a bank may; delete one to make '\(name)'")
                }
                try writer.addToWatchList(try writer.createWatchList(owner: owner, name: name), codes: normalised)
            }
            // The limit is per bank, all its lists together: a role that only reads must not be
            // able to grow the database without end by making more lists.
            let lists = try writer.reader.watchLists(owner: owner)
            let total = lists.reduce(0) { $0 + $1.size }
            guard total <= limit else { throw RegistryError.watchListTooLarge(name: name, size: total, limit: limit) }
            return lists.first { $0.name == name } ?? WatchListSummary(name: name, size: 0)
        } }
    }

    /// A watch list's name as every method takes it: one line of at most 100 code points, the
    /// white space around it trimmed, so that the list a name made is the list it finds.
    static func watchListName(_ name: String, parameter: String = "name") throws(RegistryError) -> String {
        let name = try TextField.line(name, parameter, maxLength: 100)
        // A name is all a bank has to tell its lists apart: beside the overrides every text field
        // refuses, the marks (U+200E, U+200F, U+061C) and zero-width characters inside would make
        // lists that read the same and are not ("loans" and "loans\u{200F}").
        if let hidden = name.unicodeScalars.first(where: Self.hidesItselfInAName) {
            throw .invalidArgument(
                parameter: parameter,
                reason: "contains the invisible character \(hidden.notation): two lists would read the same")
        }
        return name
    }

    private static func hidesItselfInAName(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isBidiControl || scalar == "\u{200B}" || scalar == "\u{2060}" || scalar == "\u{FEFF}"
    }

    /// Deletes the caller's watch list `name`.
    public func deleteWatchList(_ name: String, by caller: Caller) async throws {
        let name = try Self.watchListName(name)
        let owner = try Self.owner(caller)
        var audited = caller
        audited.parameters = ["name": .string(name)]
        try await watchListEdits.oneAtATime(for: owner) {
            try await self.write(by: audited) { writer in
                guard let id = try writer.reader.watchListId(owner: owner, name: name) else {
                    throw RegistryError.watchListNotFound(name: name)
                }
                try writer.deleteWatchList(id)
            }
        }
    }

    /// The caller's watch lists.
    public func watchLists(of caller: Caller) async throws -> [WatchListSummary] {
        let owner = try Self.owner(caller)
        return try await database.read { try $0.watchLists(owner: owner) }
    }

    /// A page of the caller's list `name`, in code order after `code`.
    public func watchListCodes(_ name: String, after code: String, limit: Int, of caller: Caller) async throws -> [String] {
        let name = try Self.watchListName(name)
        let owner = try Self.owner(caller)
        return try await database.read { reader in
            guard let id = try reader.watchListId(owner: owner, name: name) else { throw RegistryError.watchListNotFound(name: name) }
            return try reader.watchListCodes(id, after: code, limit: limit)
        }
    }

    /// Codes as watch lists keep them; an invalid one is refused, unless a file holds it as
    /// written (normalised): a code really issued with a wrong check character and admitted on
    /// registration is answered by `GetGrade`, so a bank can follow it too.
    func watchableCodes(_ codes: [String]) async throws -> [String] {
        var normalised: [String] = []
        normalised.reserveCapacity(codes.count)
        var refused: [(index: Int, error: RegistryError)] = []
        for (index, code) in codes.enumerated() {
            do {
                normalised.append(try EnterpriseCode(validating: code).value)
            } catch {
                normalised.append(EnterpriseCode.normalize(code))
                refused.append((index, RegistryError.invalidCode(error).within("codes[\(index)]")))
            }
        }
        guard !refused.isEmpty else { return normalised }
        let candidates = refused.map { normalised[$0.index] }
        let admitted = try await database.read { reader in
            try candidates.map { try reader.enterpriseId(exactCode: $0) != nil }
        }
        if let first = zip(refused, admitted).first(where: { !$0.1 }) { throw first.0.error }
        return normalised
    }

    static func owner(_ caller: Caller) throws(RegistryError) -> UInt32 {
        guard let peer = caller.peer else {
            throw .invalidArgument(parameter: "name", reason: "watch lists belong to a peer; this call has none")
        }
        return peer.uid
    }
}
