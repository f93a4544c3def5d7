import GRDB
import QCreditStore

/// A summary that counts the files a walk could not handle.
protocol FileWalkSummary: Sendable {
    var failed: Int { get set }
}

extension PublishSummary: FileWalkSummary {}
extension RegradeSummary: FileWalkSummary {}

extension Registry {
    /// Walks files in id order, `batchSize` per write transaction, as `nextIds` finds them (the
    /// ids after a given one), calling `body` for each in a savepoint of its own: a file that
    /// fails is undone, logged as `failure` and counted, and the walk goes on with the others.
    /// Shutdown cancels a long walk between batches; a repeated run takes up from there, and so
    /// does one that `stopBefore` ends before a batch, never before the first (`complete` is then
    /// false, and `summary` counts the batches done): a walk stopped by writes that never pause
    /// still gets on.
    func walkFiles<Summary: FileWalkSummary>(
        _ summary: Summary, batchSize: Int, by caller: Caller, failure: String,
        stopBefore: (@Sendable () -> Bool)? = nil,
        nextIds: @escaping @Sendable (RegistryReader, _ after: Int64, _ limit: Int) throws -> [Int64],
        _ body: @escaping @Sendable (Int64, RegistryWriter, inout Summary) throws -> Void
    ) async throws -> (summary: Summary, complete: Bool) {
        var summary = summary
        var lastId: Int64 = 0
        while true {
            try Task.checkCancellation()
            if lastId > 0, let stopBefore, stopBefore() { return (summary, false) }
            let after = lastId
            let ids = try await database.read { try nextIds($0, after, batchSize) }
            guard let last = ids.last else { break }
            do {
                summary = try await write(by: caller) { [summary] writer in
                    var batch = summary
                    for id in ids {
                        do {
                            try writer.savepoint { try body(id, writer, &batch) }
                        } catch where Interruption.isInterruption(error) {
                            // Shutdown interrupted the batch (a statement of it, or a node read
                            // the Merkle tree wraps): every file after it would fail too.
                            throw error
                        } catch {
                            batch.failed += 1
                            self.logger.error("\(failure)", metadata: ["enterprise": "\(id)", "error": "\(error)"])
                        }
                    }
                    return batch
                }
            } catch where Task.isCancelled {
                // Shutdown interrupts the batch's transaction (SQLite's interrupt), which rolls it back.
                throw CancellationError()
            }
            lastId = last
        }
        return (summary, true)
    }

}
