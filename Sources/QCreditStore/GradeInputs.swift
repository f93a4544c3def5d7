import QCreditDomain

/// What computing and publishing one file's grade reads: the file, its events and its latest
/// computed and override grades at the moment of publishing.
public struct GradeInputs: Sendable {
    public var enterprise: Enterprise
    public var events: [QualityEvent]
    public var latestComputed: GradeRecord?
    /// The first day `latestComputed`'s record is no longer disclosed, if that is recorded.
    public var latestComputedDisclosureEnd: CivilDate?
    public var latestOverride: GradeRecord?
}
