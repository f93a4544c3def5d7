import QCreditCrypto
import Testing

@Suite struct DigestTests {
    @Test func sha256KnownAnswers() {
        // FIPS 180-2 appendix B.1, and the empty message.
        #expect(Digest.sha256(Array("abc".utf8)).hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Digest.sha256([]).hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test func sm3KnownAnswers() {
        // GB/T 32905-2016 appendix A, examples 1 and 2.
        #expect(Digest.sm3(Array("abc".utf8)).hex == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0")
        let sixtyFour = Array(String(repeating: "abcd", count: 16).utf8)
        #expect(Digest.sm3(sixtyFour).hex == "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732")
    }

    @Test func nonContiguousInput() {
        // A collection without contiguous storage takes the copying path.
        let bytes = "abc".utf8.lazy.map { $0 }
        #expect(Digest.sha256(bytes) == Digest.sha256(Array("abc".utf8)))
    }
}
