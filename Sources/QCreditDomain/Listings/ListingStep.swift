/// One step in a listing's life. Steps are appended, never changed: the listing's state is
/// the state after its last step, and its history is the list of steps.
///
/// A recorded step is the ``ListingStepDraft`` the lifecycle approved plus what recording it
/// added (its id, time and publication index); the draft's fields read through directly:
/// `step.kind`, `step.date`, `step.removalReason`.
@dynamicMemberLookup
public struct ListingStep: Sendable, Hashable {
    public typealias Kind = ListingStepDraft.Kind

    public var id: Int64
    /// What was decided.
    public var details: ListingStepDraft
    /// For `listed` and `removed`: the publication record's log index.
    public var publicationIndex: Int64?
    public var recordedAt: Instant

    public init(id: Int64, details: ListingStepDraft, publicationIndex: Int64? = nil, recordedAt: Instant) {
        self.id = id
        self.details = details
        self.publicationIndex = publicationIndex
        self.recordedAt = recordedAt
    }

    public subscript<Value>(dynamicMember field: KeyPath<ListingStepDraft, Value>) -> Value {
        details[keyPath: field]
    }
}
