/// What ``ExportWriter/write(source:keys:into:name:kind:previous:created:)`` wrote.
///
/// ```swift
/// let summary = try ExportWriter.write(…)
/// print("\(summary.name): \(summary.entries) entries, \(summary.files) files, \(summary.bytes) bytes in \(summary.duration)")
/// ```
public struct ExportSummary: Sendable, Hashable {
    /// The export's path: the exports directory joined with ``name``.
    public var directory: String
    public var name: String
    public var kind: ExportKind
    /// The checkpoint's tree size.
    public var treeSize: Int64
    /// The first entry exported (0 for a full export).
    public var entriesStart: Int64
    /// The total size of the export's files, MANIFEST and signatures included.
    public var bytes: Int64
    /// The number of files, MANIFEST and signatures included.
    public var files: Int
    public var enterprises: Int64
    public var listings: Int64
    /// The number of entries exported: tree size − start.
    public var entries: Int64
    /// The number of openings in the public export: those disclosed on the as-of date.
    public var openings: Int64
    /// How long writing took.
    public var duration: Duration
    /// ``duration`` in seconds, for replies and logs.
    public var seconds: Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
    /// The MANIFEST's SHA-256, lower-case hex: what a notice or a log line can quote.
    public var manifestSHA256: String
    /// What went into the restricted part.
    public var restricted: RestrictedPart

    /// The restricted part written with the export.
    public struct RestrictedPart: Sendable, Hashable {
        /// `<exports>/restricted/<name>`.
        public var directory: String
        /// Every opening the registry holds for the entries (one per entry in a complete part).
        public var openings: Int64
        public var listings: Int64
        /// The total size of its files, MANIFEST and signatures included.
        public var bytes: Int64
    }
}
