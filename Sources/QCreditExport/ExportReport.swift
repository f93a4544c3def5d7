/// The result of ``ExportVerifier/verify(directory:verifierKeys:previous:)``: every check made,
/// in order, each passed or failed.
///
/// ```swift
/// let report = ExportVerifier.verify(directory: path, verifierKeys: [vkey], previous: nil)
/// print(report)                // one line per check, then a verdict
/// if !report.passed { exit(4) }
/// ```
public struct ExportReport: Sendable, Hashable, CustomStringConvertible {
    /// The export checked.
    public var directory: String
    public var checks: [ExportCheck]

    public init(directory: String, checks: [ExportCheck]) {
        self.directory = directory
        self.checks = checks
    }

    /// Whether every check passed (and there was at least one).
    public var passed: Bool { !checks.isEmpty && checks.allSatisfy(\.passed) }

    /// The checks that failed.
    public var failures: [ExportCheck] { checks.filter { !$0.passed } }

    /// The checks' lines, then `verified: <directory>` or `NOT verified: <directory> (n of m checks failed)`.
    public var description: String {
        let verdict =
            passed
            ? "verified: \(directory)"
            : "NOT verified: \(directory) (\(failures.count) of \(checks.count) checks failed)"
        return (checks.map(\.description) + [verdict]).joined(separator: "\n")
    }
}
