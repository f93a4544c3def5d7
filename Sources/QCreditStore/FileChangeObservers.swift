import Synchronization

/// Who is told of committed writes. Observers run on the writing task, after the commit and
/// before the write returns to its caller, so a view they update is current by the time the
/// write is acknowledged. They must be quick and must not write.
final class FileChangeObservers: Sendable {
    typealias Observer = @Sendable (FileChanges) -> Void
    private let observers = Mutex<[Observer]>([])

    func add(_ observer: @escaping Observer) {
        observers.withLock { $0.append(observer) }
    }

    func notify(_ changes: FileChanges) {
        guard !changes.isEmpty else { return }
        for observer in observers.withLock({ $0 }) { observer(changes) }
    }
}
