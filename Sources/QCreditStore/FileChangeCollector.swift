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

/// The first revision one write transaction inserted (see ``RegistryWriter/indexNewNames()``):
/// rowids only grow while the transaction holds the writer, so its revisions are those from
/// this id on. Used like ``FileChangeCollector``.
final class FirstRevision: Sendable {
    private let id = Mutex<Int64?>(nil)

    func inserted(_ revision: Int64) { id.withLock { if $0 == nil { $0 = revision } } }

    var value: Int64? { id.withLock { $0 } }
}
