/// How one kind of event moves the score: points by severity, counted for a window after the
/// event happened, either in full or fading linearly to zero across the window.
public struct EventRule: Sendable, Hashable {
    public enum Decay: String, Sendable, Hashable, CaseIterable {
        /// Full points until the window closes.
        case none
        /// Points shrink in proportion to the part of the window that is left.
        case linear
    }

    public var kind: EventKind
    public var points: [Severity: Int]
    public var window: CalendarPeriod
    public var decay: Decay

    public init(kind: EventKind, points: [Severity: Int], window: CalendarPeriod, decay: Decay) {
        self.kind = kind
        self.points = points
        self.window = window
        self.decay = decay
    }
}

/// A ceiling on the grade while a serious enough event of some kind is recent: for example a
/// high-severity penalty within a year caps the grade at B whatever the score.
public struct EventCap: Sendable, Hashable {
    public var kind: EventKind
    /// The least severity that triggers the cap.
    public var minimumSeverity: Severity
    public var within: CalendarPeriod
    public var maximumGrade: String

    public init(kind: EventKind, minimumSeverity: Severity, within: CalendarPeriod, maximumGrade: String) {
        self.kind = kind
        self.minimumSeverity = minimumSeverity
        self.within = within
        self.maximumGrade = maximumGrade
    }
}

extension Severity {
    /// Order for caps: low < medium < high.
    var weight: Int {
        switch self {
        case .low: return 0
        case .medium: return 1
        case .high: return 2
        }
    }
}
