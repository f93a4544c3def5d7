import QCreditCrypto
import Testing

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
