import CanonicalJSON
import Synchronization
import TransparencyLog

/// Everything the daemon acknowledged during one trial: what must still be there after every
/// restart. The writers also choose their next write from it (each client only ever touches its
/// own enterprises, events and listings, so what it knows of them is exact).
final class Ledger: Sendable {
    struct Event: Sendable {
        var code: String
        var owner: Int
        var documentNumber: String
        /// For a correction: the event it replaced, and whether it is a retraction.
        var supersedes: Int64?
        var retraction = false
        /// Neither corrected nor with a correction whose reply never came.
        var correctable = true
        /// The newest log index the trial knew of before the event was sent: a grade naming the
        /// event lies after it.
        var logKnownBefore: Int64 = -1
    }

    struct Step: Sendable, Hashable {
        var step: String
        var state: String
    }

    struct Listing: Sendable {
        var code: String
        var owner: Int
        var listType: String
        var steps: [Int64: Step] = [:]
        /// The state after the last acknowledged step.
        var state: String
        /// A step was sent and no reply came (the daemon was killed): the daemon may be one step on.
        var unsettled = false
        var logIndex: Int64?
    }

    /// What an acknowledged log index must hold: a record about `code` of one of `types`.
    struct Record: Sendable {
        var code: String
        var types: Set<String>
    }

    /// A signed checkpoint seen before a kill: `note` verbatim, and where it came from.
    struct Checkpoint: Sendable {
        var root: [UInt8]
        var note: String
        var source: String
    }

    struct State {
        var codes: [[String]]
        var nextNumber: [Int]
        var graded: [Set<String>]
        var events: [Int64: Event] = [:]
        var listings: [Int64: Listing] = [:]
        var records: [Int64: Record] = [:]
        var checkpoints: [Int64: Checkpoint] = [:]
        /// Export name → tree size.
        var exports: [String: Int64] = [:]
        /// Log indexes of published listings a removal or repair was sent for: their disclosure
        /// ends, and the registry withdraws the exports that showed them (README).
        var endedListings: Set<Int64> = []
        /// For each event a correction was sent for, the newest log index known before the event
        /// was: the grades naming it (after that index) stop being disclosed, and the registry
        /// withdraws the exports that showed them (README, disclosure rules).
        var correctedEventsAfter: Set<Int64> = []
        var acknowledgedWrites = 0
        var problems: [String] = []
        /// The log's verifier keys as the daemon first showed them, before any kill: what every
        /// restart must show again.
        var verifierKeys: [String]?
    }

    let clients: Int
    private let state: Mutex<State>

    init(clients: Int) {
        self.clients = clients
        state = Mutex(State(codes: Array(repeating: [], count: clients), nextNumber: Array(repeating: 0, count: clients),
                            graded: Array(repeating: [], count: clients)))
    }

    func read<T>(_ body: (State) -> T) -> T { state.withLock { body($0) } }

    /// The log's verifier keys, kept the first time they are seen.
    func saw(verifierKeys keys: [String]) { state.withLock { if $0.verifierKeys == nil { $0.verifierKeys = keys } } }

    /// Something the daemon did that it must not: reported when the round is checked.
    func problem(_ text: String) { state.withLock { $0.problems.append(text) } }

    /// A number unique to `owner` in this trial, for new codes and document numbers; taken even
    /// when the write it is for is never acknowledged, so nothing is reused.
    func nextNumber(of owner: Int) -> Int {
        state.withLock { state in
            defer { state.nextNumber[owner] += 1 }
            return state.nextNumber[owner]
        }
    }

    // MARK: Acknowledged writes

    func registered(_ code: String, owner: Int) {
        state.withLock { state in
            state.codes[owner].append(code)
            state.acknowledgedWrites += 1
        }
    }

    /// The newest log index the trial knows of: every record after it is newer.
    func knownLogEnd() -> Int64 { state.withLock { $0.records.keys.max() ?? -1 } }

    func recorded(events: [(id: Int64, code: String, documentNumber: String)], owner: Int, logKnownBefore: Int64) {
        state.withLock { state in
            for event in events {
                state.events[event.id] = Event(
                    code: event.code, owner: owner, documentNumber: event.documentNumber, logKnownBefore: logKnownBefore)
            }
            state.acknowledgedWrites += 1
        }
    }

    /// A correction is about to be sent: the event is not offered again until the trial knows the outcome.
    func correcting(_ eventId: Int64) {
        state.withLock { state in
            state.events[eventId]?.correctable = false
            if let event = state.events[eventId] { state.correctedEventsAfter.insert(event.logKnownBefore) }
        }
    }

    func corrected(_ eventId: Int64, by correction: Int64, documentNumber: String, retraction: Bool, logKnownBefore: Int64) {
        state.withLock { state in
            guard let old = state.events[eventId] else { return }
            state.events[correction] = Event(
                code: old.code, owner: old.owner, documentNumber: documentNumber, supersedes: eventId, retraction: retraction,
                correctable: !retraction, logKnownBefore: logKnownBefore)
            state.acknowledgedWrites += 1
        }
    }

    /// A listing step is about to be sent.
    func stepping(_ listingId: Int64) {
        state.withLock { state in
            guard var listing = state.listings[listingId] else { return }
            listing.unsettled = true
            // From `listed` every step the writers send removes it (RemoveListing, an approved repair).
            if listing.state == "listed", let index = listing.logIndex { state.endedListings.insert(index) }
            state.listings[listingId] = listing
        }
    }

    /// Whether the registry may have withdrawn an export of `treeSize` records: a listing it
    /// could show (published before it) has had its disclosure ended since, or a grade it could
    /// show named an event that was corrected or retracted since.
    func mayBeWithdrawn(treeSize: Int64) -> Bool {
        state.withLock { state in
            state.endedListings.contains { $0 < treeSize } || state.correctedEventsAfter.contains { treeSize > $0 + 1 }
        }
    }

    /// A reply carrying `listing` (ProposeListing and every step): its steps and state are acknowledged.
    func acknowledged(listing: JSONValue, owner: Int) throws {
        guard let id = listing["id"]?.intValue, let code = listing["uscc"]?.stringValue,
            let listType = listing["listType"]?.stringValue, let listingState = listing["state"]?.stringValue
        else { throw MalformedReply("a listing without id, uscc, listType or state: \(listing)") }
        state.withLock { state in
            var facts = state.listings[id] ?? Listing(code: code, owner: owner, listType: listType, state: listingState)
            facts.state = listingState
            facts.unsettled = false
            facts.logIndex = listing["logIndex"]?.intValue
            for step in listing["steps"]?.arrayValue ?? [] {
                guard let stepId = step["id"]?.intValue, let name = step["step"]?.stringValue, let after = step["state"]?.stringValue
                else { continue }
                facts.steps[stepId] = Step(step: name, state: after)
                if let index = step["logIndex"]?.intValue {
                    state.records[index] = Record(code: code, types: name == "listed" ? ["listing"] : ["removal"])
                }
            }
            state.listings[id] = facts
            state.acknowledgedWrites += 1
        }
    }

    /// A grade in force the daemon answered with (after PublishGrades, OverrideGrade or with
    /// evidence): the record it rests on is a grade, an override, or the listing that forces it.
    func graded(_ code: String, logIndex: Int64?, owner: Int) {
        state.withLock { state in
            state.graded[owner].insert(code)
            guard let logIndex else { return }
            state.records[logIndex] = Record(code: code, types: ["grade", "override", "listing"])
        }
    }

    func acknowledgedWrite() { state.withLock { $0.acknowledgedWrites += 1 } }

    func exported(name: String, treeSize: Int64) {
        state.withLock { state in
            state.exports[name] = treeSize
            state.acknowledgedWrites += 1
        }
    }

    /// A signed checkpoint seen anywhere (GetCheckpoint, evidence, an export, the state file);
    /// a second root for a size already seen is a fork.
    func saw(checkpoint note: String, source: String) {
        guard let checkpoint = try? TransparencyLog.Checkpoint(parsingNoteBodyOf: note) else {
            problem("\(source): not a signed checkpoint: \(note.debugDescription)")
            return
        }
        state.withLock { state in
            if let earlier = state.checkpoints[checkpoint.size] {
                if earlier.root != checkpoint.rootHash {
                    state.problems.append(
                        "the log forked: two roots signed for \(checkpoint.size) records (\(earlier.source); \(source))")
                }
                return
            }
            state.checkpoints[checkpoint.size] = Checkpoint(root: checkpoint.rootHash, note: note, source: source)
        }
    }

    // MARK: After a restart

    /// Takes what a restart check observed as the truth for unsettled items: the listing's
    /// state, and whether an event whose correction was in flight was corrected.
    func settle(listing id: Int64, state observed: String) {
        state.withLock { state in
            state.listings[id]?.state = observed
            state.listings[id]?.unsettled = false
        }
    }

    /// A listing the daemon holds that no acknowledged reply named: its proposal was in flight
    /// at the kill and committed. The owner of its enterprise takes it on from here.
    func adopt(listing id: Int64, code: String, listType: String, state observed: String) {
        state.withLock { state in
            guard state.listings[id] == nil, let owner = state.codes.firstIndex(where: { $0.contains(code) }) else { return }
            state.listings[id] = Listing(code: code, owner: owner, listType: listType, state: observed)
        }
    }

    func settle(event id: Int64, corrected: Bool) {
        state.withLock { state in
            guard let event = state.events[id] else { return }
            state.events[id]?.correctable = !corrected && !event.retraction
        }
    }
}

struct MalformedReply: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
