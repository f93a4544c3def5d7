import Foundation
import QCreditCrypto
import Testing

@testable import QCreditExport

@Suite("DigestStream")
struct DigestStreamTests {
    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined() }

    @Test("known answers for \"abc\" (FIPS 180-2, GB/T 32905 appendix A)")
    func knownAnswers() {
        let sha = DigestStream.sha256()
        sha.update(Array("a".utf8))
        sha.update(Array("bc".utf8))
        #expect(Self.hex(sha.finalize()) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let sm3 = DigestStream.sm3()
        sm3.update(Array("ab".utf8))
        sm3.update(Array("c".utf8))
        #expect(Self.hex(sm3.finalize()) == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0")
        #expect(DigestStream.sm3().finalize() == Digest.sm3([UInt8]()))
    }

    @Test("pieces of any kind give the one-shot digest")
    func piecesMatchOneShot() {
        let message = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        for (stream, oneShot) in [(DigestStream.sha256(), Digest.sha256(message)), (DigestStream.sm3(), Digest.sm3(message))] {
            stream.update(message[0..<1000])                                   // contiguous slice
            stream.update(message[1000..<70_000].lazy.map { $0 })               // not contiguous: chunked copy
            message[70_000...].withUnsafeBytes { stream.update($0) }           // raw buffer
            stream.update([UInt8]())
            #expect(stream.finalize() == oneShot)
        }
    }
}

/// An export file is written while its earlier buffers are still being written and hashed on
/// another thread: what lands on disk, its size and its digests must be exactly the bytes given,
/// in order, across many buffers and with writes of every size.
@Suite("HashingFileWriter")
struct HashingFileWriterTests {
    @Test func aFileOfManyBuffersIsWrittenAndHashedInOrder() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let directory = open(scratch.path, O_RDONLY | O_DIRECTORY)
        #expect(directory >= 0)
        defer { close(directory) }
        let writer = try HashingFileWriter(creating: "entries.jsonl", in: directory, directoryPath: scratch.path, mode: 0o644, group: nil)
        var expected: [UInt8] = []
        var generator = SystemRandomNumberGenerator()
        // Lines of 1 byte to 300 KiB (past one buffer), 12 MiB in all: dozens of buffers in flight.
        while expected.count < 12 << 20 {
            let length = Int.random(in: 0...(expected.count % 7 == 0 ? 300_000 : 200), using: &generator)
            let line = (0..<length).map { UInt8(truncatingIfNeeded: $0 &+ expected.count) | 0x20 }
            try writer.writeLine(line)
            expected += line + [0x0A]
        }
        let entry = try writer.finish()
        let written = try [UInt8](Data(contentsOf: URL(fileURLWithPath: scratch.path("entries.jsonl"))))
        #expect(written == expected)
        #expect(entry.size == Int64(expected.count))
        #expect(entry.sha256 == Digest.sha256(expected))
        #expect(entry.sm3 == Digest.sm3(expected))
    }
}
