/// The ordered grades of a policy, best first (by default AAA, AA, A, B, C, D).
public struct GradeScale: Sendable, Hashable {
    /// Grade names, best first.
    public let grades: [String]

    public init(_ grades: [String]) {
        self.grades = grades
    }

    public func contains(_ grade: String) -> Bool { grades.contains(grade) }

    /// The worst grade on the scale, the one a serious-dishonesty listing forces.
    public var lowest: String { grades[grades.count - 1] }

    /// Position on the scale, 0 for the best grade.
    public func rank(_ grade: String) -> Int? { grades.firstIndex(of: grade) }

    /// The worse of two grades on this scale.
    public func worse(_ first: String, _ second: String) -> String {
        (rank(first) ?? 0) >= (rank(second) ?? 0) ? first : second
    }

    /// Whether `grade` is above (better than) `limit`.
    public func isBetter(_ grade: String, than limit: String) -> Bool {
        (rank(grade) ?? 0) < (rank(limit) ?? 0)
    }
}
