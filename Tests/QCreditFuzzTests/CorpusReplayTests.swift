import Foundation
@testable import QCreditFuzz
import SignedNote
import Testing

/// Every committed corpus input, crash reproducers included, passes its target: the fuzzers'
/// findings stay fixed in a plain `swift test`.
@Suite struct CorpusReplayTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("FuzzCorpus")

    @Test(arguments: FuzzTarget.all.map(\.name))
    func corpusPasses(target name: String) throws {
        let target = try #require(FuzzTarget.named(name))
        let report = try CorpusReplay.replay(target, paths: [Self.corpus.appendingPathComponent(name).path])
        #expect(report.inputCount > 0)
        for failure in report.failures {
            Issue.record("\(failure.path): \(failure.violation)")
        }
    }
}

/// The signed-note target verifies signatures only if its seeds are signed by its keys.
@Suite struct SignedNoteSeedTests {
    @Test func theSignedCheckpointSeedVerifiesWithBothFuzzKeys() throws {
        let url = CorpusReplayTests.corpus.appendingPathComponent("signed-note/checkpoint-ed25519-sm2")
        let note = try Note(parsing: [UInt8](Data(contentsOf: url)))
        let verifiers = try SignedNoteTarget.verifierKeys.map { key in try VerifierKey.parse(key) }
        #expect(try NoteSigning.verify(note, verifiers: verifiers).count == 2)
    }
}
