/// One line of an ``ExportReport``: a check, the file it is about, whether it passed, and what
/// was found.
///
/// ```swift
/// for check in report.checks where !check.passed {
///     print(check)   // "FAIL digests entries.jsonl: SHA-256 is 3f…, the MANIFEST says 9a…"
/// }
/// ```
public struct ExportCheck: Sendable, Hashable, CustomStringConvertible {
    /// What is checked.
    public enum Name: String, Sendable, Hashable, CaseIterable {
        /// The MANIFEST parses, and its values fit together.
        case manifest
        /// The verifier keys given to the verifier parse.
        case keys
        /// Every listed file is there, and nothing unlisted is (but MANIFEST and signatures).
        case files
        /// A MANIFEST signature by a given key verifies, and none by a given key fails.
        case signature
        /// A file's size, SHA-256 and SM3 are those the MANIFEST lists.
        case digests
        /// The checkpoint note opens with the given keys.
        case checkpointSignature = "checkpoint-signature"
        /// The checkpoint's origin, size and root are the MANIFEST's.
        case checkpoint
        /// `verifier-keys` parses and the PEM files hold its keys.
        case verifierKeys = "verifier-keys"
        /// `tree-start` is the compact range of the entries' start (and folds to the previous root).
        case treeStart = "tree-start"
        /// Every entry is a format-2 leaf, and there are end − start of them.
        case entries
        /// The compact range extended with the entries gives the checkpoint's root.
        case root
        /// The log extends the previous tree (consistency proof, or the entries themselves).
        case consistency
        /// The previous export verifies and is the tree this export extends.
        case previous
        /// `state.jsonl`: canonical lines, count, order.
        case state
        /// `listings.jsonl`: canonical lines, count.
        case listings
        /// `openings.jsonl`: canonical lines in order, each opening its entry's leaf (in the
        /// restricted part, one for every entry).
        case openings
        /// The restricted part: there, and the part of this export.
        case part
    }

    public var name: Name
    /// The file (or, for ``Name/previous``, the directory) the check is about; nil for the whole export.
    public var file: String?
    public var passed: Bool
    /// What was found: the evidence for a pass, the reason for a failure.
    public var detail: String

    public init(name: Name, file: String?, passed: Bool, detail: String) {
        self.name = name
        self.file = file
        self.passed = passed
        self.detail = detail
    }

    /// `PASS <name> <file>: <detail>` or `FAIL …`.
    public var description: String {
        "\(passed ? "PASS" : "FAIL") \(name.rawValue)\(file.map { " \($0)" } ?? ""): \(detail)"
    }
}
