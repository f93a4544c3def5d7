/// Which entries an export carries.
///
/// ```swift
/// let kind: ExportKind = previous == nil ? .full : .delta
/// kind.rawValue   // "full" or "delta", as the MANIFEST's "# kind" line writes it
/// ```
public enum ExportKind: String, Sendable, Hashable, CaseIterable {
    /// Every log entry, from 0 to the checkpoint's size.
    case full
    /// The entries after the previous export's tree size: `tree-start` and `consistency-proof`
    /// tie them to that export.
    case delta
}
