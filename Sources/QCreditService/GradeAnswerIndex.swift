import CMalloc
import CanonicalJSON
import Foundation
import Logging
import QCreditDomain
import QCreditRegistry
import QCreditStore
import Synchronization

/// `GetGrade` answered from memory: for every file, the values of its reply in the public and
/// the full view (see ``GradeIndexStorage``), made by the same rule and the same encoder as the
/// normal path, so the bytes are the same.
///
/// Kept current by the registry's change feed: a committed write drops the files it touched
/// before the write returns, so no answer from here predates a write that was acknowledged;
/// ``run()`` then recomputes them off the event loop. The views turn on the day (disclosure
/// ends, overrides expire, listings run out), so everything is rebuilt when the day changes;
/// until a file is back, the normal path answers for it.
public final class GradeAnswerIndex: Sendable {
    private let registry: Registry
    private let logger: Logger
    private let state = Mutex(State())
    private let wakeUps: AsyncStream<Void>
    private let wakeUp: AsyncStream<Void>.Continuation
    /// Files read per snapshot while (re)building.
    static let batchSize = 512
    /// Batches read at once while building: one a core, up to the store's four readers (a
    /// build at ten million files took 644 s one batch at a time).
    static let buildConcurrency = min(4, max(1, ProcessInfo.processInfo.activeProcessorCount))

    private struct State {
        var storage = GradeIndexStorage()
        /// The day the stored views hold for; nil until a build starts.
        var day: CivilDate?
        /// Files a write touched since they were last read.
        var dirty: Set<Int64> = []
        /// Everything is to be read again (a new day, or a write that touched unknown files).
        var rebuild = true
        /// While a build has stored nothing yet: the highest file id, to size the index for
        /// once the first files show what a record takes.
        var sizeFor: Int64?
        /// The `at` value of the last answer: one text per second.
        var atSecond: Int64 = .min
        var atText: [UInt8] = []
    }

    public init(registry: Registry, logger: Logger = Logger(label: "qcredit.grade-index")) {
        self.registry = registry
        self.logger = logger
        (wakeUps, wakeUp) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
        registry.observeFileChanges { [weak self] changes in self?.invalidate(changes) }
    }

    /// Drops what a committed write touched, before the write returns.
    private func invalidate(_ changes: FileChanges) {
        state.withLock { state in
            switch changes {
            case .everything:
                state.rebuild = true
                state.day = nil
            case .files(let ids):
                for id in ids { state.storage.remove(id) }
                state.dirty.formUnion(ids)
            }
        }
        wakeUp.yield()
    }

    /// Builds the index, then keeps it current until cancelled.
    public func run(afterEachRefresh refreshed: @Sendable () -> Void = {}) async throws {
        try await refresh()
        refreshed()
        for await _ in wakeUps {
            try await refresh()
            refreshed()
        }
    }

    /// Brings the index up to date now: a full build if one is due, else the files written
    /// since. ``run()`` does this whenever woken; tests call it to settle the index.
    public func refresh() async throws {
        let rebuild = state.withLock { state in
            defer { state.rebuild = false }
            return state.rebuild
        }
        if rebuild { try await buildAll() }
        while true {
            let ids = state.withLock { state in
                let batch = Array(state.dirty.prefix(Self.batchSize))
                state.dirty.subtract(batch)
                return batch
            }
            guard !ids.isEmpty else { return }
            try await load(ids, clearing: false)
        }
    }

    private func buildAll() async throws {
        let started = ContinuousClock.now
        try await load([], clearing: true)
        // A map sized for the files there are (a file's codes share one entry; plus room for
        // a day's new files) is a fifth smaller than one grown to the next size.
        let highestId = try await registry.highestFileId()
        state.withLock { state in
            let files = Int(clamping: highestId)
            state.storage.reserveCodes(files + files / 50)
            state.sizeFor = highestId
        }
        // Batches are read in parallel, each from its own snapshot on its own reader: a file is
        // stored from whichever snapshot read it, as when one batch follows another.
        try await withThrowingTaskGroup(of: Void.self) { group in
            var after: Int64 = 0
            var inFlight = 0
            while true {
                try Task.checkCancellation()
                let ids = try await registry.fileIds(after: after, limit: Self.batchSize)
                guard let last = ids.last else { break }
                if inFlight == Self.buildConcurrency {
                    try await group.next()
                    inFlight -= 1
                }
                group.addTask { try await self.load(ids, clearing: false) }
                inFlight += 1
                after = last
            }
            try await group.waitForAll()
        }
        let (files, bytes) = state.withLock { state in
            state.sizeFor = nil
            state.storage.trim()
            return (state.storage.fileCount, state.storage.arenaBytes)
        }
        // A build frees a snapshot's worth of decoded rows per batch on whichever threads
        // read them; glibc keeps those pages in its per-thread arenas unless asked (measured:
        // a seventh of the daemon's resident memory at 100,000 files).
        qcredit_release_free_memory()
        logger.info(
            "grade index built",
            metadata: ["files": "\(files)", "arenaBytes": "\(bytes)", "seconds": "\(Self.seconds(ContinuousClock.now - started))"])
    }

    /// A duration as a number of seconds, to the millisecond (the metadata key names the unit).
    static func seconds(_ duration: Duration) -> String {
        let (whole, fraction) = duration.components
        return String(format: "%.3f", Double(whole) + Double(fraction) / 1e18)
    }

    /// Reads `ids` from one snapshot and stores them, except files a write touched meanwhile
    /// (they are dirty again and will be read again). `clearing` starts a build: everything
    /// stored goes, and the snapshot's day becomes the index's. A batch read on another day
    /// than the index's is dropped and a rebuild is due.
    private func load(_ ids: [Int64], clearing: Bool) async throws {
        let batch = try await registry.currentGrades(ids: ids)
        let encoded = batch.files.map { file in
            (file, WireEncoding.grade(file.publicView).objectValue ?? [:], WireEncoding.grade(file.fullView).objectValue ?? [:])
        }
        let stale = state.withLock { state -> Bool in
            if clearing {
                state.storage.removeAll()
                state.day = batch.day
            } else if state.day != batch.day {
                state.day = nil
                state.rebuild = true
                return true
            }
            for (file, publicGrade, fullGrade) in encoded where !state.dirty.contains(file.enterpriseId) {
                _ = state.storage.store(id: file.enterpriseId, codes: file.codes, public: publicGrade, full: fullGrade)
            }
            if let highestId = state.sizeFor, state.storage.reserve(forFilesUpTo: highestId) { state.sizeFor = nil }
            return false
        }
        if stale { wakeUp.yield() }
    }

    /// The `GetGrade` reply parameters for `code` in one view, as JSON text; nil when the
    /// normal path must answer (an unknown or invalid code, a file not yet indexed, a new day).
    func answer(code input: String, view: RecordView) -> [UInt8]? {
        let now = registry.clock.now()
        let full = view == .full
        // A code exactly as stored names its file on the normal path too (a valid code is stored
        // in its normal form, an invalid one only as admitted); other input is first normalised
        // and validated, as the normal path does.
        let exact = PackedCode(input)
        var output: [UInt8] = []
        output.reserveCapacity(1024)
        if let exact {
            switch answer(exact, full: full, at: now, into: &output) {
            case .answered: return output
            case .newDay: return nil
            case .notIndexed: break
            }
        }
        guard let code = try? EnterpriseCode(validating: input), let key = PackedCode(code.value), key != exact,
            case .answered = answer(key, full: full, at: now, into: &output)
        else { return nil }
        return output
    }

    /// The same for a code given as the bytes of its text, appended to `output`; false (with
    /// `output` unchanged) when the code is not in the index exactly so spelled (the normal
    /// path then normalises and validates it) or at the start of a day.
    func answer(code input: UnsafeRawBufferPointer, view: RecordView, into output: inout [UInt8]) -> Bool {
        guard let key = PackedCode(utf8: input) else { return false }
        if case .answered = answer(key, full: view == .full, at: registry.clock.now(), into: &output) { return true }
        return false
    }

    private enum Lookup {
        case answered
        case notIndexed
        case newDay
    }

    /// Appends the reply to `output` when it answers; leaves `output` as it was otherwise.
    private func answer(_ key: PackedCode, full: Bool, at now: Instant, into output: inout [UInt8]) -> Lookup {
        let day = now.civilDate(in: registry.utcOffset)
        let lookup = state.withLock { state -> Lookup in
            guard state.day == day else { return .newDay }
            guard let record = state.storage.record(code: key, full: full) else { return .notIndexed }
            if state.atSecond != now.secondsSinceEpoch {
                state.atSecond = now.secondsSinceEpoch
                state.atText = JSONValue.string(now.rfc3339).encoded()
            }
            state.storage.write(record: record, at: state.atText, into: &output)
            return .answered
        }
        switch lookup {
        case .answered, .notIndexed: return lookup
        case .newDay:
            // Every view is to be read again for the new day.
            state.withLock { state in
                if state.day != nil, state.day != day {
                    state.day = nil
                    state.rebuild = true
                }
            }
            wakeUp.yield()
            return .newDay
        }
    }
}
