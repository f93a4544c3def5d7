import GRDB
import TransparencyLog

/// Whether an error means the work was interrupted (shutdown cancelled it) rather than that
/// it failed: SQLite's interrupt or an aborted transaction, GRDB's `CancellationError` for a
/// cancelled access, either of them wrapped by the Merkle tree as a failed node read.
///
/// A walk over many files undoes one file that fails and goes on; an interruption stops it
/// (every later statement of the transaction would fail too), and is not logged as a failure.
///
/// ```swift
/// catch where Interruption.isInterruption(error) { throw error }
/// ```
public enum Interruption {
    public static func isInterruption(_ error: any Error) -> Bool {
        switch error {
        case is CancellationError: return true
        case let error as DatabaseError: return error.resultCode == .SQLITE_INTERRUPT || error.resultCode == .SQLITE_ABORT
        case MerkleTreeError.storage(let underlying): return isInterruption(underlying)
        default: return false
        }
    }
}
