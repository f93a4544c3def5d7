import QCreditDomain

/// What computing and publishing one file's grade reads: the file, its events and its latest
/// computed and override grades at the moment of publishing.
public struct GradeInputs: Sendable {
    public var enterprise: Enterprise
    public var events: [QualityEvent]
    public var latestComputed: GradeRecord?
    public var latestOverride: GradeRecord?
}
