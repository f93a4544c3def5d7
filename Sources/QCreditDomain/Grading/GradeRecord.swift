import CanonicalJSON

/// A published grade: either computed by the policy (`PublishGrades`) or set by a regulator's
/// override. Grade records are history; the grade in force on a day is derived from them and
/// from the listings in force that day (see ``GradeInForce``).
public struct GradeRecord: Sendable, Hashable {
    public enum Basis: String, Sendable, Hashable {
        case computed
        case override
    }

    public var id: Int64
    public var basis: Basis
    public var grade: String
    /// The score behind a computed grade; nil for overrides.
    public var score: Int?
    public var policyVersion: String
    /// For computed grades, ``GradeComputation/json``; for overrides, the grade it replaced.
    public var explanation: JSONValue
    public var effectiveAt: Instant
    /// Last day an override stays in force; nil: until replaced.
    public var until: CivilDate?
    public var reason: String?
    public var documentNumber: String?
    /// Index of the publication record that published this grade.
    public var publicationIndex: Int64

    public init(
        id: Int64, basis: Basis, grade: String, score: Int?, policyVersion: String, explanation: JSONValue,
        effectiveAt: Instant, until: CivilDate? = nil, reason: String? = nil, documentNumber: String? = nil,
        publicationIndex: Int64
    ) {
        self.id = id
        self.basis = basis
        self.grade = grade
        self.score = score
        self.policyVersion = policyVersion
        self.explanation = explanation
        self.effectiveAt = effectiveAt
        self.until = until
        self.reason = reason
        self.documentNumber = documentNumber
        self.publicationIndex = publicationIndex
    }

    /// Whether this override is still in force on `date`.
    public func isInForce(on date: CivilDate) -> Bool {
        guard let until else { return true }
        return date <= until
    }

    /// Whether this override is the grade answered on `date`, given the latest computed grade
    /// `computed`: while it is in force, and on the day after its last day until that day's
    /// regrade publishes the computed grade again. Until the day's run, the grade of the day
    /// before stands, as for every change a day brings; the computed grade from before the
    /// override would be neither that nor today's.
    public func stands(on date: CivilDate, computed: GradeRecord?) -> Bool {
        if isInForce(on: date) { return true }
        guard let until, date == until.adding(days: 1) else { return false }
        return computed.map { $0.publicationIndex < publicationIndex } ?? true
    }
}

/// A listing that limits the grade while it is in force.
public struct ListingCap: Sendable, Hashable {
    public var listingId: Int64
    public var listType: String
    public var maximumGrade: String
    public var publicationDate: CivilDate
    /// Index of the listing's publication record.
    public var publicationIndex: Int64?

    public init(listingId: Int64, listType: String, maximumGrade: String, publicationDate: CivilDate, publicationIndex: Int64?) {
        self.listingId = listingId
        self.listType = listType
        self.maximumGrade = maximumGrade
        self.publicationDate = publicationDate
        self.publicationIndex = publicationIndex
    }
}

/// The grade in force at one moment and what it rests on.
///
/// Precedence: an override in force beats the latest computed grade; a listing's cap then
/// limits either (serious-dishonesty forces the lowest grade at once, abnormal operations caps
/// at C), because a listing is a legal decision that discretion cannot lift.
public struct GradeInForce: Sendable, Hashable {
    public enum Basis: String, Sendable, Hashable {
        case computed
        case override
        /// The grade is the cap of a listing (it was lowered, or forced with no grade published).
        case listing
        case ungraded
    }

    /// Nil when the enterprise was never graded and no listing forces a grade.
    public var grade: String?
    public var basis: Basis
    /// The published grade record behind the grade, if any.
    public var record: GradeRecord?
    /// The listing caps that bind (lowered the grade), worst first.
    public var bindingCaps: [ListingCap]
    /// Every listing in force with a cap, binding or not.
    public var caps: [ListingCap]

    /// Index of the publication record the grade rests on: the binding listing's, else the
    /// grade record's.
    public var publicationIndex: Int64? {
        if basis == .listing { return bindingCaps.first?.publicationIndex }
        return record?.publicationIndex
    }

    /// Resolves the grade from the latest computed record and the latest override (both at or
    /// before the moment asked about) and the listing caps in force on `date`.
    public static func resolve(
        computed: GradeRecord?, override: GradeRecord?, caps: [ListingCap], on date: CivilDate, scale: GradeScale
    ) -> GradeInForce {
        let base: GradeRecord? = override.flatMap { $0.stands(on: date, computed: computed) ? $0 : nil } ?? computed
        var grade = base?.grade
        var basis: Basis = base.map { $0.basis == .override ? .override : .computed } ?? .ungraded
        let sortedCaps = caps.sorted {
            (scale.rank($0.maximumGrade) ?? 0, $0.listingId) > (scale.rank($1.maximumGrade) ?? 0, $1.listingId)
        }
        var binding: [ListingCap] = []
        for cap in sortedCaps {
            if let current = grade {
                if scale.isBetter(current, than: cap.maximumGrade) {
                    grade = cap.maximumGrade
                    basis = .listing
                    binding.append(cap)
                } else if basis == .listing && current == cap.maximumGrade {
                    binding.append(cap)
                }
            } else if cap.maximumGrade == scale.lowest {
                // Never graded, but the listing forces the lowest grade whatever the score.
                grade = cap.maximumGrade
                basis = .listing
                binding.append(cap)
            }
        }
        return GradeInForce(grade: grade, basis: basis, record: base, bindingCaps: binding, caps: sortedCaps)
    }
}
