import CanonicalJSON
import TransparencyLog

/// Where an export's data comes from: the registry's database in the daemon, an in-memory log in
/// tests. The writer pulls everything through this protocol, one item at a time, so a source can
/// stream from a database cursor and the export never holds a whole file in memory.
///
/// A source must be a consistent snapshot (in the daemon: one read transaction): the checkpoint,
/// the entries up to its size, the proofs and the state as of ``asOf`` must all belong together.
///
/// ```swift
/// struct DatabaseSource: ExportSource {
///     let origin = "qcredit.example.gov.cn/registry"
///     let asOf = "2026-11-27"
///     let checkpoint: (size: Int64, rootHash: [UInt8], note: String)
///     func forEachEnterprise(_ body: (JSONValue) throws -> Void) throws {
///         // SELECT … ORDER BY uscc IS NULL, uscc, org_code; call body for each row
///     }
///     // …
/// }
/// ```
public protocol ExportSource {
    /// The log's origin: the checkpoint's first line.
    var origin: String { get }
    /// The date the state describes, `YYYY-MM-DD`; disclosure is judged on it.
    var asOf: String { get }
    /// The newest signed checkpoint: its size (the end of the exported entries), root hash and
    /// the signed note, verbatim.
    var checkpoint: (size: Int64, rootHash: [UInt8], note: String) { get }

    /// Calls `body` with each enterprise file's public JSON, sorted by USCC, then the files
    /// without a USCC by organization code (byte order of the codes). Rethrows what `body` throws.
    func forEachEnterprise(_ body: (JSONValue) throws -> Void) throws
    /// ``forEachEnterprise(_:)``'s lines as the source can give them fastest: a source that
    /// writes canonical bytes directly gives ``ExportStateLine/canonical(_:uscc:orgCode:)``.
    /// By default, each value of ``forEachEnterprise(_:)``.
    func forEachEnterpriseLine(_ body: (ExportStateLine) throws -> Void) throws
    /// Calls `body` with each published listing and its whole history, by listing id: for the
    /// public part the listings the public sees on ``asOf``; for the restricted part every one,
    /// with a `disclosed` flag.
    func forEachListing(in part: ExportPart, _ body: (JSONValue) throws -> Void) throws
    /// Calls `body` with log entries `start..<end`, in order.
    func forEachEntry(from start: Int64, to end: Int64, _ body: (ExportEntry) throws -> Void) throws
    /// The RFC 9162 consistency proof from tree size `oldSize` (≥ 1) to `newSize`.
    func consistencyProof(from oldSize: Int64, to newSize: Int64) throws -> [[UInt8]]
    /// The hashes of `MerkleTree.rootNodes(size: size)`, left to right (none for size 0).
    func compactRange(size: Int64) throws -> [[UInt8]]
}

/// One log entry as an export needs it: the leaf every export carries, and the opening the
/// public part carries while disclosed and the restricted part always.
public struct ExportEntry: Sendable, Hashable {
    /// The leaf's exact bytes (a ``LeafCommitment``).
    public var leaf: [UInt8]
    /// The salt and record, when the registry holds them (not for a leaf a restore replayed
    /// without its opening).
    public var opening: RecordOpening?
    /// Whether the public may receive the opening on the export's as-of date.
    public var isDisclosed: Bool

    public init(leaf: [UInt8], opening: RecordOpening?, isDisclosed: Bool) {
        self.leaf = leaf
        self.opening = opening
        self.isDisclosed = isDisclosed
    }
}

/// The two parts of one export run: the public export anyone may fetch, and the restricted part
/// only auditors may read (``ExportFormat``).
public enum ExportPart: String, Sendable, Hashable, CaseIterable {
    case `public`
    case restricted
}

extension ExportSource {
    public func forEachEnterpriseLine(_ body: (ExportStateLine) throws -> Void) throws {
        try forEachEnterprise { try body(.value($0)) }
    }
}

/// One enterprise file's line of `state.jsonl`, as a source gives it.
public enum ExportStateLine {
    /// The file's JSON object; the writer encodes it.
    case value(JSONValue)
    /// The object's RFC 8785 bytes, made by the source, and its `uscc` and `orgCode` values
    /// (the codes it sorts by). The writer checks the bytes are canonical JSON and the order.
    case canonical([UInt8], uscc: String?, orgCode: String?)
}
