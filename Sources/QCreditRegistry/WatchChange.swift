import CanonicalJSON

/// One change to a watched file as a change feed reports it, derived from the publication
/// record at log index `cursor`.
public struct WatchChange: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        /// A computed grade was published: `old` → `new` letter.
        case grade
        /// A regulator's override: `old` → `new` letter.
        case override
        /// Published on a list: `new` is the list type.
        case listed
        /// Taken off a list: `old` is the list type, `reason` why.
        case removed
        /// A listing ended whose records the caller may no longer see (the public view of a
        /// removal once its disclosure ended; at once for repair and revocation): no details.
        case listingEnded = "listing-ended"
    }

    /// The log index of the publication record: resume after it with `since`.
    public var cursor: Int64
    /// The file's code (its USCC when it has one).
    public var code: String
    public var kind: Kind
    public var listType: String?
    public var old: String?
    public var new: String?
    public var reason: String?
    /// When the record was published (RFC 3339).
    public var publishedAt: String?
    /// The listing a `listed` change shows (not sent: a feed notes it as shown before sending).
    public var listingId: Int64?

    public init(
        cursor: Int64, code: String, kind: Kind, listType: String? = nil, old: String? = nil, new: String? = nil,
        reason: String? = nil, publishedAt: String? = nil
    ) {
        self.cursor = cursor
        self.code = code
        self.kind = kind
        self.listType = listType
        self.old = old
        self.new = new
        self.reason = reason
        self.publishedAt = publishedAt
    }

    /// The change a publication record describes; nil for a record that names no change to a
    /// file's grade or list status. `previousGrade` is the letter of the grade record before it,
    /// nil when there is none or the viewer may not see it (an override's `old`, the letter its
    /// record names, is then left out too).
    static func from(record: JSONValue, cursor: Int64, code: String, previousGrade: String?) -> WatchChange? {
        guard let body = record.objectValue, case .string(let type)? = body["type"] else { return nil }
        let publishedAt = body["publishedAt"]?.stringValue
        let listing = body["listing"]?.objectValue
        switch type {
        case "grade":
            return WatchChange(
                cursor: cursor, code: code, kind: .grade, old: previousGrade,
                new: body["grade"]?.objectValue?["grade"]?.stringValue, publishedAt: publishedAt)
        case "override":
            let details = body["override"]?.objectValue
            return WatchChange(
                cursor: cursor, code: code, kind: .override, old: previousGrade.flatMap { _ in details?["previousGrade"]?.stringValue },
                new: details?["grade"]?.stringValue, reason: details?["reason"]?.stringValue, publishedAt: publishedAt)
        case "listing":
            let listType = listing?["listType"]?.stringValue
            return WatchChange(
                cursor: cursor, code: code, kind: .listed, listType: listType, new: listType,
                reason: listing?["reason"]?.stringValue, publishedAt: publishedAt)
        case "removal":
            let listType = listing?["listType"]?.stringValue
            return WatchChange(
                cursor: cursor, code: code, kind: .removed, listType: listType, old: listType,
                reason: body["removal"]?.objectValue?["reason"]?.stringValue, publishedAt: publishedAt)
        default:
            return nil
        }
    }
}
