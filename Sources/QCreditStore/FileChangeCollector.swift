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
