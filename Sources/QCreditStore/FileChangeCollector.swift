import Synchronization

/// Collects, inside one write transaction, the enterprise ids its inserts touch, and whether it
/// ends a record's disclosure from today on (for the streams' ``DisclosureMark``). Used only on
/// the writer's queue, by one transaction at a time; the lock just makes that checkable.
///
/// A file opened by the transaction is not reported for its own codes and first revision: no
/// view holds it yet, and a view that learns of it loads it when something else touches it
/// (its first grade), so a bulk registration does not make the grade index read back files
/// with nothing to answer.
final class FileChangeCollector: Sendable {
    private let state = Mutex<(ids: Set<Int64>, created: Set<Int64>, everything: Bool, endsDisclosure: Bool)>(
        ([], [], false, false))

    func touched(_ id: Int64?) {
        state.withLock { state in
            if let id { state.ids.insert(id) } else { state.everything = true }
        }
    }

    /// A file this transaction opened.
    func created(_ id: Int64) {
        _ = state.withLock { $0.created.insert(id) }
    }

    /// A file's codes or revisions written: a change, unless this transaction opened the file.
    func described(_ id: Int64) {
        state.withLock { state in
            if !state.created.contains(id) { state.ids.insert(id) }
        }
    }

    /// This transaction ends the disclosure of a record from today on.
    func endsDisclosure() { state.withLock { $0.endsDisclosure = true } }

    var endedDisclosure: Bool { state.withLock { $0.endsDisclosure } }

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
