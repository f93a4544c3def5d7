import QCreditDomain
import QCreditStore

/// The grade in force of one file as of one day, in both views: what an in-memory answer to
/// `GetGrade` is made from.
public struct CurrentGrades: Sendable {
    public var enterpriseId: Int64
    /// Every code the file holds (a lookup by any of them finds it).
    public var codes: [String]
    public var publicView: GradeView
    public var fullView: GradeView
}

/// Current grades of a batch of files, all read from one snapshot on one day.
public struct CurrentGradesBatch: Sendable {
    /// The day the views hold for: disclosure, overrides and listings all turn on dates.
    public var day: CivilDate
    public var files: [CurrentGrades]
    /// Asked-for files that do not exist (any more).
    public var missing: [Int64]
}

extension Registry {
    /// Calls `observer` after every committed write with the files it touched, before the write
    /// returns (see ``RegistryDatabase/observeFileChanges(_:)``).
    public func observeFileChanges(_ observer: @escaping @Sendable (FileChanges) -> Void) {
        database.observeFileChanges(observer)
    }

    /// The ids of up to `limit` files after `id`, in order, for walking every file.
    public func fileIds(after id: Int64, limit: Int) async throws -> [Int64] {
        try await database.read { try $0.enterpriseIds(after: id, limit: limit) }
    }

    /// The highest file id: files are never deleted, so about how many there are.
    public func highestFileId() async throws -> Int64 {
        try await database.read { try $0.highestEnterpriseId() }
    }

    /// The grades in force now of the files `ids`, in both views, through the same rule as
    /// ``gradeInForce(code:at:view:)`` (one snapshot for the batch).
    public func currentGrades(ids: [Int64]) async throws -> CurrentGradesBatch {
        let policy = self.policy
        let now = clock.now()
        let day = now.civilDate(in: utcOffset)
        let publicVisibility = Visibility(view: .public, today: day, rules: policy.disclosure)
        let fullVisibility = Visibility(view: .full, today: day, rules: policy.disclosure)
        return try await database.read { reader in
            var batch = CurrentGradesBatch(day: day, files: [], missing: [])
            for id in ids {
                guard let enterprise = try reader.enterprise(id: id) else {
                    batch.missing.append(id)
                    continue
                }
                let views = try reader.gradeViews(
                    enterprise: enterprise, at: now, date: day, policy: policy, visibilities: [publicVisibility, fullVisibility])
                batch.files.append(
                    CurrentGrades(
                        enterpriseId: id, codes: enterprise.codes.map(\.code), publicView: views[0], fullView: views[1]))
            }
            return batch
        }
    }
}
