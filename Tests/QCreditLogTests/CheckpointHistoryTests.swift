import Foundation
import QCreditCrypto
import QCreditLog
import Testing

@Suite struct CheckpointHistoryTests {
    static func root(_ n: UInt8) -> [UInt8] { [UInt8](repeating: n, count: 32) }

    static func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("history-\(UUID().uuidString)").path
    }

    @Test func appendsAndReadsBackTheNewestTree() throws {
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let history = CheckpointHistory(path: path)
        #expect(try history.newest() == nil)
        for size in [1, 5, 12] as [Int64] { try history.append(SignedTree(size: size, rootHash: Self.root(UInt8(size)))) }
        #expect(try history.newest() == SignedTree(size: 12, rootHash: Self.root(12)))
        #expect(try history.all().map(\.size) == [1, 5, 12])
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.hasSuffix("12 \(Base64.encode(Self.root(12)))\n"))
    }

    /// A signature retried after the other history failed appends the same tree again: the file
    /// keeps one line for it.
    @Test func appendingTheTreeOnTheLastLineAddsNothing() throws {
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let history = CheckpointHistory(path: path)
        for _ in 0..<3 { try history.append(SignedTree(size: 7, rootHash: Self.root(7))) }
        try history.append(SignedTree(size: 8, rootHash: Self.root(8)))
        try history.append(SignedTree(size: 8, rootHash: Self.root(8)))
        #expect(try history.all().map(\.size) == [7, 8])
        #expect(try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").count == 2)
    }

    /// A line cut short by a crash was never acknowledged: it is ignored, then cut off.
    @Test func aLineCutShortByACrashIsIgnoredAndReplaced() throws {
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let history = CheckpointHistory(path: path)
        try history.append(SignedTree(size: 3, rootHash: Self.root(3)))
        let handle = try #require(FileHandle(forWritingAtPath: path))
        handle.seekToEndOfFile()
        handle.write(Data("9 AAAA".utf8))
        try handle.close()
        #expect(try history.newest()?.size == 3)
        try history.append(SignedTree(size: 4, rootHash: Self.root(4)))
        #expect(try history.all().map(\.size) == [3, 4])
    }

    @Test func aHistoryThatSignedTwoRootsForOneSizeIsRefused() throws {
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let history = CheckpointHistory(path: path)
        try history.append(SignedTree(size: 3, rootHash: Self.root(3)))
        try history.append(SignedTree(size: 3, rootHash: Self.root(4)))
        #expect(throws: CheckpointHistoryError.self) { try history.all() }
        try "garbage\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: CheckpointHistoryError.self) { try history.newest() }
    }
}
