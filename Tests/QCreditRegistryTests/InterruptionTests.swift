import GRDB
import QCreditStore
import Testing
import TransparencyLog

/// A walk over the files stops on an interruption and goes on past a file that failed. A
/// cancelled node read reaches it wrapped by the Merkle tree: it was logged as a file that
/// could not be regraded, during a shutdown (ShutdownTests, on a loaded machine).
@Suite struct InterruptionTests {
    @Test func aCancelledOrInterruptedAccessIsAnInterruptionWrappedOrNot() {
        #expect(Interruption.isInterruption(CancellationError()))
        #expect(Interruption.isInterruption(MerkleTreeError.storage(CancellationError())))
        #expect(Interruption.isInterruption(DatabaseError(resultCode: .SQLITE_INTERRUPT)))
        #expect(Interruption.isInterruption(MerkleTreeError.storage(DatabaseError(resultCode: .SQLITE_ABORT))))
    }

    @Test func aFailureOfTheFileIsNot() {
        #expect(!Interruption.isInterruption(DatabaseError(resultCode: .SQLITE_CONSTRAINT)))
        #expect(!Interruption.isInterruption(MerkleTreeError.storage(DatabaseError(resultCode: .SQLITE_CORRUPT))))
        #expect(!Interruption.isInterruption(MerkleTreeError.invalidSize(-1)))
    }
}
