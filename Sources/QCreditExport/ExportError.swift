/// Why an export could not be written, read or pruned.
///
/// The writer refuses to produce an export its own verifier would reject: a checkpoint that the
/// keys do not open, entries that do not lead to the checkpoint's root, a log that does not
/// extend the previous export, a record that is not canonical JSON. Each such refusal says what
/// is wrong.
///
/// ```swift
/// do {
///     _ = try ExportWriter.write(source: source, keys: keys, into: "/var/lib/qcredit/exports",
///                                name: name, kind: .delta, previous: previous, created: created)
/// } catch let error as ExportError {
///     print(error)   // e.g. "the log does not extend the previous export: …"
/// }
/// ```
public enum ExportError: Error, CustomStringConvertible {
    /// An argument is unusable: a name, a timestamp, a date, a count.
    case invalidArgument(String)
    /// A signing key is unusable or does not match its verifier key or PEM.
    case invalidKey(String)
    /// The source's checkpoint is not a checkpoint of its origin, size and root signed by the keys.
    case checkpoint(String)
    /// The log does not extend the previous export (a different history, or a smaller tree).
    case inconsistentWithPrevious(String)
    /// The log's data does not fit together (compact range, entries, root).
    case inconsistentLog(String)
    /// A record cannot go into the export as it is: `file` and 1-based `line` where it would have gone.
    case invalidRecord(file: String, line: Int64, reason: String)
    /// The export directory `path` already exists; exports are never overwritten.
    case exportExists(path: String)
    /// Another export or prune is running in the exports directory (it holds the directory's lock).
    case busy(directory: String)
    /// A system call failed.
    case fileSystem(operation: String, path: String, reason: String)
    /// The source threw while producing `what` (enterprises, listings, entries, a proof).
    case source(what: String, underlying: any Error)
    /// Signing the MANIFEST with a key failed, or the signature did not verify with the key's verifier.
    case signing(key: String, reason: String)
    /// A MANIFEST (of a previous export) cannot be read or parsed.
    case invalidManifest(path: String, reason: String)

    public var description: String {
        switch self {
        case .invalidArgument(let reason): "invalid argument: \(reason)"
        case .invalidKey(let reason): "unusable signing key: \(reason)"
        case .checkpoint(let reason): "unusable checkpoint: \(reason)"
        case .inconsistentWithPrevious(let reason): "the log does not extend the previous export: \(reason)"
        case .inconsistentLog(let reason): "the log's data is inconsistent: \(reason)"
        case .invalidRecord(let file, let line, let reason): "\(file) line \(line): \(reason)"
        case .exportExists(let path): "\(path) already exists; exports are never overwritten"
        case .busy(let directory): "another export or prune is running in \(directory)"
        case .fileSystem(let operation, let path, let reason): "cannot \(operation) \(path): \(reason)"
        case .source(let what, let underlying): "reading the \(what) failed: \(underlying)"
        case .signing(let key, let reason): "signing the MANIFEST with \(key) failed: \(reason)"
        case .invalidManifest(let path, let reason): "\(path): \(reason)"
        }
    }
}
