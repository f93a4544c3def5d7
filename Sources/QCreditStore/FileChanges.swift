/// Which credit files a committed write touched: the feed that keeps in-memory views (the
/// fast `GetGrade` index, a change stream) in step with the database.
///
/// `everything` is the safe answer when a write touched rows whose file is not known (a
/// publication without an enterprise, say): every view is to be recomputed.
public enum FileChanges: Sendable, Equatable {
    case files(Set<Int64>)
    case everything

    public var isEmpty: Bool {
        if case .files(let ids) = self { return ids.isEmpty }
        return false
    }
}
