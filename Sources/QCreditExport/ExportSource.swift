import CanonicalJSON

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
    /// The date the state describes, `YYYY-MM-DD`.
    var asOf: String { get }
    /// The newest signed checkpoint: its size (the end of the exported entries), root hash and
    /// the signed note, verbatim.
    var checkpoint: (size: Int64, rootHash: [UInt8], note: String) { get }

    /// Calls `body` with each enterprise file's public JSON, sorted by USCC, then the files
    /// without a USCC by organization code (byte order of the codes). Rethrows what `body` throws.
    func forEachEnterprise(_ body: (JSONValue) throws -> Void) throws
    /// Calls `body` with each published listing and its whole history, by listing id.
    func forEachListing(_ body: (JSONValue) throws -> Void) throws
    /// Calls `body` with the exact stored bytes of log entries `start..<end`, in order.
    func forEachEntry(from start: Int64, to end: Int64, _ body: ([UInt8]) throws -> Void) throws
    /// The RFC 9162 consistency proof from tree size `oldSize` (≥ 1) to `newSize`.
    func consistencyProof(from oldSize: Int64, to newSize: Int64) throws -> [[UInt8]]
    /// The hashes of `MerkleTree.rootNodes(size: size)`, left to right (none for size 0).
    func compactRange(size: Int64) throws -> [[UInt8]]
}
