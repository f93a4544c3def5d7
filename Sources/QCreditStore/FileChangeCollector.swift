import Synchronization

/// Collects, inside one write transaction, the enterprise ids its inserts touch. Used only on
/// the writer's queue, by one transaction at a time; the lock just makes that checkable.
final class FileChangeCollector: Sendable {
    private let state = Mutex<(ids: Set<Int64>, everything: Bool)>(([], false))

    func touched(_ id: Int64?) {
        state.withLock { state in
            if let id { state.ids.insert(id) } else { state.everything = true }
        }
    }

    var changes: FileChanges {
        state.withLock { $0.everything ? .everything : .files($0.ids) }
    }
}

/// Collects, inside one write transaction, the ids of the revisions it inserted (see
/// ``RegistryWriter/indexNewNames()``). Used like ``FileChangeCollector``.
final class RevisionCollector: Sendable {
    private let ids = Mutex<[Int64]>([])

    func add(_ id: Int64) { ids.withLock { $0.append(id) } }

    func drain() -> [Int64] { ids.withLock { ids in defer { ids = [] }; return ids } }
}
